import { z } from '../domain/schemas/zod';
import { ReviewedAccount } from '../domain/schemas/access-review';
import { parseJson } from '../db/json';
import { openAccessReview } from '../temporal/open-access-review';
import type { AccessReviewScheduledInput } from '../workflows/contracts/access-review';
import type { ActivityDeps } from './deps';
import { reservedForThisActivity } from './reservation';

export const SCHEDULE_ACTOR = 'system';

/** What an access review's workflows read: the group manager when a review is escalated, and a system's schedule when it fires. */
export function createAccessReviewActivities(deps: ActivityDeps) {
  return {
    /** Read when the escalation fires, so a new manager is the one told. */
    async accessReviewGroupManager(input: { group: string | null }): Promise<string | null> {
      if (!input.group) return null;
      return (await deps.db.group.findUnique({ where: { name: input.group }, select: { managerId: true } }))?.managerId ?? null;
    },
    /** Opens a review from the schedule row as it is now (none for a schedule deleted or a CI retired since); a retry attaches to the review an earlier attempt opened. */
    async startScheduledAccessReview(input: AccessReviewScheduledInput): Promise<string | null> {
      const row = await deps.db.accessReviewSchedule.findUnique({ where: { ciId: input.ciId } });
      const ci = await deps.db.configurationItem.findUnique({ where: { id: input.ciId } });
      if (!row || row.deletedAt || !ci || ci.retiredAt) return null;
      const accounts = parseJson(z.array(ReviewedAccount), row.accounts, { recordType: 'access_review_schedule', recordId: row.ciId, field: 'accounts' });
      const reservation = await reservedForThisActivity(deps.db, 'access_review', 'arv');
      const view = await openAccessReview({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, config: input.config }, SCHEDULE_ACTOR, {
        ciId: ci.id, ciNumber: ci.number, ciName: ci.name, ownerGroup: ci.ownerGroup, owner: row.owner, dueDays: row.dueDays, accounts,
      }, reservation);
      return view.number;
    },
  };
}
export type AccessReviewActivities = ReturnType<typeof createAccessReviewActivities>;
