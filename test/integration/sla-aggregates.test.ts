/**
 * The SLA report's figures counted by the database (db/sla-aggregates.ts, what GET /reports/sla
 * answers) against the pure code over the same clocks read row by row (slaFacts + slaReport, what
 * the report computed before and a drill-down still does), on SQLite and PostgreSQL: every kind
 * (SLA, OLA, UC), every grouping, four callers' visibility, two instants "now" and two at-risk
 * windows, over a varied data set (met, late, unanswered, pending, paused with no due time, reopened,
 * a corrupt row with no due times, restricted incidents, nulls in every key, due times on the
 * period's edges, on `now`, at month ends and at odd milliseconds).
 *
 * Rows are written straight to the database (seeded random, reproducible): the report reads only
 * the clock columns, and no workflow is needed to make them. The OLA/UC rows are IncidentClock rows
 * written here too (the workflow's own writer is tested in service-levels-http.test.ts).
 */
import { seededRandom } from '../../bench/support';
import { Prisma } from '../../generated/prisma-sqlite/client';
import { incidentScopeSql } from '../../db/incident-scope-sql';
import { incidentScope, type Principal } from '../../domain/access';
import { AGREEMENT_KINDS, SLA_GROUP_BY } from '../../domain/reports/sla-report';
import { computeSlaReport, slaFacts, slaReportBody } from '../../services/reports';
import { ValidationFailed } from '../../services/errors';
import { startApiOnly, type ApiOnly } from '../support/api-only';
import { createTestDatabase, PROVIDERS, type TestDatabase } from '../support/database';

jest.setTimeout(180_000);

const H = 3_600_000;
const D = 24 * H;
const FROM = Date.parse('2025-01-01T00:00:00Z');
const TO = Date.parse('2025-07-01T00:00:00Z');
/** Two instants the report is as of: inside the period (pending and at-risk clocks), and after it. */
const NOWS = [Date.parse('2025-05-20T10:00:00.250Z'), Date.parse('2025-08-01T00:00:00Z')];

const CALLERS: Record<string, Pick<Principal, 'id' | 'role' | 'groups'>> = {
  admin: { id: 'usr-admin', role: 'admin', groups: [] },
  desk: { id: 'usr-agent', role: 'agent', groups: ['g1'] },
  outsider: { id: 'usr-out', role: 'agent', groups: [] },
  requester: { id: 'usr-requester', role: 'requester', groups: [] },
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms));

