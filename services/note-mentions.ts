import type { Db } from '../db/client';
import { findUser, groupsOf, principalOf } from '../db/people-store';
import { incidentScope } from '../domain/access';
import { mentionTokens } from '../domain/incident/mentions';
import { ValidationFailed, type FieldIssue } from './errors';

/**
 * The users a note notifies: those named in `mentions` (each must be an active user who may see
 * the incident and, for a work note, not a requester: a 400 naming the entry otherwise) and those
 * `@`-mentioned in the text (silently skipped when they are not such a user: text is free). As
 * user ids, each once.
 */
export async function resolveMentions(db: Db, incidentId: string, note: { text: string; visibility: 'public' | 'internal'; mentions?: string[] }): Promise<string[]> {
  const errors: FieldIssue[] = [];
  const ids: string[] = [];
  const check = async (ref: string): Promise<string | null> => {
    const user = await findUser(db, ref);
    if (!user || !user.active) return `no active user ${ref}`;
    const principal = principalOf(user, await groupsOf(db, user.id));
    if (note.visibility === 'internal' && principal.role === 'requester') return `${user.id} is a requester: work notes are not shown to requesters (make the note public)`;
    const sees = await db.incident.count({ where: { AND: [{ id: incidentId }, incidentScope(principal)] } });
    if (!sees) return `${user.id} may not see this incident`;
    if (!ids.includes(user.id)) ids.push(user.id);
    return null;
  };
  for (const [i, ref] of (note.mentions ?? []).entries()) {
    const problem = await check(ref);
    if (problem) errors.push({ path: `mentions.${i}`, message: problem });
  }
  if (errors.length) throw new ValidationFailed('mentions names users who cannot be told', errors);
  for (const token of mentionTokens(note.text)) if (ids.length < 20) await check(token);
  return ids;
}
