import { produceServiceReview, type ProduceServiceReview } from '../services/service-review';
import type { ActivityDeps } from './deps';

/** Service reviews: the agenda generated and stored by the use case the manual trigger shares. */
export function createServiceReviewActivities(deps: ActivityDeps) {
  return {
    async produceServiceReview(input: ProduceServiceReview): Promise<{ reviewId: string; number: string }> {
      const stored = await produceServiceReview(deps.db, input);
      deps.log.info('service review stored', { review: stored.number, customerId: input.customerId, periodFrom: input.periodFrom });
      return stored;
    },
  };
}
export type ServiceReviewActivities = ReturnType<typeof createServiceReviewActivities>;
