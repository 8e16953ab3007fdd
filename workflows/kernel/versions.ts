import { patched } from '@temporalio/workflow';

/**
 * The kernel's one behaviour change for running workflows, behind one patch marker:
 * - the first transition is persisted before the record becomes visible (its timers start after it);
 * - transition writes and the lookups a caller waits for are local activities (one workflow
 *   task per command instead of two, about half the server work);
 * - a deadline further away than FINE_TIMER_MS is waited for in two stages (a coarse timer,
 *   then a short one set from a fresh workflow task), so a slow task does not make it late.
 * Histories recorded before it (no marker) replay with the old behaviour.
 */
export const KERNEL_V2 = 'record-kernel-v2';

export function kernelV2(): boolean {
  return patched(KERNEL_V2);
}

/**
 * The second behaviour change, behind its own marker (histories without it replay as before):
 * - a transition that leaves the earliest deadline (its instant and kind) as it was keeps the
 *   pending timer instead of cancelling and setting it again (no TimerCanceled/TimerStarted);
 * - search attributes are upserted only when they differ from the ones this run last upserted.
 */
export const KERNEL_V3 = 'record-kernel-v3';

export function kernelV3(): boolean {
  return patched(KERNEL_V3);
}

/**
 * The third behaviour change, behind its own marker (histories without it replay as before):
 * a deadline is waited for with one timer again. The coarse stage of record-kernel-v2 cost a
 * workflow task per deadline (a server round trip, an activation and a pass of the SDK core
 * over its whole run cache) to correct a lateness only as large as the task that set the
 * timer; with 10,000 records open that task was the larger share of the work per deadline,
 * and the backlog it built made breaches later than the slow tasks it guarded against.
 */
export const KERNEL_V4 = 'record-kernel-v4';

export function kernelV4(): boolean {
  return patched(KERNEL_V4);
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
export const KERNEL_V5 = 'record-kernel-v5';

export function kernelV5(): boolean {
  return patched(KERNEL_V5);
}
