/**
 * The service review's contract: one run per customer per scheduled time (or by hand), which
 * generates and stores the review. The API and the customer routes import this.
 */
export const SERVICE_REVIEW_WORKFLOW = 'serviceReviewWorkflow';
/** The customer's Temporal Schedule; its runs are `<id>-run-<scheduled time>`. */
export const serviceReviewScheduleId = (customerNumber: string) => `service-review-${customerNumber}`;
export const manualServiceReviewWorkflowId = (customerNumber: string, at: string) => `service-review-${customerNumber}-manual-${at}`;

export const SERVICE_REVIEW_FAILURE = { noTime: 'ServiceReviewNoTime' } as const;

export interface ServiceReviewInput {
  customerId: string;
  customerNumber: string;
  /** A review by hand: as of this instant (else the Schedule's time). */
  manualAt?: string;
}

export interface ServiceReviewOutcome {
  reviewId: string;
  number: string;
  periodFrom: string;
  periodTo: string;
}
