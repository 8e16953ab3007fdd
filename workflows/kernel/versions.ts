import { patched } from '@temporalio/workflow';

/**
 * Every patch the workflows had on 2026-12-06, which a run started since takes all of, behind
 * one marker. Each patch's own marker costs a new run two history events (the marker and the
 * SDK's upsert of TemporalChangeVersion), recorded in its first workflow tasks: seven of them
 * made up fourteen of an incident's creation's events, and every later patch would have added
 * two more to every record forever. A run whose history has a patch's own marker (started
 * before the baseline) replays and runs on with it exactly as before: the baseline's marker is
 * not in its history, so `patched(BASELINE)` answers false while it replays. Patches added after
 * the baseline use `patched()` until the next baseline takes them in.
 */
export const BASELINE_PATCHES = [
  'record-kernel-v2',
  'record-kernel-v3',
  'record-kernel-v4',
  'record-kernel-v5',
  'incident-known-error-matching',
  'incident-routing',
  'incident-major-problem',
  'incident-major-problem-held',
  'incident-agreement-clocks',
  'incident-sla-versions',
  'incident-one-escalation-lookup',
  'reassess-on-reschedule',
  'tell-problem-every-outcome',
] as const;
export type BaselinePatch = (typeof BASELINE_PATCHES)[number];
export const BASELINE = 'record-baseline-2026-12';

/** Whether this run takes a patch of the baseline: by the baseline's one marker, or (runs started before it) the patch's own. */
export function since(patch: BaselinePatch): boolean {
  return patched(BASELINE) || patched(patch);
}

/**
 * The kernel's one behaviour change for running workflows, behind one patch marker:
 * - the first transition is persisted before the record becomes visible (its timers start after it);
 * - transition writes and the lookups a caller waits for are local activities (one workflow
 *   task per command instead of two, about half the server work);
 * - a deadline further away than FINE_TIMER_MS is waited for in two stages (a coarse timer,
 *   then a short one set from a fresh workflow task), so a slow task does not make it late.
 * Histories recorded before it (no marker) replay with the old behaviour.
 */
export const KERNEL_V2: BaselinePatch = 'record-kernel-v2';

export function kernelV2(): boolean {
  return since(KERNEL_V2);
}

/**
 * The second behaviour change, behind its own marker (histories without it replay as before):
 * - a transition that leaves the earliest deadline (its instant and kind) as it was keeps the
 *   pending timer instead of cancelling and setting it again (no TimerCanceled/TimerStarted);
 * - search attributes are upserted only when they differ from the ones this run last upserted.
 */
export const KERNEL_V3: BaselinePatch = 'record-kernel-v3';

export function kernelV3(): boolean {
  return since(KERNEL_V3);
}

/**
 * The third behaviour change, behind its own marker (histories without it replay as before):
 * a deadline is waited for with one timer again. The coarse stage of record-kernel-v2 cost a
 * workflow task per deadline (a server round trip, an activation and a pass of the SDK core
 * over its whole run cache) to correct a lateness only as large as the task that set the
 * timer; with 10,000 records open that task was the larger share of the work per deadline,
 * and the backlog it built made breaches later than the slow tasks it guarded against.
 */
export const KERNEL_V4: BaselinePatch = 'record-kernel-v4';

export function kernelV4(): boolean {
  return since(KERNEL_V4);
}

/** record-kernel-v2 and v3 only: the last stretch before a deadline, waited for by a timer set from a fresh task. */
export const FINE_TIMER_MS = 5_000;

/**
 * The fourth behaviour change, behind its own marker (histories without it replay as before):
 * a transition is written by the worker between the workflow task's activation and its
 * completion (a sink, which the SDK awaits before it reports the task), not by a local
 * activity: one activation per command instead of two. Those writes are then confirmed by one
 * local activity (idempotent: it rewrites nothing already there) before the run ends or
 * continues as new, and whenever RecordKeeper's bound of unconfirmed writes is reached.
 */
export const KERNEL_V5: BaselinePatch = 'record-kernel-v5';

export function kernelV5(): boolean {
  return since(KERNEL_V5);
}
