/**
 * The CMDB graph at scale and in time, on SQLite and PostgreSQL: impact pages through a large
 * set with no CI missing or repeated (checked against a recursive SQL walk of the table),
 * relationships and impact as they were at an instant (`?at=`), and a second process's graph
 * catching up with writes made through another client (the change log).
 */
import { Prisma } from '../../generated/prisma-sqlite/client';
import { createDb, type Db } from '../../db/client';
import { addRelationshipsTx, createCisTx } from '../../db/ci-bulk';
import { removeRelationship, updateCi } from '../../db/ci-store';
import { startApiOnly, type ApiOnly } from '../support/api-only';
import { createTestDatabase, PROVIDERS, type TestDatabase } from '../support/database';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything within `depth` hops downstream of `ciId`, with its shortest distance, by recursive SQL over the table itself. */
async function sqlReach(db: Db, ciId: string, depth: number): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ ci: string; d: number | bigint }[]>(Prisma.sql`
    WITH RECURSIVE reach(ci, d) AS (
      SELECT CAST(${ciId} AS TEXT), CAST(0 AS INTEGER)
      UNION
      SELECT r."sourceId", reach.d + 1 FROM reach JOIN "CiRelationship" r ON r."targetId" = reach.ci WHERE reach.d < ${depth}
    )
    SELECT ci, MIN(d) AS d FROM reach GROUP BY ci`);
  return new Map(rows.filter((r) => r.ci !== ciId).map((r) => [r.ci, Number(r.d)]));
}

