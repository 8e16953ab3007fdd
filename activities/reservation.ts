import { Context } from '@temporalio/activity';
import type { Db } from '../db/client';
import type { NUMBER_PREFIX } from '../db/numbers';
import { reserveRecord, type Reservation } from '../temporal/open-record';

const isReservation = (v: unknown): v is Reservation =>
  typeof v === 'object' && v !== null && typeof (v as Reservation).id === 'string' && typeof (v as Reservation).number === 'string';

/**
 * A record identity reserved once per activity: the first attempt reserves it and records it in
 * its heartbeat details, which the server hands to every retry, so a retry after the record was
 * opened attaches to it instead of opening a second one (an activity is at-least-once).
 */
export async function reservedForThisActivity(db: Db, recordType: keyof typeof NUMBER_PREFIX, idPrefix: string): Promise<Reservation> {
  const ctx = Context.current();
  const earlier = ctx.info.heartbeatDetails;
  if (isReservation(earlier)) return earlier;
  const reservation = await reserveRecord(db, recordType, idPrefix);
  ctx.heartbeat(reservation);
  return reservation;
}
