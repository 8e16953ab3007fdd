import { Prisma, type KnownError, type Problem } from '../generated/prisma-sqlite/client';
import { ProblemSnapshotSchema, type KnownErrorState, type KnownErrorView, type ProblemSnapshot } from '../domain/schemas/problem';
import { z } from '../domain/schemas/zod';
import { providerOf, type Db, type Tx } from './client';
import { parseJson, toJson } from './json';
import { writeIfNewer, type RecordStore } from './record-store';

/**
 * Problems: the columns the API filters on, the whole snapshot as JSON in `detail`; and,
 * in the same transaction, what other processes read: which incidents the problem holds
 * and its known error (the KEDB row, its match targets and its full-text entry).
 */
export const problemStore: RecordStore<ProblemSnapshot> = {
  recordType: 'problem',
  async write(tx: Tx, s: ProblemSnapshot, seq: number, replace = false) {
    await writeIfNewer(tx.problem, s.id, seq, {
      number: s.number,
      workflowId: s.workflowId,
      title: s.title,
      state: s.state,
      serviceId: s.serviceId,
      ciId: s.ciId,
      category: s.category,
      knownErrorId: s.knownError?.id ?? null,
      resolutionCode: s.resolutionCode,
      trendKey: s.trendKey,
      detail: toJson(s),
      createdBy: s.createdBy,
      version: seq,
    }, replace);
    for (const i of s.incidents) {
      await tx.$executeRaw`INSERT INTO "ProblemIncident" ("problemId", "incidentId") VALUES (${s.id}, ${i.id}) ON CONFLICT DO NOTHING`;
    }
    if (s.knownError) await writeKnownError(tx, { id: s.id, number: s.number }, s.knownError);
  },
};

async function writeKnownError(tx: Tx, problem: { id: string; number: string }, k: KnownErrorState): Promise<void> {
  const row = {
    number: k.number,
    problemId: problem.id,
    problemNumber: problem.number,
    title: k.title,
    symptoms: k.symptoms,
    rootCause: k.rootCause,
    workaround: k.workaround,
    category: k.category,
    ciIds: toJson(k.ciIds),
    serviceIds: toJson(k.serviceIds),
    status: k.status,
    validUntil: k.validUntil === null ? null : new Date(k.validUntil),
    publishedAt: new Date(k.publishedAt),
    retiredAt: k.retiredAt === null ? null : new Date(k.retiredAt),
  };
  await tx.knownError.upsert({ where: { id: k.id }, create: { id: k.id, ...row }, update: row });
  await tx.knownErrorTarget.deleteMany({ where: { knownErrorId: k.id } });
  const targets = [
    ...k.ciIds.map((key) => ({ knownErrorId: k.id, kind: 'ci', key })),
    ...k.serviceIds.map((key) => ({ knownErrorId: k.id, kind: 'service', key })),
    ...(k.category ? [{ knownErrorId: k.id, kind: 'category', key: k.category.toLowerCase() }] : []),
  ];
  if (targets.length) await tx.knownErrorTarget.createMany({ data: targets });
  if (providerOf(tx) === 'sqlite') {
    // PostgreSQL keeps its tsvector itself (a generated column); FTS5 is kept here.
    await tx.$executeRaw`DELETE FROM "KnownErrorSearch" WHERE "knownErrorId" = ${k.id}`;
    await tx.$executeRaw`INSERT INTO "KnownErrorSearch" ("knownErrorId", "status", "title", "symptoms", "workaround", "rootCause") VALUES (${k.id}, ${k.status}, ${k.title}, ${k.symptoms}, ${k.workaround}, ${k.rootCause})`;
  }
}

export const problemFromRow = (row: Pick<Problem, 'id' | 'detail'>): ProblemSnapshot =>
  parseJson(ProblemSnapshotSchema, row.detail, { recordType: problemStore.recordType, recordId: row.id, field: 'detail' });

export async function findProblem(db: Db, ref: string): Promise<Problem | null> {
  return db.problem.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
}

const Ids = z.array(z.string());

export function knownErrorView(row: KnownError, extra: { workaroundApplied?: number; rank?: number } = {}): KnownErrorView {
  const at = { recordType: 'known_error', recordId: row.id };
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    symptoms: row.symptoms,
    rootCause: row.rootCause,
    workaround: row.workaround,
    category: row.category,
    ciIds: parseJson(Ids, row.ciIds, { ...at, field: 'ciIds' }),
    serviceIds: parseJson(Ids, row.serviceIds, { ...at, field: 'serviceIds' }),
    problemId: row.problemId,
    problemNumber: row.problemNumber,
    status: row.status === 'retired' ? 'retired' : 'active',
    validUntil: row.validUntil?.toISOString() ?? null,
    publishedAt: row.publishedAt.toISOString(),
    retiredAt: row.retiredAt?.toISOString() ?? null,
    ...extra,
  };
}

export async function findKnownError(db: Db, ref: string): Promise<KnownError | null> {
  return db.knownError.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
}

export interface KnownErrorFilter {
  q?: string;
  ciIds?: string[];
  serviceId?: string;
  category?: string;
  status: 'active' | 'retired' | 'all';
  limit: number;
  offset: number;
}

/** Words only: full-text syntax in a query is never interpreted (no FTS5 operators, no tsquery). */
export function searchTerms(q: string): string[] {
  return (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 20);
}

