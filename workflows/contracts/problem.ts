import { defineSignal } from '@temporalio/workflow';

/**
 * Signals one process sends another. The problem workflow (problem management) waits on
 * `changeOutcome` for the changes raised to remove its root cause.
 */
export interface ChangeOutcome {
  changeNumber: string;
  outcome: 'success' | 'failed';
}
export const changeOutcomeSignal = defineSignal<[ChangeOutcome]>('changeOutcome');

/** Problems are keyed by their number, like every record's workflow. */
export const problemWorkflowId = (problemNumber: string) => `problem-${problemNumber}`;
