import { Prisma } from '../generated/prisma-sqlite/client';
import type { Db, Tx } from './client';

export const NUMBER_PREFIX = { incident: 'INC', problem: 'PRB', change: 'CHG', release: 'REL', ci: 'CI', sla: 'SLA', known_error: 'KE', outage: 'OUT', report_schedule: 'RPS', report_run: 'RPT', simulation: 'SIM', capacity_threshold: 'CAP', continuity_plan: 'BCP', continuity_run: 'DRT', supplier: 'SUP', contract: 'CTR', customer: 'CUS', feedback: 'FBK', service_review: 'SRV', access_review: 'ARV', security_policy: 'POL' } as const;
export type NumberedRecord = keyof typeof NUMBER_PREFIX;

/** Allocates the next human number atomically (one upsert statement on both providers). */
export async function nextNumber(db: Db | Tx, record: NumberedRecord): Promise<string> {
  const rows = await db.$queryRaw<{ value: number | bigint }[]>(
    Prisma.sql`INSERT INTO "Counter" ("name", "value") VALUES (${record}, 1)
               ON CONFLICT ("name") DO UPDATE SET "value" = "Counter"."value" + 1
               RETURNING "value"`,
  );
  return `${NUMBER_PREFIX[record]}${String(Number(rows[0].value)).padStart(7, '0')}`;
}

export function looksLikeNumber(ref: string, record: NumberedRecord): boolean {
  return new RegExp(`^${NUMBER_PREFIX[record]}\\d{7,}$`).test(ref);
}
