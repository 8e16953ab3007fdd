/**
 * OLA and underpinning-contract clocks on an incident, beside its SLA clock: pure functions of
 * the incident before and after a transition, so the workflow, the what-if replay and the
 * unit tests all run the same rules.
 *
 * - An OLA belongs to a support group. It starts when the incident is handed to that group and
 *   stops when the group hands it on or resolves it; either way it is met at that moment, late
 *   or not (GLPI's group-managed OLA: a group is answerable for its own stretch). Handing the
 *   incident to a person inside the same group changes nothing (GLPI #14423), and no handoff
 *   ever touches the SLA clock (GLPI #1911).
 * - A UC belongs to a supplier. It runs while the incident is on hold awaiting that supplier and
 *   is met when the hold ends (the supplier answered, or the incident moved on).
 * Each clock is an SlaClock (domain/sla/clock.ts) started at its own start, with its agreement's
 * calendar, targets and pause rules, so due dates, pauses and breaches use the SLA's arithmetic.
 */
import type { Priority } from '../priority';
import * as clock from './clock';
import type { Calendar } from '../calendar';
import type { ClockTargets, EscalationRule, HoldReason } from './policy';

export type AgreementKind = 'OLA' | 'UC';

/** An OLA's or UC's terms as the workflow needs them, looked up when its clock starts. */
export interface AgreementTerms {
  kind: AgreementKind;
  agreementId: string;
  version: number;
  name: string;
  team: string | null;
  supplier: string | null;
  calendar: Calendar;
  targets: Record<Priority, ClockTargets>;
  escalation: Record<Priority, EscalationRule>;
  pauseOn: HoldReason[];
}

export type StopReason = 'handed_on' | 'resolved' | 'supplier_answered' | 'cancelled';

export interface AgreementClock {
  kind: AgreementKind;
  agreementId: string;
  agreementVersion: number;
  name: string;
  team: string | null;
  supplier: string | null;
  priority: Priority;
  /** Kept so a re-prioritisation retargets without a lookup. */
  targets: Record<Priority, ClockTargets>;
  warnAtPercent: number;
  hierarchical: boolean;
  pauseOn: HoldReason[];
  clock: clock.SlaClock;
  stoppedAt: number | null;
  stopReason: StopReason | null;
}

/** Which of a clock's timer steps have happened; carried by the workflow beside the clocks, by index. */
export interface ClockFired {
  warning: boolean;
  responseBreach: boolean;
  resolutionBreach: boolean;
}
const NOT_FIRED: ClockFired = { warning: false, responseBreach: false, resolutionBreach: false };

/** The parts of an incident the clocks follow. */
export interface ClockedIncident {
  state: string;
  priority: Priority;
  assignmentGroup: string | null;
  holdReason: HoldReason | null;
  holdSupplier?: string | null;
}

const ENDED = ['resolved', 'closed', 'cancelled'];
const isOnHold = (s: ClockedIncident) => s.state === 'on_hold';

export function startAgreementClock(terms: AgreementTerms, priority: Priority, at: number): AgreementClock {
  const started = clock.startClock(at, terms.calendar, terms.targets[priority]);
  const rule = terms.escalation[priority];
  return {
    kind: terms.kind,
    agreementId: terms.agreementId,
    agreementVersion: terms.version,
    name: terms.name,
    team: terms.team,
    supplier: terms.supplier,
    priority,
    targets: terms.targets,
    warnAtPercent: rule.warnAtPercent,
    hierarchical: rule.hierarchical,
    pauseOn: terms.pauseOn,
    // A supplier is measured on its answer only: there is no separate acknowledgement to wait for.
    clock: terms.kind === 'UC' ? clock.meetResponse(started, at) : started,
    stoppedAt: null,
    stopReason: null,
  };
}

export const isRunning = (c: AgreementClock) => c.stoppedAt === null;

function stop(c: AgreementClock, at: number, reason: StopReason): AgreementClock {
  return { ...c, clock: clock.meetResolution(c.clock, at), stoppedAt: at, stopReason: reason };
}

/** What a transition needs looked up before `advanceClocks` can run: the new group's OLA, the supplier's UC. */
export function agreementsNeeded(before: ClockedIncident, after: ClockedIncident): { team: string | null; supplier: string | null } {
  const open = !ENDED.includes(after.state);
  const handedTo = open && after.assignmentGroup !== null && (after.assignmentGroup !== before.assignmentGroup || (ENDED.includes(before.state) && !ENDED.includes(after.state)));
  const supplierHold = isOnHold(after) && !isOnHold(before) && after.holdReason === 'awaiting_supplier' && !!after.holdSupplier;
  return { team: handedTo ? after.assignmentGroup : null, supplier: supplierHold ? (after.holdSupplier ?? null) : null };
}