describe.each(PROVIDERS)('CMDB graph on %s', (provider) => {
  let tdb: TestDatabase;
  let http: ApiOnly;
  const api = (method: string, path: string, body?: unknown) => http.api(method, path, body);

  beforeAll(async () => {
    tdb = await createTestDatabase(provider);
    http = await startApiOnly(tdb.db);
  });
  afterAll(async () => {
    await http.close();
    await tdb.dispose();
  });

  const ci = async (name: string, cls = 'server') => {
    const res = await api('POST', '/cis', { name, class: cls });
    expect(res.status).toBe(201);
    return res.body as { id: string; number: string };
  };
  const relate = async (source: { id: string }, target: { id: string }, type = 'depends_on') => {
    const res = await api('POST', `/cis/${source.id}/relationships`, { type, targetId: target.id });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };

  it('pages through an impact set of 1,800 CIs: each exactly once, as counted, and the same set and distances as a recursive SQL walk', async () => {
    const at = new Date();
    const ctx = { actor: 'test', at };
    // A storage array; 60 hosts use it; 20 VMs on each host; every 20th VM runs an application, which 6 services depend on.
    const [array] = await tdb.db.$transaction((tx) => createCisTx(tx, [{ name: 'array-big', class: 'storage' }], ctx));
    const hosts = await tdb.db.$transaction((tx) => createCisTx(tx, Array.from({ length: 60 }, (_, i) => ({ name: `host-${i}`, class: 'server' })), ctx));
    const vms = await tdb.db.$transaction((tx) => createCisTx(tx, Array.from({ length: 1200 }, (_, i) => ({ name: `vm-${i}`, class: 'virtual_machine' })), ctx));
    const apps = await tdb.db.$transaction((tx) => createCisTx(tx, Array.from({ length: 60 }, (_, i) => ({ name: `app-${i}`, class: 'application' })), ctx));
    const services = await tdb.db.$transaction((tx) => createCisTx(tx, Array.from({ length: 480 }, (_, i) => ({ name: `svc-${i}`, class: 'service' })), ctx));
    const links = [
      ...hosts.map((h) => ({ sourceId: h.id, targetId: array.id, type: 'uses' })),
      ...vms.map((v, i) => ({ sourceId: v.id, targetId: hosts[i % 60].id, type: 'hosted_on' })),
      ...apps.map((a, i) => ({ sourceId: a.id, targetId: vms[i * 20].id, type: 'runs_on' })),
      ...services.map((s, i) => ({ sourceId: s.id, targetId: apps[i % 60].id, type: 'depends_on' })),
    ];
    // In batches, as the CSV import writes them (one statement bumps every source's version).
    for (let i = 0; i < links.length; i += 200) await tdb.db.$transaction((tx) => addRelationshipsTx(tx, links.slice(i, i + 200), ctx));
    const reference = await sqlReach(tdb.db, array.id, 10);
    expect(reference.size).toBe(60 + 1200 + 60 + 480);

    const first = await api('GET', `/cis/${array.number}/impact`);
    expect(first.status).toBe(200);
    expect(first.body.counts).toEqual({ total: 1800, byClass: { server: 60, virtual_machine: 1200, application: 60, service: 480 }, byDistance: { '1': 60, '2': 1200, '3': 60, '4': 480 } });
    expect(first.body.affected).toHaveLength(50);
    // The nearest 100 services in the answer, all 480 counted, and every one through ?class=service.
    expect(first.body.servicesTotal).toBe(480);
    expect(first.body.services).toHaveLength(100);
    expect(first.body.services[0]).toMatchObject({ class: 'service', distance: 4, retired: false });
    expect(first.body.services[0].path).toHaveLength(5);
    const allServices: { number: string; class: string }[] = [];
    for (let cursor: string | null = null; ; ) {
      const res = await api('GET', `/cis/${array.id}/impact?class=service&limit=150${cursor ? `&cursor=${cursor}` : ''}`);
      allServices.push(...res.body.affected);
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(allServices).toHaveLength(480);
    expect(new Set(allServices.map((x) => x.class))).toEqual(new Set(['service']));
    expect(allServices.slice(0, 100).map((x) => x.number)).toEqual(first.body.services.map((x: { number: string }) => x.number));

    for (const limit of [500, 173]) {
      const seen = new Map<string, number>();
      let previous: [number, string] = [0, ''];
      let pages = 0;
      for (let cursor: string | null = null; ; ) {
        const res = await api('GET', `/cis/${array.id}/impact?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        pages++;
        for (const a of res.body.affected as { id: string; number: string; distance: number }[]) {
          expect(seen.has(a.id)).toBe(false);
          seen.set(a.id, a.distance);
          // (distance, number) order across pages.
          expect(a.distance > previous[0] || (a.distance === previous[0] && a.number > previous[1])).toBe(true);
          previous = [a.distance, a.number];
        }
        cursor = res.body.nextCursor;
        if (!cursor) break;
      }
      expect(pages).toBe(Math.ceil(1800 / limit));
      expect(seen).toEqual(reference);
    }

    // A cursor this API did not make is a 400 naming it; a limit over 500 too.
    const bad = await api('GET', `/cis/${array.id}/impact?cursor=page-2`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.cursor']);
    expect((await api('GET', `/cis/${array.id}/impact?limit=501`)).body.errors.map((e: { path: string }) => e.path)).toEqual(['query.limit']);
  });

  it('?at= answers with the relationships, and the impact, as they were at that instant', async () => {
    const disk = await ci('san-at', 'storage');
    const host = await ci('host-at');
    const vm = await ci('vm-at', 'virtual_machine');
    const svc = await ci('svc-at', 'service');
    const r1 = await relate(host, disk, 'uses');
    await relate(vm, host, 'hosted_on');
    await sleep(20);
    const t1 = new Date();
    await sleep(20);
    await api('DELETE', `/cis/${host.id}/relationships/${r1.id}`).then((r) => expect(r.status).toBe(204));
    await relate(svc, vm);
    const other = await ci('host-at-2');
    await relate(other, disk, 'uses');
    await sleep(20);
    const t2 = new Date();

    const relsThen = await api('GET', `/cis/${disk.number}/relationships?at=${t1.toISOString()}`);
    expect(relsThen.status).toBe(200);
    expect(relsThen.body.incoming.map((r: { id: string; source: { number: string } }) => [r.id, r.source.number])).toEqual([[r1.id, host.number]]);
    const relsNow = await api('GET', `/cis/${disk.number}/relationships`);
    expect(relsNow.body.incoming.map((r: { source: { number: string } }) => r.source.number)).toEqual([other.number]);
    expect((await api('GET', `/cis/${disk.number}/relationships?at=${t2.toISOString()}`)).body).toEqual(relsNow.body);

    const then = await api('GET', `/cis/${disk.id}/impact?at=${t1.toISOString()}`);
    expect(then.status).toBe(200);
    expect(then.body.at).toBe(t1.toISOString());
    expect(then.body.affected.map((a: { number: string; path: string[] }) => [a.number, a.path])).toEqual([
      [host.number, [disk.number, host.number]],
      [vm.number, [disk.number, host.number, vm.number]],
    ]);
    expect(then.body.services).toEqual([]);
    const now = await api('GET', `/cis/${disk.id}/impact`);
    expect(now.body.at).toBeNull();
    expect(now.body.affected.map((a: { number: string }) => a.number)).toEqual([other.number]);
    // The VM still reaches the service upstream of it now, not before t1.
    expect((await api('GET', `/cis/${vm.id}/impact?at=${t1.toISOString()}`)).body.counts.total).toBe(0);
    expect((await api('GET', `/cis/${vm.id}/impact`)).body.services.map((s: { number: string }) => s.number)).toEqual([svc.number]);
    // Before anything was related: nothing; a malformed instant is a 400 naming it.
    expect((await api('GET', `/cis/${disk.id}/impact?at=2001-01-01T00:00:00Z`)).body.counts.total).toBe(0);
    const bad = await api('GET', `/cis/${disk.id}/impact?at=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.at']);
    expect((await api('GET', `/cis/${disk.id}/relationships?at=yesterday`)).status).toBe(400);
  });

  it("another process's writes reach this process's graph before its next walk: relationships added and removed, a class changed", async () => {
    // A second client on the same database stands for another API replica or worker.
    const other = createDb(tdb.url);
    try {
      const db = other;
      await db.configurationItem.count(); // it answers: a wrong URL would only show as a missing relationship
      const a = await ci('proc-a', 'storage');
      const b = await ci('proc-b');
      expect((await api('GET', `/cis/${a.id}/impact`)).body.counts.total).toBe(0); // this process's graph is loaded now
      const [rel] = await db.$transaction((tx) => addRelationshipsTx(tx, [{ sourceId: b.id, targetId: a.id, type: 'uses' }], { actor: 'other', at: new Date() }));
      expect((await api('GET', `/cis/${a.id}/impact`)).body.counts).toEqual({ total: 1, byClass: { server: 1 }, byDistance: { '1': 1 } });
      // No endpoint changes a class; the store can, and logs it (the other client here, as the removal).
      await updateCi(db, await db.configurationItem.findUniqueOrThrow({ where: { id: b.id } }), { class: 'application' }, { actor: 'other' });
      expect((await api('GET', `/cis/${a.id}/impact`)).body.counts.byClass).toEqual({ application: 1 });
      // A name or status changed through the API shows in the next answer (the graph carries them, no read per CI).
      expect((await api('PATCH', `/cis/${b.id}`, { name: 'proc-b-renamed', status: 'maintenance' })).status).toBe(200);
      expect((await api('GET', `/cis/${a.id}/impact`)).body.affected).toEqual([expect.objectContaining({ id: b.id, name: 'proc-b-renamed', class: 'application', status: 'maintenance', retired: false })]);
      await removeRelationship(db, rel.id, { actor: 'other' });
      expect((await api('GET', `/cis/${a.id}/impact`)).body.counts.total).toBe(0);
    } finally {
      await other.$disconnect();
    }
  });
});
