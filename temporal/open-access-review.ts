import type { AccessReviewView } from '../domain/schemas/access-review';
import { ACCESS_REVIEW_WORKFLOW, accessReviewWorkflowId, createAccessReviewUpdate, type CreateAccessReviewInput } from '../workflows/contracts/access-review';
import { openRecord, type OpenRecordDeps, type Reservation } from './open-record';

/** Starting an access review of a system: its workflow watches the deadline from now. */
export const openAccessReview = (deps: OpenRecordDeps, actor: string, body: CreateAccessReviewInput['body'], reservation?: Reservation): Promise<AccessReviewView> =>
  openRecord(deps, {
    recordType: 'access_review',
    workflowType: ACCESS_REVIEW_WORKFLOW,
    workflowId: accessReviewWorkflowId,
    idPrefix: 'arv',
    create: createAccessReviewUpdate,
    input: { actor, body } satisfies CreateAccessReviewInput,
    summary: (n) => `${n}: access review of ${body.ciNumber} ${body.ciName}`,
    details: (n) => `**${n}** access review of ${body.ciNumber} (${body.ciName}): ${body.accounts.length} account(s), owner ${body.owner}, started by ${actor}`,
  }, reservation);
