import type { Db } from '../db/client';
import { findGroup, findUser } from '../db/people-store';
import { ValidationFailed } from './errors';

/**
 * What `assign` may name: a group that exists and an assignee who is an active member of the
 * group the incident ends up with (the one named, else its current one). Both are resolved to
 * what records hold (the group's name, the user's id), so either may be given by id, name or
 * e-mail address. Checked before the workflow is asked: a workflow validator cannot read the
 * directory, and the directory is what makes an assignment valid.
 */
export async function checkAssignment(db: Db, current: { assignmentGroup: string | null }, body: { group?: string; assignee?: string }): Promise<{ group?: string; assignee?: string }> {
  const errors: { path: string; message: string }[] = [];
  let group = current.assignmentGroup;
  let groupName: string | undefined;
  // The group read once: the one named, else (only when an assignee needs checking) the incident's own.
  let groupRow: Awaited<ReturnType<typeof findGroup>> = null;
  if (body.group !== undefined) {
    groupRow = await findGroup(db, body.group);
    if (!groupRow) errors.push({ path: 'group', message: `no group ${body.group}` });
    else group = groupName = groupRow.name;
  }
  let assignee: string | undefined;
  if (body.assignee !== undefined && errors.length === 0) {
    const user = await findUser(db, body.assignee);
    if (!user) errors.push({ path: 'assignee', message: `no user ${body.assignee}` });
    else if (!group) errors.push({ path: 'assignee', message: 'needs a group: the incident has none, so name one with the assignee' });
    else {
      const g = groupRow ?? (await findGroup(db, group));
      const member = g ? await db.groupMember.findUnique({ where: { groupId_userId: { groupId: g.id, userId: user.id } } }) : null;
      if (!user.active || !member) errors.push({ path: 'assignee', message: `not an active member of group ${group}: ${user.id}` });
      else assignee = user.id;
    }
  }
  if (errors.length) throw new ValidationFailed(`${errors.map((e) => e.path).join(' and ')} cannot be assigned`, errors);
  return { ...(groupName !== undefined ? { group: groupName } : {}), ...(assignee !== undefined ? { assignee } : {}) };
}
