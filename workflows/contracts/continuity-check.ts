/** The daily continuity check's contract: its workflow type and the system Schedule that starts it. */
export const CONTINUITY_CHECK_WORKFLOW = 'continuityCheckWorkflow';
export const CONTINUITY_CHECK_SCHEDULE_ID = 'continuity-check';

/** Nothing to pass: a run judges every live plan at its own start time. */
export type ContinuityCheckInput = Record<string, never>;

export interface ContinuityCheckResult {
  /** Plans whose lapse was raised by this run (numbers); a lapse raised before is not raised again. */
  raised: string[];
}