/**
 * The clocks after a transition from `before` to `after` at `at`. `found` holds the agreements
 * `agreementsNeeded` asked for (null where none applies). Order matters: a hold ends before a
 * handoff is judged, so a clock resumed by the handoff stops with its pause counted.
 */
export function advanceClocks(
  clocks: readonly AgreementClock[],
  before: ClockedIncident,
  after: ClockedIncident,
  at: number,
  found: { ola: AgreementTerms | null; uc: AgreementTerms | null },
): AgreementClock[] {
  let out = clocks.map((c) => ({ ...c }));
  const running = () => out.map((c, i) => [c, i] as const).filter(([c]) => isRunning(c));

  // Re-prioritised: running clocks take the new priority's targets, measured from their own start.
  if (after.priority !== before.priority) {
    out = out.map((c) => (isRunning(c) ? { ...c, priority: after.priority, clock: clock.retarget(c.clock, c.targets[after.priority]) } : c));
  }
  // Leaving a hold: paused clocks resume; the supplier's clock is met.
  if (isOnHold(before) && !isOnHold(after)) {
    for (const [c, i] of running()) {
      out[i] = c.kind === 'UC' ? stop(c, at, 'supplier_answered') : { ...c, clock: clock.resume(c.clock, at) };
    }
  }
  // Acknowledged: the group's response is given.
  if (after.state === 'in_progress' && (before.state === 'new' || before.state === 'assigned')) {
    for (const [c, i] of running()) if (c.kind === 'OLA') out[i] = { ...c, clock: clock.meetResponse(c.clock, at) };
  }
  // Handed on or ended: the group's stretch stops.
  for (const [c, i] of running()) {
    if (c.kind !== 'OLA') continue;
    if (ENDED.includes(after.state)) out[i] = stop(c, at, after.state === 'cancelled' ? 'cancelled' : 'resolved');
    else if (after.assignmentGroup !== c.team) out[i] = stop(c, at, 'handed_on');
  }
  for (const [c, i] of running()) if (c.kind === 'UC' && ENDED.includes(after.state)) out[i] = stop(c, at, after.state === 'cancelled' ? 'cancelled' : 'resolved');

  // Reopened: the group that resolved it, if it still holds it, carries on with the same clock.
  const reopened = ENDED.includes(before.state) && !ENDED.includes(after.state);
  if (reopened) {
    const last = out.map((c) => c.kind).lastIndexOf('OLA');
    if (last >= 0 && out[last].stopReason === 'resolved' && out[last].team === after.assignmentGroup) {
      out[last] = { ...out[last], clock: clock.reopen(out[last].clock, at), stoppedAt: null, stopReason: null };
      return out;
    }
  }
  if (found.ola && !running().some(([c]) => c.kind === 'OLA')) out.push(startAgreementClock(found.ola, after.priority, at));
  // Entering a hold: clocks whose agreement pauses on the reason pause; a supplier hold starts its UC.
  if (isOnHold(after) && !isOnHold(before)) {
    for (const [c, i] of running()) if (after.holdReason && c.pauseOn.includes(after.holdReason)) out[i] = { ...c, clock: clock.pause(c.clock, at) };
    if (found.uc) out.push(startAgreementClock(found.uc, after.priority, at));
  }
  return out;
}

export function agreementBreached(c: AgreementClock, now: number): boolean {
  return (c.kind === 'OLA' && clock.isResponseBreached(c.clock, now)) || clock.isResolutionBreached(c.clock, now);
}

export type AgreementDeadlineStep = 'warning' | 'response' | 'resolution';
export type AgreementDeadlineKind = `clock:${number}:${AgreementDeadlineStep}`;

export function agreementDeadlineKind(index: number, step: AgreementDeadlineStep): AgreementDeadlineKind {
  return `clock:${index}:${step}`;
}

export function parseAgreementDeadline(kind: string): { index: number; step: AgreementDeadlineStep } | null {
  const m = /^clock:(\d+):(warning|response|resolution)$/.exec(kind);
  return m ? { index: Number(m[1]), step: m[2] as AgreementDeadlineStep } : null;
}

