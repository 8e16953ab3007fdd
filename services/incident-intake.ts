import type { Db } from '../db/client';
import { findGroup, findUser, normaliseEmail } from '../db/people-store';
import type { Principal } from '../domain/access';
import type { CreateIncidentBody } from '../domain/schemas/incident';
import { ValidationFailed, type FieldIssue } from './errors';

/**
 * What a new incident may say about who it is for and who may see it, checked against the
 * directory before its workflow starts: a requester opens incidents for themself only and cannot
 * restrict them; a caller given by address who is a user becomes that user; restriction names
 * groups that exist (kept by name, as records hold groups).
 */
export async function checkNewIncident(db: Db, user: Pick<Principal, 'id' | 'role'>, body: CreateIncidentBody): Promise<CreateIncidentBody> {
  const errors: FieldIssue[] = [];
  const out: CreateIncidentBody = { ...body };
  if (user.role === 'requester') {
    if (body.callerId !== undefined && body.callerId !== user.id) errors.push({ path: 'callerId', message: `required to be your own id (${user.id}): a requester opens incidents for themself` });
    if (body.callerEmail !== undefined) errors.push({ path: 'callerEmail', message: 'not for a requester: a requester opens incidents for themself' });
    if (body.restrictedTo !== undefined) errors.push({ path: 'restrictedTo', message: "not for a requester: restriction is the desk's" });
    if (body.namedPeople !== undefined) errors.push({ path: 'namedPeople', message: "not for a requester: restriction is the desk's" });
  }
  if (body.callerEmail !== undefined && errors.length === 0) {
    const email = normaliseEmail(body.callerEmail);
    const known = await findUser(db, email);
    if (known && body.callerId !== undefined && body.callerId !== known.id) errors.push({ path: 'callerEmail', message: `is the address of ${known.id}, not of callerId ${body.callerId}` });
    else if (known) {
      out.callerId = known.id;
      delete out.callerEmail;
    } else out.callerEmail = email;
  }
  if (errors.length) throw new ValidationFailed(errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
  if (body.restrictedTo !== undefined) out.restrictedTo = await restrictionGroups(db, body.restrictedTo, 'restrictedTo');
  if (body.namedPeople !== undefined) out.namedPeople = await namedPeople(db, body.namedPeople, 'namedPeople');
  return out;
}

/** The people named on a restricted incident, by id or address, as user ids, each once: a 400 naming each that is not a user. */
export async function namedPeople(db: Db, refs: readonly string[], field: string): Promise<string[]> {
  const users = await Promise.all(refs.map((u) => findUser(db, u)));
  const errors = users.flatMap((u, i) => (u ? [] : [{ path: `${field}.${i}`, message: `no user ${refs[i]}` }]));
  if (errors.length) throw new ValidationFailed(errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
  return [...new Set(users.map((u) => u!.id))];
}

/** The groups an incident is restricted to, by id or name, as the names records hold, each once: a 400 naming each that does not exist. */
export async function restrictionGroups(db: Db, refs: readonly string[], field: string): Promise<string[]> {
  const groups = await Promise.all(refs.map((g) => findGroup(db, g)));
  const errors = groups.flatMap((g, i) => (g ? [] : [{ path: `${field}.${i}`, message: `no group ${refs[i]}` }]));
  if (errors.length) throw new ValidationFailed(errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
  return [...new Set(groups.map((g) => g!.name))];
}
