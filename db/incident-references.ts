import type { Db } from './client';
import { readReferences } from './references';

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
  const ref = await readReferences(db, views, (v) => ({ ci: [v.serviceId, v.ciId], groupIdByName: [v.assignmentGroup], user: [v.assignee, v.callerId] }));
  return views.map((v) => ({
    ...v,
    serviceNumber: ref('ci', v.serviceId),
    ciNumber: ref('ci', v.ciId),
    assignmentGroupId: ref('groupIdByName', v.assignmentGroup),
    assigneeName: ref('user', v.assignee),
    callerName: ref('user', v.callerId),
  }));
}