/** Incidents and their OLA/UC clocks, every column the report reads drawn at random within its cases. */
function dataSet() {
  const r = seededRandom(20261204);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  // Due times around the period, and now and then exactly on an edge (from, to, a month's end, a "now").
  const edges = [FROM, TO, Date.parse('2025-03-01T00:00:00Z'), Date.parse('2025-03-31T23:59:59.999Z'), ...NOWS];
  const instant = () => (chance(0.1) ? pick(edges) : FROM - 20 * D + Math.floor(r() * (TO - FROM + 60 * D)));
  const incidents: Prisma.IncidentCreateManyInput[] = [];
  const clocks: Prisma.IncidentClockCreateManyInput[] = [];
  for (let k = 0; k < 700; k++) {
    const n = String(k + 1).padStart(7, '0');
    const responseDue = instant();
    const opened = responseDue - Math.floor(r() * 2 * D) - 1;
    const responded = chance(0.2) ? null : chance(0.1) ? responseDue : opened + Math.floor(r() * (responseDue - opened) * 1.6);
    const pausedOpen = chance(0.08);
    const resolutionDue = pausedOpen ? null : chance(0.1) ? Math.max(responseDue, pick(edges)) : responseDue + Math.floor(r() * 6 * D);
    const resolvedAt = chance(0.3) || resolutionDue === null ? null : chance(0.05) ? resolutionDue : opened + Math.floor(r() * (resolutionDue - opened) * 1.5);
    // Reopened: resolved once (resolvedAt kept) but its resolution open again (no business time).
    const reopened = resolvedAt !== null && chance(0.1);
    const corrupt = chance(0.02);
    const state = resolvedAt !== null && !reopened ? pick(['resolved', 'closed', 'cancelled']) : pick(['new', 'assigned', 'in_progress', 'on_hold']);
    const restricted = chance(0.2);
    incidents.push({
      id: `inc-${n}`,
      number: `INC${n}`,
      workflowId: `incident-INC${n}`,
      type: 'incident',
      title: `Incident ${n}`,
      impact: 'low',
      urgency: 'low',
      priority: pick(['P1', 'P2', 'P3', 'P4', 'P5']),
      state,
      serviceId: pick(['svc-a', 'svc-b', 'svc-c', null]),
      assignmentGroup: pick(['g1', 'g2', null]),
      assignee: pick(['usr-agent', 'usr-other', null]),
      callerId: pick(['usr-requester', 'usr-x', null]),
      createdBy: pick(['usr-requester', 'usr-agent', 'usr-admin']),
      restricted,
      sla: '{}',
      openedAt: new Date(opened),
      resolvedAt: iso(resolvedAt),
      slaId: pick(['sla-a', 'sla-b', null]),
      responseDueAt: corrupt ? null : new Date(responseDue),
      respondedAt: corrupt ? null : iso(responded),
      resolutionDueAt: corrupt ? null : iso(resolutionDue),
      slaPausedMs: chance(0.3) ? Math.floor(r() * 5 * H) : 0,
      responseBusinessMs: responded === null ? null : Math.floor(r() * (responded - opened + 1)),
      resolutionBusinessMs: resolvedAt === null || reopened ? null : Math.floor(r() * (resolvedAt - opened + 1)),
    });
    // 0-3 agreement clocks: OLAs of the groups that held it, UCs of suppliers it waited for.
    for (let seq = 0, m = Math.floor(r() * 4); seq < m; seq++) {
      const kind = chance(0.6) ? 'OLA' : 'UC';
      const started = opened + Math.floor(r() * D);
      const due = chance(0.08) ? null : chance(0.1) ? Math.max(started + 1, pick(edges)) : started + Math.floor(r() * 3 * D) + 1;
      const stopped = chance(0.35) ? null : started + Math.floor(r() * 4 * D);
      const met = stopped === null || chance(0.1) ? null : stopped;
      const rDue = kind === 'OLA' ? started + Math.floor(r() * D) + 1 : null;
      const rAt = rDue === null || chance(0.3) ? null : chance(0.1) ? rDue : started + Math.floor(r() * (rDue - started) * 1.5);
      clocks.push({
        incidentId: `inc-${n}`,
        seq,
        kind,
        agreementId: pick(kind === 'OLA' ? ['ola-1', 'ola-2'] : ['uc-1', 'uc-2']),
        agreementVersion: 1,
        name: `${kind} ${seq}`,
        team: kind === 'OLA' ? pick(['g1', 'g2', null]) : null,
        supplier: kind === 'UC' ? pick(['acme', 'globex', null]) : null,
        priority: pick(['P1', 'P2', 'P3']),
        startedAt: new Date(started),
        stoppedAt: iso(stopped),
        dueAt: iso(due),
        responseDueAt: iso(rDue),
        respondedAt: iso(rAt),
        metAt: iso(met),
        breached: met !== null && due !== null && met > due,
        pausedMs: chance(0.3) ? Math.floor(r() * 4 * H) : 0,
        businessMs: met === null ? null : Math.floor(r() * (met - started + 1)),
      });
    }
  }
  return { incidents, clocks };
}

