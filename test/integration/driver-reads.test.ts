/**
 * The API's per-request reads on the driver (db/sql.ts, `selectRows`) against a real database
 * (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set): every row reads back exactly as Prisma
 * reads it (dates as Dates, booleans as booleans, nulls as nulls), so the code above cannot
 * tell which path a row came by.
 */
import { selectRows } from '../../db/client';
import { findVisibleIncident, outagesOf } from '../../db/incident-store';
import { findGroup, findTokenByValue, userWithGroups } from '../../db/people-store';
import { readReferences } from '../../db/references';
import { incidentScope } from '../../domain/access';
import { hashToken } from '../../infra/tokens';
import { PROVIDERS, createTestDatabase, type TestDatabase } from '../support/database';

const KEY = Buffer.alloc(32, 7);
const T = new Date('2026-12-04T10:11:12.345Z');

describe.each(PROVIDERS)('driver reads on %s', (provider) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase(provider);
    const db = tdb.db;
    await db.user.create({ data: { id: 'usr-on', name: 'On Duty', email: 'on@example.com', role: 'agent', active: true } });
    await db.user.create({ data: { id: 'usr-off', name: 'Off Duty', role: 'agent', active: false, deactivatedAt: T } });
    await db.group.create({ data: { id: 'grp-b', name: 'bravo', tier: 2 } });
    await db.group.create({ data: { id: 'grp-a', name: 'alpha' } });
    await db.groupMember.createMany({ data: [{ groupId: 'grp-b', userId: 'usr-on' }, { groupId: 'grp-a', userId: 'usr-on' }] });
    await db.apiToken.create({ data: { id: 'tok-1', userId: 'usr-on', name: 't', prefix: 'p1', hash: hashToken('itsm_p1_secret', KEY), expiresAt: T, createdBy: 'usr-on' } });
    const base = { type: 'incident', impact: 'low', urgency: 'low', priority: 'P4', state: 'new', sla: '{}', openedAt: T, createdBy: 'usr-on' };
    await db.incident.create({ data: { ...base, id: 'inc-open', number: 'INC-D1', workflowId: 'wf-d1', title: 'open', assignmentGroup: 'bravo', slaPausedMs: 1.5, responseDueAt: T } });
    await db.incident.create({ data: { ...base, id: 'inc-secret', number: 'INC-D2', workflowId: 'wf-d2', title: 'secret', createdBy: 'usr-off', restricted: true, slaBreached: true, resolvedAt: T } });
    await db.outage.create({ data: { id: 'out-1', number: 'OUT-1', serviceId: 'svc', incidentId: 'inc-open', start: T, createdBy: 'usr-on' } });
  });
  afterAll(async () => {
    await tdb?.dispose();
  });

  test('an incident, its outage, a user, a group and a token read as Prisma reads them', async () => {
    const db = tdb.db;
    for (const id of ['inc-open', 'inc-secret']) {
      expect(await findVisibleIncident(db, id, {})).toEqual(await db.incident.findUnique({ where: { id } }));
    }
    expect(await outagesOf(db, ['inc-open', 'inc-secret'])).toEqual(await db.outage.findMany());
    for (const id of ['usr-on', 'usr-off']) expect((await userWithGroups(db, id)).user).toEqual(await db.user.findUnique({ where: { id } }));
    expect(await findGroup(db, 'bravo')).toEqual(await db.group.findUnique({ where: { id: 'grp-b' } }));
    expect(await findGroup(db, 'grp-a')).toEqual(await db.group.findUnique({ where: { id: 'grp-a' } }));
    expect(await findTokenByValue(db, KEY, 'itsm_p1_secret')).toEqual(await db.apiToken.findUnique({ where: { id: 'tok-1' } }));
    // What the equality rests on: typed values, not text.
    const row = (await findVisibleIncident(db, 'INC-D2', {}))!;
    expect([row.restricted, row.slaBreached, row.resolvedAt, row.closedAt, row.slaPausedMs]).toEqual([true, true, T, null, 0]);
    expect((await userWithGroups(db, 'usr-off')).user).toMatchObject({ active: false, deactivatedAt: T, email: null });
  });

  test('absent rows are null or empty, and a user\'s groups come by name', async () => {
    const db = tdb.db;
    expect(await findVisibleIncident(db, 'INC-NONE', {})).toBeNull();
    expect(await findTokenByValue(db, KEY, 'itsm_p1_other')).toBeNull();
    expect(await findGroup(db, 'nobody')).toBeNull();
    expect(await outagesOf(db, [])).toEqual([]);
    expect(await userWithGroups(db, 'usr-on')).toMatchObject({ groups: [{ id: 'grp-a', name: 'alpha' }, { id: 'grp-b', name: 'bravo' }] });
    expect(await userWithGroups(db, 'usr-none')).toEqual({ user: null, groups: [] });
  });

  test("the caller's visibility applies: a restricted incident is found only by those who may see it", async () => {
    const db = tdb.db;
    const requester = { id: 'usr-req', name: 'R', role: 'requester' as const, groups: [] };
    const agent = { id: 'usr-on', name: 'On', role: 'agent' as const, groups: ['bravo'] };
    const admin = { id: 'usr-admin', name: 'A', role: 'admin' as const, groups: [] };
    for (const [who, ref, seen] of [[requester, 'INC-D1', false], [agent, 'INC-D1', true], [agent, 'inc-secret', false], [admin, 'inc-secret', true]] as const) {
      const prisma = await db.incident.findFirst({ where: { AND: [{ OR: [{ id: ref }, { number: ref }] }, incidentScope(who)] } });
      const driver = await findVisibleIncident(db, ref, incidentScope(who));
      expect([who.role, ref, driver !== null]).toEqual([who.role, ref, seen]);
      expect(driver).toEqual(prisma);
    }
  });

  test('references resolve in chunks: more keys than one statement takes', async () => {
    const views = Array.from({ length: 1_203 }, (_, i) => ({ group: i % 2 ? 'alpha' : `missing-${i}` }));
    const read = await readReferences(tdb.db, views, (v) => ({ groupIdByName: [v.group] }));
    expect([read('groupIdByName', 'alpha'), read('groupIdByName', 'missing-4'), read('groupIdByName', null)]).toEqual(['grp-a', null, null]);
    expect(await selectRows(tdb.db, 'Group', 'SELECT "name" FROM "Group" ORDER BY "name"')).toEqual([{ name: 'alpha' }, { name: 'bravo' }]);
  });
});