/** Every OLA/UC step still to come: `+ 1` as for the SLA, a clock is breached once its due time has passed. */
export function agreementDeadlines(clocks: readonly AgreementClock[], fired: readonly ClockFired[], now: number): { at: number; kind: AgreementDeadlineKind; summary: string }[] {
  const out: { at: number; kind: AgreementDeadlineKind; summary: string }[] = [];
  clocks.forEach((c, i) => {
    if (!isRunning(c) || c.clock.pausedSince !== null) return;
    const done = fired[i] ?? NOT_FIRED;
    const who = c.kind === 'OLA' ? `OLA ${c.team}` : `UC ${c.supplier}`;
    if (c.kind === 'OLA' && c.clock.responseMetAt === null && !done.responseBreach) {
      const at = clock.responseDueAt(c.clock);
      out.push({ at: at + 1, kind: agreementDeadlineKind(i, 'response'), summary: `${who} ${c.priority} response due ${new Date(at).toISOString()}` });
    }
    if (!done.warning) {
      const at = clock.resolutionDueAt(c.clock, now, c.warnAtPercent / 100);
      out.push({ at, kind: agreementDeadlineKind(i, 'warning'), summary: `${who} ${c.warnAtPercent}% warning due ${new Date(at).toISOString()}` });
    }
    if (!done.resolutionBreach) {
      const at = clock.resolutionDueAt(c.clock, now);
      out.push({ at: at + 1, kind: agreementDeadlineKind(i, 'resolution'), summary: `${who} ${c.priority} resolution due ${new Date(at).toISOString()}` });
    }
  });
  return out;
}

/** A breach also settles the warning: a warning after its breach would only mislead. */
export function markFired(fired: readonly ClockFired[], index: number, step: AgreementDeadlineStep): ClockFired[] {
  const out = [...fired];
  for (let i = out.length; i <= index; i++) out[i] = NOT_FIRED;
  const was = out[index] ?? NOT_FIRED;
  out[index] = { warning: true, responseBreach: was.responseBreach || step === 'response', resolutionBreach: was.resolutionBreach || step === 'resolution' };
  return out;
}

/** A warning that would fire after its breach (e.g. after an outage of the worker) is dropped. */
export function warningOvertaken(c: AgreementClock, now: number): boolean {
  return now > clock.resolutionDueAt(c.clock, now);
}

/** One clock as the incident view shows it (the SLA's own block stays as it was). */
export function viewAgreementClock(c: AgreementClock, now: number) {
  const v = clock.viewClock(c.clock, c.stoppedAt ?? now);
  return {
    kind: c.kind,
    agreementId: c.agreementId,
    agreementVersion: c.agreementVersion,
    name: c.name,
    group: c.team,
    supplier: c.supplier,
    priority: c.priority,
    start: new Date(c.clock.openedAt).toISOString(),
    stop: c.stoppedAt === null ? null : new Date(c.stoppedAt).toISOString(),
    stopReason: c.stopReason,
    dueAt: v.resolution.dueAt,
    metAt: v.resolution.metAt,
    breached: agreementBreached(c, c.stoppedAt ?? now),
    paused: c.stoppedAt === null && v.paused,
    pausedMs: v.resolution.pausedMs,
    response: c.kind === 'OLA' ? v.response : null,
  };
}

/** A clock as its IncidentClock row (reports read these). */
export function agreementClockRow(c: AgreementClock, now: number) {
  const cols = clock.clockColumns(c.clock);
  return {
    kind: c.kind,
    agreementId: c.agreementId,
    agreementVersion: c.agreementVersion,
    name: c.name,
    team: c.team,
    supplier: c.supplier,
    priority: c.priority,
    startedAt: new Date(c.clock.openedAt),
    stoppedAt: c.stoppedAt === null ? null : new Date(c.stoppedAt),
    dueAt: cols.resolutionDueAt === null ? null : new Date(cols.resolutionDueAt),
    responseDueAt: c.kind === 'OLA' ? new Date(cols.responseDueAt) : null,
    respondedAt: c.kind === 'OLA' && cols.respondedAt !== null ? new Date(cols.respondedAt) : null,
    metAt: c.clock.resolutionMetAt === null ? null : new Date(c.clock.resolutionMetAt),
    breached: agreementBreached(c, c.stoppedAt ?? now),
    pausedMs: cols.pausedMs,
    businessMs: cols.resolutionBusinessMs,
  };
}
