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

/** The last stretch before a deadline, waited for by a timer set from a fresh task. */
export const FINE_TIMER_MS = 5_000;
