/**
 * A continuity run as a record process: the pure core of lifecycle.ts (steps, deadlines, outcome)
 * dressed as the kernel wants it: the record's identity, command effects with their events,
 * the step alarms as deadlines, and the view.
 */
import { dueLabel, type Deadline, type Effect } from '../record';
import type { ContinuityRunCommandBody, ContinuityRunCommandName, ContinuityRunRecord, ContinuityRunSnapshot } from '../schemas/continuity';
import { apply, newRun, refusal, stepAlarms, type PlanStep, type RunCommand, type RunKind } from './lifecycle';

export const isTerminal = (state: string) => state !== 'running';
const iso = (ms: number) => new Date(ms).toISOString();
const iso0 = (ms: number | null) => (ms === null ? null : iso(ms));

export interface NewContinuityRun {
  id: string;
  number: string;
  workflowId: string;
  kind: RunKind;
  plan: { id: string; number: string; name: string; rtoMinutes: number; ownerGroup: string; steps: PlanStep[] };
  service: { id: string; number: string; name: string };
  incident: { id: string; number: string } | null;
}

export function newContinuityRun(r: NewContinuityRun, actor: string, now: number): ContinuityRunSnapshot {
  return {
    ...newRun(r.kind, r.plan.rtoMinutes, r.plan.steps, now),
    id: r.id, number: r.number, workflowId: r.workflowId,
    title: `${r.kind === 'test' ? 'DR test' : 'Invocation'} of ${r.plan.number} ${r.plan.name}`,
    planId: r.plan.id, planNumber: r.plan.number, planName: r.plan.name, ownerGroup: r.plan.ownerGroup,
    serviceId: r.service.id, serviceNumber: r.service.number, serviceName: r.service.name,
    alarms: [], incidentId: r.incident?.id ?? null, incidentNumber: r.incident?.number ?? null, problemId: null, problemNumber: null,
    createdBy: actor, createdAt: now, updatedAt: now,
  };
}

export type ContinuityRunCommandPayload = { [K in ContinuityRunCommandName]: ContinuityRunCommandBody<K> }[ContinuityRunCommandName];

function toCommand(name: ContinuityRunCommandName, body: ContinuityRunCommandPayload): RunCommand {
  const b = body as { step: number; evidence: string; attachmentId?: string; reason: string };
  if (name === 'abort') return { name: 'abort', reason: b.reason };
  if (name === 'start-step') return { name: 'start_step', step: b.step };
  if (name === 'fail-step') return { name: 'fail_step', step: b.step, reason: b.reason };
  return { name: 'complete_step', step: b.step, evidence: { text: b.evidence, ...(b.attachmentId ? { attachmentId: b.attachmentId } : {}) } };
}

/** Why a command cannot apply: a step the plan does not have is the caller's mistake (400), the rest a conflict with the run (409). */
export function commandRefusal(s: ContinuityRunSnapshot, name: ContinuityRunCommandName, body: ContinuityRunCommandPayload): { status: 'unknown' | 'conflict'; message: string } | null {
  const step = (body as { step?: number }).step;
  if (step !== undefined && step >= s.steps.length) return { status: 'unknown', message: `${s.number} has no step ${step} (it has ${s.steps.length})` };
  const why = refusal(s, toCommand(name, body));
  return why === null ? null : { status: 'conflict', message: why };
}

/** The kernel's action name of a command (audit trail). */
export const commandAction = (name: ContinuityRunCommandName) => name.replace('-', '_');

export function commandEffect(s: ContinuityRunSnapshot, name: ContinuityRunCommandName, body: ContinuityRunCommandPayload, now: number): Effect<ContinuityRunSnapshot> {
  const next: ContinuityRunSnapshot = { ...s, ...apply(s, toCommand(name, body), now), updatedAt: now };
  const step = (body as { step?: number }).step;
  const events = [
    ...(name === 'complete-step' ? ['continuity.run.step_completed'] : name === 'fail-step' ? ['continuity.run.step_failed'] : []),
    ...(isTerminal(next.state) ? ['continuity.run.completed'] : []),
  ];
  return {
    snapshot: next,
    events,
    data: {
      ...(step !== undefined ? { step, title: s.steps[step].title, group: s.steps[step].group } : {}),
      ...(name === 'fail-step' || name === 'abort' ? { reason: (body as { reason: string }).reason } : {}),
      ...(isTerminal(next.state) ? { state: next.state, outcome: next.outcome, recoveryMs: next.recoveryMs, rtoMinutes: next.rtoMinutes } : {}),
    },
  };
}

