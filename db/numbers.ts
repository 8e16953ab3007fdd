import { Prisma } from '../generated/prisma-sqlite/client';
import { driverOf, hasDriver, type Db, type Tx } from './client';
import { sql } from './sql';

export const NUMBER_PREFIX = { incident: 'INC', problem: 'PRB', change: 'CHG', release: 'REL', ci: 'CI', sla: 'SLA', known_error: 'KE', outage: 'OUT', report_schedule: 'RPS', report_run: 'RPT', simulation: 'SIM', capacity_threshold: 'CAP', continuity_plan: 'BCP', continuity_run: 'DRT', supplier: 'SUP', contract: 'CTR', customer: 'CUS', feedback: 'FBK', service_review: 'SRV', access_review: 'ARV', security_policy: 'POL' } as const;
export type NumberedRecord = keyof typeof NUMBER_PREFIX;

/** Allocates the next human number atomically (one upsert statement on both providers). */
export async function nextNumber(db: Db | Tx, record: NumberedRecord): Promise<string> {
  const text = 'INSERT INTO "Counter" ("name", "value") VALUES (?, 1) ON CONFLICT ("name") DO UPDATE SET "value" = "Counter"."value" + 1 RETURNING "value"';
  // Outside a transaction (every new record asks: on the driver), else in it through Prisma.
  const rows = hasDriver(db)
    ? await driverOf(db).transaction(() => sql.all<{ value: number | bigint }>(text, [record]))
    : await db.$queryRaw<{ value: number | bigint }[]>(new Prisma.Sql(text.split('?'), [record]));
  return `${NUMBER_PREFIX[record]}${String(Number(rows[0].value)).padStart(7, '0')}`;
}

export function looksLikeNumber(ref: string, record: NumberedRecord): boolean {
  return new RegExp(`^${NUMBER_PREFIX[record]}\\d{7,}$`).test(ref);
}