/**
 * Known errors matching the filter, best first: ranked full-text search (FTS5 bm25 on
 * SQLite, ts_rank on PostgreSQL) over title, symptoms, workaround and root cause when `q`
 * is given, else newest first. Documents with every word come first (any word, when none has
 * them all); more and rarer matches rank higher. Words match as prefixes.
 */
export async function searchKnownErrors(db: Db, f: KnownErrorFilter): Promise<{ id: string; rank: number | null }[]> {
  const conds: Prisma.Sql[] = [];
  if (f.status !== 'all') conds.push(Prisma.sql`k."status" = ${f.status}`);
  if (f.ciIds?.length) conds.push(Prisma.sql`EXISTS (SELECT 1 FROM "KnownErrorTarget" t WHERE t."knownErrorId" = k."id" AND t."kind" = 'ci' AND t."key" IN (${Prisma.join(f.ciIds)}))`);
  if (f.serviceId) conds.push(Prisma.sql`EXISTS (SELECT 1 FROM "KnownErrorTarget" t WHERE t."knownErrorId" = k."id" AND t."kind" = 'service' AND t."key" = ${f.serviceId})`);
  if (f.category) conds.push(Prisma.sql`EXISTS (SELECT 1 FROM "KnownErrorTarget" t WHERE t."knownErrorId" = k."id" AND t."kind" = 'category' AND t."key" = ${f.category.toLowerCase()})`);
  const terms = f.q ? searchTerms(f.q) : [];
  if (f.q && terms.length === 0) return [];
  const where = (extra: Prisma.Sql[]) => {
    const all = [...conds, ...extra];
    return all.length ? Prisma.sql`WHERE ${Prisma.join(all, ' AND ')}` : Prisma.empty;
  };
  let rows: { id: string; rank: number | null }[];
  if (terms.length === 0) {
    rows = await db.$queryRaw`SELECT k."id" AS "id", NULL AS "rank" FROM "KnownError" k ${where([])} ORDER BY k."publishedAt" DESC, k."id" DESC LIMIT ${f.limit} OFFSET ${f.offset}`;
  } else {
    // Every word first (precise, and cheap: few documents to rank); any word if that finds nothing.
    rows = await ranked(db, terms, 'all', where, f);
    const noneHasAll = rows.length === 0 && terms.length > 1 && (f.offset === 0 || (await ranked(db, terms, 'all', where, { ...f, limit: 1, offset: 0 })).length === 0);
    if (noneHasAll) rows = await ranked(db, terms, 'any', where, f);
  }
  return rows.map((r) => ({ id: r.id, rank: r.rank === null ? null : Number(r.rank) }));
}

async function ranked(db: Db, terms: string[], mode: 'all' | 'any', where: (extra: Prisma.Sql[]) => Prisma.Sql, f: KnownErrorFilter): Promise<{ id: string; rank: number | null }[]> {
  if (providerOf(db) === 'sqlite') {
    const words = terms.map((t) => `"${t}"*`).join(mode === 'all' ? ' AND ' : ' OR ');
    const text = `{title symptoms workaround rootCause} : (${words})`;
    // bm25 is lower-is-better; columns weighted title, symptoms > workaround > root cause.
    if (!f.ciIds?.length && !f.serviceId && !f.category) {
      // The common search ranks inside the FTS index alone, the status being a token there.
      const match = f.status === 'all' ? text : `status : "${f.status}" AND ${text}`;
      return db.$queryRaw`SELECT "knownErrorId" AS "id", -bm25("KnownErrorSearch", 0, 0, 4.0, 4.0, 2.0, 1.0) AS "rank"
        FROM "KnownErrorSearch" WHERE "KnownErrorSearch" MATCH ${match}
        ORDER BY bm25("KnownErrorSearch", 0, 0, 4.0, 4.0, 2.0, 1.0) LIMIT ${f.limit} OFFSET ${f.offset}`;
    }
    return db.$queryRaw`SELECT k."id" AS "id", -bm25("KnownErrorSearch", 0, 0, 4.0, 4.0, 2.0, 1.0) AS "rank"
      FROM "KnownErrorSearch" JOIN "KnownError" k ON k."id" = "KnownErrorSearch"."knownErrorId"
      ${where([Prisma.sql`"KnownErrorSearch" MATCH ${text}`])}
      ORDER BY "rank" DESC, k."id" LIMIT ${f.limit} OFFSET ${f.offset}`;
  }
  const tsquery = terms.map((t) => `${t}:*`).join(mode === 'all' ? ' & ' : ' | ');
  return db.$queryRaw`SELECT k."id" AS "id", ts_rank(k."search", to_tsquery('english', ${tsquery})) AS "rank"
    FROM "KnownError" k ${where([Prisma.sql`k."search" @@ to_tsquery('english', ${tsquery})`])}
    ORDER BY "rank" DESC, k."id" LIMIT ${f.limit} OFFSET ${f.offset}`;
}

/** Rows for ids, in the given order (one read). */
export async function knownErrorsByIds(db: Db, ids: string[]): Promise<KnownError[]> {
  if (ids.length === 0) return [];
  const byId = new Map((await db.knownError.findMany({ where: { id: { in: ids } } })).map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
