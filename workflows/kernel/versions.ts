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

/** The last stretch before a deadline, waited for by a timer set from a fresh task. */
export const FINE_TIMER_MS = 5_000;
