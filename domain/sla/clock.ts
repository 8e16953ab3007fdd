import { addBusinessTime, businessTimeBetween, type Calendar } from '../calendar';
import { parseIsoDuration } from '../duration';

/**
 * The two SLA clocks of a ticket as plain data, so the workflow can carry it across
 * continue-as-new and compute every due date deterministically. All instants are epoch ms.
 *
 * Pauses (a hold awaiting the caller, the time between resolve and reopen) shift the
 * resolution due date by the *business* time they covered; `pausedMs` reports wall time.
 */
export interface SlaClock {
  openedAt: number;
  calendar: Calendar;
  responseTarget: string;
  resolutionTarget: string;
  responseMetAt: number | null;
  resolutionMetAt: number | null;
  pausedSince: number | null;
  /** Wall time of finished holds (the time it stood resolved before a reopen is not hold time: GLPI #23359). */
  pausedWallMs: number;
  /** Business time of every finished pause, holds and resolved-then-reopened alike: moves the due date. */
  pausedBusinessMs: number;
  /** Wall time it stood resolved before being reopened; absent from clocks stored before it was kept apart. */
  reopenedWallMs?: number;
}

export interface SlaView {
  response: { dueAt: string; metAt: string | null; breached: boolean };
  resolution: { dueAt: string; metAt: string | null; breached: boolean; pausedMs: number };
  paused: boolean;
}

export function startClock(openedAt: number, calendar: Calendar, targets: { response: string; resolution: string }): SlaClock {
  return {
    openedAt,
    calendar,
    responseTarget: targets.response,
    resolutionTarget: targets.resolution,
    responseMetAt: null,
    resolutionMetAt: null,
    pausedSince: null,
    pausedWallMs: 0,
    pausedBusinessMs: 0,
  };
}

/** Re-prioritised: new targets, measured from the original open time. */
export function retarget(clock: SlaClock, targets: { response: string; resolution: string }): SlaClock {
  return { ...clock, responseTarget: targets.response, resolutionTarget: targets.resolution };
}

export function responseDueAt(clock: SlaClock): number {
  return addBusinessTime(clock.openedAt, parseIsoDuration(clock.responseTarget), clock.calendar);
}

function pausedBusinessSoFar(clock: SlaClock, now: number): number {
  const running = clock.pausedSince === null ? 0 : businessTimeBetween(clock.pausedSince, now, clock.calendar);
  return clock.pausedBusinessMs + running;
}

/** While paused this is the due date if the clock restarted now. */
export function resolutionDueAt(clock: SlaClock, now: number, fraction = 1): number {
  const target = Math.round(parseIsoDuration(clock.resolutionTarget) * fraction);
  return addBusinessTime(clock.openedAt, target + pausedBusinessSoFar(clock, now), clock.calendar);
}

export function meetResponse(clock: SlaClock, at: number): SlaClock {
  return clock.responseMetAt === null ? { ...clock, responseMetAt: at } : clock;
}

export function pause(clock: SlaClock, at: number): SlaClock {
  return clock.pausedSince === null ? { ...clock, pausedSince: at } : clock;
}

export function resume(clock: SlaClock, at: number): SlaClock {
  if (clock.pausedSince === null) return clock;
  return {
    ...clock,
    pausedSince: null,
    pausedWallMs: clock.pausedWallMs + Math.max(0, at - clock.pausedSince),
    pausedBusinessMs: clock.pausedBusinessMs + businessTimeBetween(clock.pausedSince, at, clock.calendar),
  };
}

/** Resolution stops the clock; a reopen resumes it as if the resolved time had been a pause. */
export function meetResolution(clock: SlaClock, at: number): SlaClock {
  return pause({ ...resume(clock, at), resolutionMetAt: at, responseMetAt: clock.responseMetAt ?? at }, at);
}

/** The time it stood resolved moves the due date as a pause does, but is reported apart from hold time. */
export function reopen(clock: SlaClock, at: number): SlaClock {
  const resolvedFor = clock.pausedSince === null ? 0 : Math.max(0, at - clock.pausedSince);
  return { ...resume(clock, at), resolutionMetAt: null, pausedWallMs: clock.pausedWallMs, reopenedWallMs: (clock.reopenedWallMs ?? 0) + resolvedFor };
}

export function isResponseBreached(clock: SlaClock, now: number): boolean {
  return (clock.responseMetAt ?? now) > responseDueAt(clock);
}

export function isResolutionBreached(clock: SlaClock, now: number): boolean {
  if (clock.resolutionMetAt !== null) return clock.resolutionMetAt > resolutionDueAt(clock, clock.resolutionMetAt);
  if (clock.pausedSince !== null) return clock.pausedSince > resolutionDueAt(clock, clock.pausedSince);
  return now > resolutionDueAt(clock, now);
}

export function viewClock(clock: SlaClock, now: number): SlaView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const pausedNow = clock.pausedSince !== null && clock.resolutionMetAt === null;
  return {
    response: {
      dueAt: new Date(responseDueAt(clock)).toISOString(),
      metAt: iso(clock.responseMetAt),
      breached: isResponseBreached(clock, now),
    },
    resolution: {
      dueAt: new Date(resolutionDueAt(clock, clock.resolutionMetAt ?? now)).toISOString(),
      metAt: iso(clock.resolutionMetAt),
      breached: isResolutionBreached(clock, now),
      pausedMs: clock.pausedWallMs + (pausedNow ? Math.max(0, now - (clock.pausedSince as number)) : 0),
    },
    paused: pausedNow,
  };
}

export interface ClockColumns {
  responseDueAt: number;
  respondedAt: number | null;
  /** Fixed while the clock runs and once it is met; null while it is paused (it moves with the pause). */
  resolutionDueAt: number | null;
  /** Wall time of finished pauses. */
  pausedMs: number;
  /** Business time (the clock's calendar) from opening to the response, once given. */
  responseBusinessMs: number | null;
  /** Business time from opening to resolution, pauses left out, once resolved. */
  resolutionBusinessMs: number | null;
}

/**
 * The clock as a record's columns: reports and the at-risk view read these in SQL instead of
 * parsing every stored clock and redoing its calendar arithmetic.
 */
export function clockColumns(clock: SlaClock): ClockColumns {
  const pausedOpen = clock.pausedSince !== null && clock.resolutionMetAt === null;
  return {
    responseDueAt: responseDueAt(clock),
    respondedAt: clock.responseMetAt,
    resolutionDueAt: pausedOpen ? null : resolutionDueAt(clock, clock.resolutionMetAt ?? clock.openedAt),
    pausedMs: clock.pausedWallMs,
    responseBusinessMs: clock.responseMetAt === null ? null : businessTimeBetween(clock.openedAt, clock.responseMetAt, clock.calendar),
    resolutionBusinessMs: clock.resolutionMetAt === null ? null : Math.max(0, businessTimeBetween(clock.openedAt, clock.resolutionMetAt, clock.calendar) - clock.pausedBusinessMs),
  };
}
