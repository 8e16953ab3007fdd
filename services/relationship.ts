/**
 * Business relationship management's use cases: the references a customer's contacts and
 * subscriptions name, answering a survey by its one-time token, and the satisfaction report.
 */
import type { Db } from '../db/client';
import { findUser } from '../db/people-store';
import { satisfactionRows, surveyStanding, type SatisfactionGrouping } from '../domain/relationship/satisfaction';
import { surveyTokenDigest } from '../infra/survey-token';
import { ValidationFailed } from './errors';

export class SurveyUnavailable extends Error {
  constructor(readonly why: 'unknown' | 'answered' | 'expired') {
    super(why === 'unknown' ? 'no survey has that link' : why === 'answered' ? 'this survey has already been answered' : 'this survey link has expired');
  }
}

/** The user a contact is, by id or e-mail: it must exist. */
export async function resolveUser(db: Db, ref: string, path: string): Promise<string> {
  const user = await findUser(db, ref);
  if (!user) throw new ValidationFailed(`${path} does not exist`, [{ path, message: `no user ${ref}` }]);
  return user.id;
}

/** The agreement a subscription is under, by id or number: it must exist. */
export async function resolveSla(db: Db, ref: string, path: string): Promise<string> {
  const sla = await db.sla.findFirst({ where: { OR: [{ id: ref }, { number: ref }] }, select: { id: true } });
  if (!sla) throw new ValidationFailed(`${path} does not exist`, [{ path, message: `no agreement ${ref}` }]);
  return sla.id;
}

/**
 * One answer per survey: the answer is written only where the survey is still unanswered, so
 * two answers racing leave one, and the other is told it was answered.
 */
export async function answerSurvey(db: Db, token: string, answer: { score: number; comment?: string }, now: number) {
  const survey = await db.survey.findUnique({ where: { tokenHash: surveyTokenDigest(token) } });
  if (!survey) throw new SurveyUnavailable('unknown');
  const standing = surveyStanding({ answeredAt: survey.answeredAt?.getTime() ?? null, expiresAt: survey.expiresAt.getTime() }, now);
  if (standing !== 'open') throw new SurveyUnavailable(standing);
  const answeredAt = new Date(now);
  const { count } = await db.survey.updateMany({ where: { id: survey.id, answeredAt: null }, data: { answeredAt, score: answer.score, comment: answer.comment ?? null } });
  if (count === 0) throw new SurveyUnavailable('answered');
  return { incidentId: survey.incidentId, score: answer.score, comment: answer.comment ?? null, answeredAt: answeredAt.toISOString() };
}

/** CSAT, mean score, responses and response rate of the surveys sent in [from, to), per service, group or customer. */
export async function satisfactionReport(db: Db, q: { groupBy: SatisfactionGrouping; from: string; to: string }) {
  const facts = await db.survey.findMany({ where: { sentAt: { gte: new Date(q.from), lt: new Date(q.to) } }, select: { serviceId: true, team: true, customerId: true, score: true } });
  const rows = satisfactionRows(facts, q.groupBy);
  const keys = rows.map((r) => r.key).filter((k): k is string => k !== null);
  const labels = new Map<string, string>(
    q.groupBy === 'service'
      ? (await db.configurationItem.findMany({ where: { id: { in: keys } }, select: { id: true, number: true, name: true } })).map((c) => [c.id, `${c.number} ${c.name}`])
      : q.groupBy === 'customer'
        ? (await db.customer.findMany({ where: { id: { in: keys } }, select: { id: true, number: true, name: true } })).map((c) => [c.id, `${c.number} ${c.name}`])
        : keys.map((k) => [k, k]),
  );
  return { groupBy: q.groupBy, from: q.from, to: q.to, rows: rows.map((r) => ({ ...r, label: r.key === null ? null : (labels.get(r.key) ?? r.key) })) };
}