describe.each(PROVIDERS)('the SLA report counted in SQL on %s', (provider) => {
  let tdb: TestDatabase;
  let http: ApiOnly;

  beforeAll(async () => {
    tdb = await createTestDatabase(provider);
    const { incidents, clocks } = dataSet();
    await tdb.db.incident.createMany({ data: incidents });
    await tdb.db.incidentAccess.createMany({ data: incidents.filter((i) => i.restricted && Number(i.id.slice(-1)) % 2 === 0).map((i) => ({ incidentId: i.id, group: 'g1' })) });
    await tdb.db.incidentClock.createMany({ data: clocks });
    http = await startApiOnly(tdb.db);
  });
  afterAll(async () => {
    await http?.close();
    await tdb?.dispose();
  });

  test('the visibility filter in SQL selects the very incidents Prisma selects, for every caller', async () => {
    for (const [name, caller] of Object.entries(CALLERS)) {
      const scope = incidentScope(caller);
      const prisma = (await tdb.db.incident.findMany({ where: scope, select: { id: true } })).map((x) => x.id).sort();
      const sql = (await tdb.db.$queryRaw<{ id: string }[]>(Prisma.sql`SELECT i."id" AS "id" FROM "Incident" i WHERE ${incidentScopeSql(scope)}`)).map((x) => x.id).sort();
      expect({ name, ids: sql }).toEqual({ name, ids: prisma });
      // Each caller sees some and, but for the admin, not all.
      expect(prisma.length).toBeGreaterThan(0);
      if (name !== 'admin') expect(prisma.length).toBeLessThan(700);
    }
  });

  const cases = AGREEMENT_KINDS.flatMap((kind) => SLA_GROUP_BY.filter((g) => g !== 'supplier' || kind === 'UC').map((groupBy) => [kind, groupBy] as const));
  test.each(cases)('kind %s by %s: the same figures as the pure code over the rows, for every caller, now and window', async (kind, groupBy) => {
    let decided = 0;
    for (const caller of Object.values(CALLERS)) {
      for (const now of NOWS) {
        for (const atRisk of ['PT1H', 'P3D']) {
          const query = { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString(), atRisk, groupBy, kind };
          const scope = incidentScope(caller);
          const sql = await computeSlaReport(tdb.db, scope, query, now);
          const pure = slaReportBody(await slaFacts(tdb.db, scope, query, now), query, now);
          expect(sql).toEqual(pure);
          decided += sql.rows.reduce((n, row) => n + row.resolution.met + row.resolution.breached, 0);
          // The drill-down reads rows: its figures are the same again, with the records behind them.
          const drilled = await computeSlaReport(tdb.db, scope, { ...query, drill: 'true' }, now);
          expect(drilled.rows.map(({ records, ...figures }) => figures)).toEqual(pure.rows);
          expect(drilled.rows.reduce((n, row) => n + row.records!.length, 0)).toBe(pure.rows.reduce((n, row) => n + row.response.due + row.resolution.due, 0));
        }
      }
    }
    // The data set reaches every kind: a comparison of empty reports would prove nothing.
    expect(decided).toBeGreaterThan(100);
  });

  test('the data set exercises the cases the SQL spells out', async () => {
    const now = NOWS[0];
    const all = await computeSlaReport(tdb.db, {}, { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString(), atRisk: 'P3D', groupBy: 'month', kind: 'SLA' }, now);
    const sum = (f: (row: (typeof all.rows)[number]) => number) => all.rows.reduce((n, row) => n + f(row), 0);
    expect(sum((x) => x.response.met)).toBeGreaterThan(0);
    expect(sum((x) => x.response.breached)).toBeGreaterThan(0);
    expect(sum((x) => x.response.pending)).toBeGreaterThan(0);
    expect(sum((x) => x.resolution.pending)).toBeGreaterThan(0);
    expect(sum((x) => x.atRiskNow)).toBeGreaterThan(0);
    expect(sum((x) => x.pausedMs)).toBeGreaterThan(0);
    expect(all.rows.map((x) => x.key)).toEqual(['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06']);
    const ola = await computeSlaReport(tdb.db, {}, { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString(), atRisk: 'P3D', groupBy: 'group', kind: 'OLA' }, now);
    expect(ola.rows.map((x) => x.key)).toEqual(['g1', 'g2', null]);
    // An OLA's row keeps no business time for its response: the mean says so rather than 0.
    expect(ola.rows[0].mtta).toEqual({ wallMs: expect.any(Number), businessMs: null });
    expect(ola.rows[0].mttr!.businessMs).toEqual(expect.any(Number));
  });

  test('over HTTP: kind and groupBy=supplier answer what the pure code gives; supplier only for UC; CSV of an OLA report', async () => {
    const period = `from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`;
    const res = await http.api('GET', `/reports/sla?${period}&kind=UC&groupBy=supplier&drill=true`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'UC', groupBy: 'supplier' });
    expect(res.body.rows.map((x: { key: string | null }) => x.key)).toEqual(['acme', 'globex', null]);
    const now = Date.parse(res.body.generatedAt);
    const query = { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString(), atRisk: 'PT1H', groupBy: 'supplier' as const, kind: 'UC' as const };
    const pure = slaReportBody(await slaFacts(tdb.db, {}, query, now), { ...query, drill: 'true' }, now);
    expect(res.body.rows.map(({ records, ...figures }: { records: unknown[] }) => figures)).toEqual(pure.rows.map(({ records, ...figures }) => figures));
    // UC clocks have no response target: nothing due there.
    expect(res.body.rows.every((x: { response: { due: number } }) => x.response.due === 0)).toBe(true);

    for (const kind of ['SLA', 'OLA']) {
      const refused = await http.api('GET', `/reports/sla?${period}&kind=${kind}&groupBy=supplier`);
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([{ path: 'groupBy', message: 'only with kind UC (an SLA or OLA clock has no supplier)' }]);
    }
    expect((await http.api('GET', `/reports/sla?${period}&kind=SLO`)).body.errors).toEqual([expect.objectContaining({ path: 'query.kind' })]);
    await expect(computeSlaReport(tdb.db, {}, { ...query, kind: 'OLA' }, now)).rejects.toBeInstanceOf(ValidationFailed);

    const csv = await fetch(`${http.base}/reports/sla?${period}&kind=OLA&groupBy=group&format=csv`, { headers: { authorization: 'Bearer dev-admin' } });
    const lines = (await csv.text()).trim().split('\n');
    // The OLA's response keeps no business time: that cell is empty, the others are figures.
    expect(lines[1]).toMatch(/^g1,(\d+,){4}[\d.]+,(\d+,){4}[\d.]+,\d+,\d+,,\d+,\d+,\d+$/);
  });
});