export type RunAlarmKind = `${'reminder' | 'escalation'}:${number}`;
const alarmKey = (a: { step: number; kind: string }) => `${a.step}:${a.kind}`;

/** Each open step's reminder and escalation not yet fired. */
export function runDeadlines(s: ContinuityRunSnapshot): Deadline<RunAlarmKind>[] {
  return stepAlarms(s)
    .filter((a) => !s.alarms.includes(alarmKey(a)))
    .map((a) => ({ at: a.at, kind: `${a.kind}:${a.step}` as RunAlarmKind, summary: dueLabel(`${s.number} step ${a.step} ${a.kind === 'reminder' ? 'reminder' : 'deadline'}`, a.at) }));
}

export const parseAlarm = (kind: RunAlarmKind) => {
  const [k, step] = kind.split(':');
  return { kind: k as 'reminder' | 'escalation', step: Number(step) };
};

/**
 * A step's reminder goes to its group; at its deadline the group's manager is told (read when it
 * fires), or the plan's owner group when the step's group has no manager.
 */
export function alarmEffect(s: ContinuityRunSnapshot, kind: RunAlarmKind, manager: string | null): Effect<ContinuityRunSnapshot> {
  const a = parseAlarm(kind);
  const step = s.steps[a.step];
  const snapshot = { ...s, alarms: [...s.alarms, alarmKey(a)] };
  const what = `${s.number} (${s.kind === 'test' ? 'DR test' : 'invocation'} of ${s.planNumber} for ${s.serviceName}) step ${a.step} "${step.title}"`;
  if (a.kind === 'reminder') {
    return {
      snapshot,
      data: { step: a.step, group: step.group, dueAt: iso(step.dueAt) },
      notifications: [{ recipient: `group:${step.group}`, kind: 'continuity_step_reminder', message: `${what} is due by ${iso(step.dueAt)}` }],
    };
  }
  return {
    snapshot,
    events: ['continuity.run.step_escalated'],
    data: { step: a.step, group: step.group, dueAt: iso(step.dueAt), manager },
    notifications: [{ recipient: manager ? `user:${manager}` : `group:${s.ownerGroup}`, kind: 'continuity_step_escalated', message: `${what} for group ${step.group} passed its deadline ${iso(step.dueAt)} undone` }],
  };
}

/** The problem a failed or overrun test raised, on the run's record. */
export const problemEffect = (s: ContinuityRunSnapshot, problem: { id: string; number: string }): Effect<ContinuityRunSnapshot> => ({
  snapshot: { ...s, problemId: problem.id, problemNumber: problem.number },
  data: { problemId: problem.id, problemNumber: problem.number },
});

export function continuityRunView(s: ContinuityRunSnapshot, now: number): ContinuityRunRecord {
  return {
    id: s.id, number: s.number, title: s.title, workflowId: s.workflowId, planId: s.planId, planNumber: s.planNumber,
    serviceId: s.serviceId, serviceNumber: s.serviceNumber, serviceName: s.serviceName,
    kind: s.kind, state: s.state, outcome: s.outcome, rtoMinutes: s.rtoMinutes,
    startedAt: iso(s.startedAt), finishedAt: iso0(s.finishedAt),
    recoveryMinutes: s.recoveryMs === null ? null : Math.round(s.recoveryMs / 600) / 100,
    withinRto: s.recoveryMs === null ? null : s.recoveryMs <= s.rtoMinutes * 60_000,
    steps: s.steps.map((x, i) => ({
      step: i, title: x.title, group: x.group, instructions: x.instructions, durationMinutes: x.durationMinutes, state: x.state,
      dueAt: iso(x.dueAt), overdue: s.state === 'running' && x.state !== 'done' && x.state !== 'failed' && x.dueAt <= now,
      startedAt: iso0(x.startedAt), finishedAt: iso0(x.finishedAt), evidence: x.evidence?.text ?? null, attachmentId: x.evidence?.attachmentId ?? null, reason: x.reason,
    })),
    incidentId: s.incidentId, incidentNumber: s.incidentNumber, problemId: s.problemId, problemNumber: s.problemNumber,
    createdBy: s.createdBy, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt),
  };
}
