import { Prisma } from '../generated/prisma-sqlite/client';
import type { incidentScope } from '../domain/access';

type Scope = ReturnType<typeof incidentScope>;
type Branch = Extract<Scope, { OR: unknown }>['OR'][number];

const inList = (col: Prisma.Sql, values: readonly string[]) => (values.length === 0 ? Prisma.sql`1 = 0` : Prisma.sql`${col} IN (${Prisma.join(values)})`);

function branchSql(b: Branch, i: Prisma.Sql): Prisma.Sql {
  const keys = Object.keys(b);
  if (keys.length !== 1) throw new Error(`incident scope branch ${JSON.stringify(b)} is not one condition`);
  if ('createdBy' in b) return Prisma.sql`${i}."createdBy" = ${b.createdBy}`;
  if ('callerId' in b) return Prisma.sql`${i}."callerId" = ${b.callerId}`;
  if ('assignee' in b) return Prisma.sql`${i}."assignee" = ${b.assignee}`;
  if ('restricted' in b) return Prisma.sql`${i}."restricted" = ${b.restricted}`;
  if ('assignmentGroup' in b) return inList(Prisma.sql`${i}."assignmentGroup"`, b.assignmentGroup.in);
  if ('type' in b) return Prisma.sql`${i}."type" <> ${b.type.not}`;
  if ('access' in b) return Prisma.sql`EXISTS (SELECT 1 FROM "IncidentAccess" ia WHERE ia."incidentId" = ${i}."id" AND ${inList(Prisma.sql`ia."group"`, b.access.some.group.in)})`;
  // A rule added to incidentScope must be spelt here too: refusing beats showing what it hides.
  throw new Error(`incident scope branch ${JSON.stringify(b)} has no SQL spelling`);
}

/**
 * The caller's visibility (domain/access.ts `incidentScope`, a Prisma filter) as a condition on
 * the incident aliased `alias`, for statements Prisma's query API cannot write (aggregates with
 * GROUP BY). Same rows as the filter: test/integration/sla-aggregates.test.ts checks every role
 * against Prisma's own reading of it, restricted incidents included.
 */
export function incidentScopeSql(scope: Scope, alias: 'i' = 'i'): Prisma.Sql {
  const i = Prisma.raw(alias);
  if (!('OR' in scope)) {
    if (Object.keys(scope).length !== 0) throw new Error(`incident scope ${JSON.stringify(scope)} has no SQL spelling`);
    return Prisma.sql`1 = 1`;
  }
  return Prisma.sql`(${Prisma.join(scope.OR.map((b) => branchSql(b, i)), ' OR ')})`;
}
