/**
 * IT service continuity, pure core (issue 14): a plan's test lapse, and a run (DR test or real
 * invocation) as its ordered recovery steps. Steps are done in the plan's order so the measured
 * recovery time (start to last step done) means what the RTO means: the service back, not a subset.
 */
const MINUTE = 60_000;
const DAY = 86_400_000;

/** A recovery step of a plan (its schema: domain/schemas/continuity.ts). No zod here: this module runs in every workflow. */
export interface PlanStep {
  title: string;
  group: string;
  instructions: string;
  durationMinutes: number;
}

export type RunKind = 'test' | 'invocation';
export type StepState = 'pending' | 'in_progress' | 'done' | 'failed';
export type RunState = 'running' | 'completed' | 'failed' | 'aborted';
export type Outcome = 'passed' | 'failed' | 'overrun' | 'recovered' | 'abandoned';

export interface Evidence {
  text: string;
  attachmentId?: string;
}

export interface RunStep extends PlanStep {
  state: StepState;
  dueAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  evidence: Evidence | null;
  reason: string | null;
}

export interface RunSnapshot {
  kind: RunKind;
  state: RunState;
  rtoMinutes: number;
  startedAt: number;
  finishedAt: number | null;
  recoveryMs: number | null;
  outcome: Outcome | null;
  steps: RunStep[];
}

/** Each step's deadline is the sum of the planned durations up to it, counted from the run's start. */
export function newRun(kind: RunKind, rtoMinutes: number, steps: PlanStep[], at: number): RunSnapshot {
  let due = at;
  return {
    kind, state: 'running', rtoMinutes, startedAt: at, finishedAt: null, recoveryMs: null, outcome: null,
    steps: steps.map((s) => {
      due += s.durationMinutes * MINUTE;
      return { ...s, state: 'pending' as const, dueAt: due, startedAt: null, finishedAt: null, evidence: null, reason: null };
    }),
  };
}

/** Reminder at 75 % of a step's own slot, escalation to the group's manager at its deadline. */
export function stepAlarms(run: RunSnapshot): { step: number; kind: 'reminder' | 'escalation'; at: number; group: string }[] {
  if (run.state !== 'running') return [];
  return run.steps.flatMap((s, i) => {
    if (s.state === 'done' || s.state === 'failed') return [];
    const slot = s.durationMinutes * MINUTE;
    return [
      { step: i, kind: 'reminder' as const, at: s.dueAt - Math.round(slot / 4), group: s.group },
      { step: i, kind: 'escalation' as const, at: s.dueAt, group: s.group },
    ];
  });
}

export type RunCommand =
  | { name: 'start_step'; step: number }
  | { name: 'complete_step'; step: number; evidence: Evidence }
  | { name: 'fail_step'; step: number; reason: string }
  | { name: 'abort'; reason: string };

/** Why a command cannot apply (409 text), or null. */
export function refusal(run: RunSnapshot, c: RunCommand): string | null {
  if (run.state !== 'running') return `the run is ${run.state}`;
  if (c.name === 'abort') return null;
  const s = run.steps[c.step];
  if (!s) return `there is no step ${c.step}`;
  const firstOpen = run.steps.findIndex((x) => x.state !== 'done');
  if (c.step !== firstOpen) return `step ${c.step} is not the next one (step ${firstOpen} is)`;
  if (c.name === 'start_step' && s.state !== 'pending') return `step ${c.step} is ${s.state}`;
  return null;
}

function finish(run: RunSnapshot, at: number, state: RunState, outcome: Outcome): RunSnapshot {
  return { ...run, state, outcome, finishedAt: at, recoveryMs: state === 'completed' ? at - run.startedAt : null };
}

/** Apply a command already cleared by `refusal`. Completing the last step ends the run. */
export function apply(run: RunSnapshot, c: RunCommand, at: number): RunSnapshot {
  const why = refusal(run, c);
  if (why) throw new Error(why);
  if (c.name === 'abort') return finish(run, at, 'aborted', run.kind === 'test' ? 'failed' : 'abandoned');
  const steps = run.steps.map((s, i): RunStep => {
    if (i !== c.step) return s;
    if (c.name === 'start_step') return { ...s, state: 'in_progress', startedAt: at };
    if (c.name === 'complete_step') return { ...s, state: 'done', startedAt: s.startedAt ?? at, finishedAt: at, evidence: c.evidence };
    return { ...s, state: 'failed', finishedAt: at, reason: c.reason };
  });
  const next = { ...run, steps };
  if (c.name === 'fail_step') return run.kind === 'test' ? finish(next, at, 'failed', 'failed') : next;
  if (steps.every((s) => s.state === 'done')) {
    const overrun = at - run.startedAt > run.rtoMinutes * MINUTE;
    return finish(next, at, 'completed', run.kind === 'invocation' ? 'recovered' : overrun ? 'overrun' : 'passed');
  }
  return next;
}

/** A failed or overrun test raises a problem; an invocation never does (its incident carries it). */
export const raisesProblem = (run: RunSnapshot) => run.kind === 'test' && (run.outcome === 'failed' || run.outcome === 'overrun');

/**
 * When a plan's test lapses: its interval after the last test, or after its creation when never
 * tested. The lapse instant identifies the lapse, so the daily check raises the event once per lapse.
 */
export const testDueAt = (p: { lastTestedAt: number | null; createdAt: number; testIntervalDays: number }) =>
  (p.lastTestedAt ?? p.createdAt) + p.testIntervalDays * DAY;
export const isOverdue = (p: { lastTestedAt: number | null; createdAt: number; testIntervalDays: number }, now: number) => testDueAt(p) <= now;
export function overdueEventKey(p: { id: string; lastTestedAt: number | null; createdAt: number; testIntervalDays: number }, now: number): string | null {
  return isOverdue(p, now) ? `continuity.plan.test_overdue:${p.id}:${testDueAt(p)}` : null;
}
