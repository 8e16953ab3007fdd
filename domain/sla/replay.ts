/**
 * An incident's SLA clock rebuilt from its audit trail under a given policy: what-if simulation
 * (POST /slas/:id/simulate) replays past incidents under proposed terms, side by side with the
 * clock the workflow recorded. The steps are the ones `domain/incident/lifecycle.ts` takes for
 * each command, done with the same functions of `./clock`, so under the terms the incident ran
 * on the replay gives back the recorded clock (test/unit/sla-replay.test.ts checks it).
 *
 * Times are the transitions' recorded times: where the workflow looks up an agreement while
 * handling a command (the OLA/UC lookup of a handoff, a reopen, a hold on a named supplier), it
 * makes the command's effect again after the lookup, so its clock instants are the recorded time.
 * Incidents handled by workers before that (between the OLA/UC clocks and this) can be a lookup's
 * milliseconds off at those transitions.
 */
import type { Priority } from '../priority';
import * as clock from './clock';
import type { SlaClock } from './clock';
import type { ClockTargets, HoldReason, SlaPolicy } from './policy';

/** One recorded transition of the incident (an AuditEvent row), `at` in epoch ms. */
export interface RecordedTransition {
  at: number;
  action: string;
  fromState: string | null;
  data: Record<string, unknown>;
}

/** What a replay needs of an incident: when it opened, its priority now, its transitions in order. */
export interface ReplayedIncident {
  openedAt: number;
  priority: Priority;
  transitions: readonly RecordedTransition[];
}

/** The terms a replay runs on: escalation rules move no SLA clock, so they are not needed. */
export type ReplayPolicy = Pick<SlaPolicy, 'calendar' | 'targets' | 'pauseOn'>;

const priorityIn = (v: unknown): Priority | null => {
  const p = (v as { priority?: unknown } | null)?.priority;
  return p === 'P1' || p === 'P2' || p === 'P3' || p === 'P4' || p === 'P5' ? p : null;
};

/**
 * The priority the incident was opened with: a re-prioritisation records the one it left, so the
 * first one names it; an incident never re-prioritised has had its priority all along.
 */
export function openingPriority(incident: ReplayedIncident): Priority {
  const first = incident.transitions.find((t) => t.action === 'impact');
  return (first && priorityIn(first.data.from)) ?? incident.priority;
}

/** One transition's effect on the SLA clock, as its command's effect in the lifecycle has it. */
function step(c: SlaClock, t: RecordedTransition, targets: Record<Priority, ClockTargets>, pauseOn: readonly HoldReason[]): SlaClock {
  switch (t.action) {
    case 'acknowledge':
      return clock.meetResponse(c, t.at);
    case 'hold':
      return pauseOn.includes(t.data.reason as HoldReason) ? clock.pause(c, t.at) : c;
    // Leaving a hold by a resume or a reassignment restarts the clock (resumeIfPaused).
    case 'resume':
    case 'assign':
      return t.fromState === 'on_hold' ? clock.resume(c, t.at) : c;
    case 'resolve':
      return clock.meetResolution(c, t.at);
    case 'reopen':
      return clock.reopen(c, t.at);
    case 'impact': {
      const to = priorityIn(t.data.to);
      return to ? clock.retarget(c, targets[to]) : c;
    }
    default:
      // Creation, notes, escalations, breaches, close, cancel, links: the clock does not move.
      return c;
  }
}

/** The SLA clock the incident would have had under `policy`, from its recorded transitions. */
export function replayClock(incident: ReplayedIncident, policy: ReplayPolicy): SlaClock {
  let c = clock.startClock(incident.openedAt, policy.calendar, policy.targets[openingPriority(incident)]);
  for (const t of incident.transitions) c = step(c, t, policy.targets, policy.pauseOn);
  return c;
}

export interface ClockOutcome {
  dueAt: number;
  metAt: number | null;
  breached: boolean;
}

/** Response and resolution of a clock as of `asOf` (an open clock past due is breached, one not yet due is pending). */
export function outcomeOf(c: SlaClock, asOf: number): { response: ClockOutcome; resolution: ClockOutcome } {
  return {
    response: { dueAt: clock.responseDueAt(c), metAt: c.responseMetAt, breached: clock.isResponseBreached(c, asOf) },
    resolution: { dueAt: clock.resolutionDueAt(c, c.resolutionMetAt ?? asOf), metAt: c.resolutionMetAt, breached: clock.isResolutionBreached(c, asOf) },
  };
}
