import type { ActivityDeps } from './deps';

/** What a contract's workflow reads: the owner group's manager when a renewal is escalated (read then, so a new manager is the one told). */
export function createContractActivities(deps: ActivityDeps) {
  return {
    async contractGroupManager(input: { group: string }): Promise<string | null> {
      return (await deps.db.group.findUnique({ where: { name: input.group }, select: { managerId: true } }))?.managerId ?? null;
    },
  };
}
export type ContractActivities = ReturnType<typeof createContractActivities>;
