/**
 * Which webhook subscriptions want an event: a subscription names event types exactly, by a
 * prefix pattern (`incident.*`), or all of them (`*`). Pure: used where outbox rows are written
 * (db/transition-sql.ts) and by the outbox relay (temporal/outbox-relay.ts).
 */
export function subscriptionMatches(events: string[], type: string): boolean {
  return events.some((e) => e === '*' || e === type || (e.endsWith('.*') && type.startsWith(e.slice(0, -1))));
}
