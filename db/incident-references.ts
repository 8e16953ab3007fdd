import type { Db } from './client';

/** What an incident's references read as, beside their ids (the view holds ids and the group's name). */
export interface IncidentReferenceNames {
  serviceNumber: string | null;
  ciNumber: string | null;
  assignmentGroupId: string | null;
  assigneeName: string | null;
  callerName: string | null;
}

type Refs = { serviceId: string | null; ciId: string | null; assignmentGroup: string | null; assignee: string | null; callerId: string | null };

/**
 * Every reference of these incidents as both id and number or name, in three reads for any
 * number of incidents (a page of a list costs the same as one). A reference that no longer
 * resolves reads as null beside its id.
 */
export async function withReferenceNames<V extends Refs>(db: Db, views: V[]): Promise<(V & IncidentReferenceNames)[]> {
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => x !== null))];
  const [cis, groups, users] = await Promise.all([
    db.configurationItem.findMany({ where: { id: { in: uniq(views.flatMap((v) => [v.serviceId, v.ciId])) } }, select: { id: true, number: true } }),
    db.group.findMany({ where: { name: { in: uniq(views.map((v) => v.assignmentGroup)) } }, select: { id: true, name: true } }),
    db.user.findMany({ where: { id: { in: uniq(views.flatMap((v) => [v.assignee, v.callerId])) } }, select: { id: true, name: true } }),
  ]);
  const number = new Map(cis.map((c) => [c.id, c.number]));
  const groupId = new Map(groups.map((g) => [g.name, g.id]));
  const name = new Map(users.map((u) => [u.id, u.name]));
  const of = <T>(m: Map<string, T>, k: string | null) => (k === null ? null : (m.get(k) ?? null));
  return views.map((v) => ({
    ...v,
    serviceNumber: of(number, v.serviceId),
    ciNumber: of(number, v.ciId),
    assignmentGroupId: of(groupId, v.assignmentGroup),
    assigneeName: of(name, v.assignee),
    callerName: of(name, v.callerId),
  }));
}
