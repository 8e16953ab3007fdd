/**
 * The demo seed `npm start` runs at every start: a second run must add nothing, and the
 * demo data must be usable by the processes (a dependency graph for change impact, a
 * standard change template, the CAB with its manager).
 */
import { seedDemo } from '../../db/seed';
import { impactOf } from '../../db/impact';
import { createTestDatabase, type TestDatabase } from '../support/database';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => tdb?.dispose());

test('seeding twice leaves the same demo data', async () => {
  await seedDemo(tdb.db);
  const count = async () => ({
    users: await tdb.db.user.count(),
    cis: await tdb.db.configurationItem.count(),
    relationships: await tdb.db.ciRelationship.count(),
    versions: await tdb.db.ciVersion.count(),
    templates: await tdb.db.changeTemplate.count(),
    slas: await tdb.db.sla.count(),
  });
  const first = await count();
  await seedDemo(tdb.db);
  expect(await count()).toEqual(first);
  expect(first.relationships).toBe(3);
  expect(first.templates).toBe(1);
});

test('a change to mail-01 reaches the Email service through the demo graph', async () => {
  const mail = await tdb.db.configurationItem.findFirstOrThrow({ where: { name: 'mail-01' } });
  const affected = await impactOf(tdb.db, mail.id, { depth: 5, direction: 'downstream' });
  expect(affected.map((a) => a.name)).toEqual(['Exchange Online connector', 'Email']);
  const cab = await tdb.db.group.findUniqueOrThrow({ where: { name: 'cab' } });
  expect(cab.managerId).toBe('usr-change_manager');
});
