import type { ActivityDeps } from './deps';

/** What an access review's workflow reads: the system owner group's manager when it is escalated (read then, so a new manager is the one told). */
export function createAccessReviewActivities(deps: ActivityDeps) {
  return {
    async accessReviewGroupManager(input: { group: string | null }): Promise<string | null> {
      if (!input.group) return null;
      return (await deps.db.group.findUnique({ where: { name: input.group }, select: { managerId: true } }))?.managerId ?? null;
    },
  };
}
export type AccessReviewActivities = ReturnType<typeof createAccessReviewActivities>;
