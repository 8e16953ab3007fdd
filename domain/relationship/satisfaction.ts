/**
 * Customer satisfaction: who an incident's survey goes to, how long its link stays good, and the
 * figures the satisfaction report gives per service, group or customer.
 */

/** How long a survey link may be answered after the incident closed. */
export const SURVEY_VALID_MS = 14 * 86_400_000;

export const SATISFACTION_GROUPINGS = ['service', 'group', 'customer'] as const;
export type SatisfactionGrouping = (typeof SATISFACTION_GROUPINGS)[number];

/** A survey as the report reads it: sent, maybe answered. */
export interface SurveyFact {
  serviceId: string | null;
  team: string | null;
  customerId: string | null;
  score: number | null;
}

export interface SatisfactionRow {
  key: string | null;
  sent: number;
  responses: number;
  /** Share of responses scoring 4 or 5 (null with no responses). */
  csat: number | null;
  meanScore: number | null;
  /** Share of sent surveys answered. */
  responseRate: number;
}

/** What a closed incident's survey needs: a caller who is a user (the link goes to them), and no security classification. */
export function surveyRecipient(i: { callerId: string | null; type: string }): string | null {
  // A security incident's caller is told what the security group decides to tell them, not invited to rate it.
  if (i.type === 'security' || !i.callerId) return null;
  return `user:${i.callerId}`;
}

/** Where an answer to a survey stands: open, answered (409) or expired (410). */
export function surveyStanding(s: { answeredAt: number | null; expiresAt: number }, now: number): 'open' | 'answered' | 'expired' {
  if (s.answeredAt !== null) return 'answered';
  return now >= s.expiresAt ? 'expired' : 'open';
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** CSAT, mean score, responses and response rate per key, keys in order (null last). */
export function satisfactionRows(facts: readonly SurveyFact[], groupBy: SatisfactionGrouping): SatisfactionRow[] {
  const keyOf = (f: SurveyFact) => (groupBy === 'service' ? f.serviceId : groupBy === 'group' ? f.team : f.customerId);
  const groups = new Map<string | null, SurveyFact[]>();
  for (const f of facts) groups.set(keyOf(f), [...(groups.get(keyOf(f)) ?? []), f]);
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
    .map(([key, fs]) => {
      const scores = fs.map((f) => f.score).filter((s): s is number => s !== null);
      return {
        key,
        sent: fs.length,
        responses: scores.length,
        csat: scores.length ? round(scores.filter((s) => s >= 4).length / scores.length) : null,
        meanScore: scores.length ? round(scores.reduce((a, b) => a + b, 0) / scores.length) : null,
        responseRate: round(scores.length / fs.length),
      };
    });
}
