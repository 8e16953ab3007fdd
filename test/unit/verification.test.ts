import { attributeDrift, compareSnapshot, driftIncidentBody, sameValue, wantsIncident, type ObservedItem, type RecordedCi } from '../../domain/cmdb/verification';
import { CreateSnapshotBody } from '../../domain/schemas/discovery';
import { loadEnv } from '../../config/env';

let n = 0;
function ci(o: Partial<RecordedCi> & { class: string; name: string }): RecordedCi {
  n++;
  return { id: `ci_${n}`, number: `CI${String(n).padStart(7, '0')}`, status: 'live', attributes: {}, ...o };
}
const seen = (cls: string, name: string, attributes: Record<string, unknown> = {}): ObservedItem => ({ class: cls, name, attributes });

describe('compareSnapshot', () => {
  test('the three kinds of discrepancy, in a stable order', () => {
    const web = ci({ class: 'server', name: 'Web 1', attributes: { hostname: 'web01', ip: '10.0.0.1', os: 'Ubuntu 22.04', cpuCores: 4 } });
    const db = ci({ class: 'server', name: 'DB 1', attributes: { hostname: 'db01', ip: '10.0.0.2' } });
    const gone = ci({ class: 'server', name: 'Old', attributes: { hostname: 'old01' } });
    const result = compareSnapshot(
      [
        seen('server', 'web01', { hostname: 'web01', ip: '10.0.0.9', os: 'Ubuntu 22.04', cpuCores: 8 }),
        seen('server', 'db01', { hostname: 'DB01', ip: '10.0.0.2' }),
        seen('server', 'new01', { hostname: 'new01', ip: '10.0.0.3' }),
      ],
      [web, db, gone],
    );
    expect(result.classes).toEqual(['server']);
    expect(result.counts).toEqual({ observed: 3, recorded: 3, matched: 2, missingInCmdb: 1, missingInReality: 1, attributeDrift: 1, driftedFields: 2 });
    expect(result.discrepancies.map((d) => [d.kind, d.naturalKey])).toEqual([
      ['missing_in_cmdb', 'server:new01'],
      ['missing_in_reality', 'server:old01'],
      ['attribute_drift', 'server:web01'],
    ]);
    const [missing, absent, drift] = result.discrepancies;
    expect(missing).toMatchObject({ name: 'new01', ciId: null, observed: { hostname: 'new01', ip: '10.0.0.3' } });
    expect(absent).toMatchObject({ ciId: gone.id, ciNumber: gone.number, ciStatus: 'live', name: 'Old' });
    expect(drift).toMatchObject({ ciId: web.id, ciNumber: web.number, ciStatus: 'live', name: 'Web 1' });
    expect(drift.fields).toEqual([
      { field: 'cpuCores', recorded: 4, observed: 8 },
      { field: 'ip', recorded: '10.0.0.1', observed: '10.0.0.9' },
    ]);
  });

  test('natural keys: a class key attribute (hostname) matches whatever the names are, case-insensitively; other classes match by name', () => {
    const server = ci({ class: 'server', name: 'Payroll host', attributes: { hostname: 'PAY01' } });
    const app = ci({ class: 'application', name: 'Payroll', attributes: { version: '1.0' } });
    const result = compareSnapshot([seen('server', 'something else', { hostname: 'pay01' }), seen('application', 'payroll', { version: '1.0' })], [server, app]);
    expect(result.discrepancies).toEqual([]);
    expect(result.counts.matched).toBe(2);
    // Without its key attribute a server is known by name: a different identity.
    const byName = compareSnapshot([seen('server', 'Payroll host')], [server]);
    expect(byName.discrepancies.map((d) => d.kind).sort()).toEqual(['missing_in_cmdb', 'missing_in_reality']);
  });

  test('class scoping: only classes present in the snapshot can be missing in reality', () => {
    const router = ci({ class: 'network_device', name: 'core', attributes: { hostname: 'core-sw1' } });
    const lostSwitch = ci({ class: 'network_device', name: 'edge', attributes: { hostname: 'edge-sw9' } });
    const app = ci({ class: 'application', name: 'CRM' });
    const service = ci({ class: 'service', name: 'Email' });
    const result = compareSnapshot([seen('network_device', 'core-sw1', { hostname: 'core-sw1' })], [router, lostSwitch, app, service]);
    expect(result.classes).toEqual(['network_device']);
    expect(result.counts.recorded).toBe(2);
    expect(result.discrepancies).toEqual([expect.objectContaining({ kind: 'missing_in_reality', ciId: lostSwitch.id })]);
  });

  test('only CIs recorded as present (live, maintenance) can be missing in reality; CIs recorded after the scan cannot', () => {
    const takenAt = Date.parse('2026-11-29T02:00:00Z');
    const cis = [
      ci({ class: 'server', name: 'a', status: 'live', attributes: { hostname: 'a' } }),
      ci({ class: 'server', name: 'b', status: 'maintenance', attributes: { hostname: 'b' } }),
      ci({ class: 'server', name: 'c', status: 'planned', attributes: { hostname: 'c' } }),
      ci({ class: 'server', name: 'd', status: 'in_store', attributes: { hostname: 'd' } }),
      ci({ class: 'server', name: 'e', status: 'retired', attributes: { hostname: 'e' } }),
      ci({ class: 'server', name: 'f', status: 'live', attributes: { hostname: 'f' }, createdAt: takenAt + 1000 }),
      ci({ class: 'server', name: 'g', status: 'live', attributes: { hostname: 'g' }, createdAt: takenAt - 1000 }),
    ];
    const result = compareSnapshot([seen('server', 'x', { hostname: 'x' })], cis, { takenAt });
    expect(result.discrepancies.filter((d) => d.kind === 'missing_in_reality').map((d) => d.name)).toEqual(['a', 'b', 'g']);
  });

  test('an observed CI recorded only as retired is missing in the CMDB, naming the retired record', () => {
    const retired = ci({ class: 'server', name: 'zombie', status: 'retired', attributes: { hostname: 'zombie' } });
    const [d] = compareSnapshot([seen('server', 'zombie', { hostname: 'zombie' })], [retired]).discrepancies;
    expect(d).toMatchObject({ kind: 'missing_in_cmdb', ciId: retired.id, ciStatus: 'retired', note: expect.stringMatching(/retired/) });
  });

  test('drift compares only what discovery reported, field by field, tolerating text numbers and letter case', () => {
    expect(attributeDrift({ hostname: 'h', os: 'Ubuntu', memoryGb: 16 }, { hostname: 'H ', memoryGb: '16' })).toEqual([]);
    expect(attributeDrift({ os: 'Ubuntu' }, { os: 'Debian', ip: '10.1.1.1' })).toEqual([
      { field: 'ip', recorded: null, observed: '10.1.1.1' },
      { field: 'os', recorded: 'Ubuntu', observed: 'Debian' },
    ]);
    expect(attributeDrift({ nic: { mac: 'aa', speed: 1 } }, { nic: { mac: 'aa', speed: 10 } })).toEqual([{ field: 'nic.speed', recorded: 1, observed: 10 }]);
    expect(sameValue(4, '4.0')).toBe(true);
    expect(sameValue(4, 'four')).toBe(false);
    expect(sameValue(null, undefined)).toBe(true);
    expect(sameValue(null, '')).toBe(false);
    expect(sameValue(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
  });

  test('a repeated observation counts once; an empty snapshot covers nothing', () => {
    const s = ci({ class: 'server', name: 's', attributes: { hostname: 's' } });
    expect(compareSnapshot([seen('server', 's', { hostname: 's' }), seen('server', 'S', { hostname: 'S' })], [s]).counts).toMatchObject({ observed: 1, matched: 1 });
    expect(compareSnapshot([], [s])).toEqual({ classes: [], counts: { observed: 0, recorded: 0, matched: 0, missingInCmdb: 0, missingInReality: 0, attributeDrift: 0, driftedFields: 0 }, discrepancies: [] });
  });
});

describe('incidents for drift', () => {
  const drift = compareSnapshot(
    [seen('server', 'web01', { hostname: 'web01', ip: '10.0.0.9', os: 'Debian' })],
    [{ id: 'ci_web', number: 'CI0000042', name: 'Web 1', class: 'server', status: 'live', attributes: { hostname: 'web01', ip: '10.0.0.1', os: 'Ubuntu' } }],
  ).discrepancies[0];

  test('only drift on a CI in one of the configured statuses (default live) wants an incident', () => {
    expect(wantsIncident(drift)).toBe(true);
    expect(wantsIncident({ ...drift, ciStatus: 'maintenance' })).toBe(false);
    expect(wantsIncident({ ...drift, ciStatus: 'maintenance' }, ['live', 'maintenance'])).toBe(true);
    expect(wantsIncident({ ...drift, kind: 'missing_in_reality' })).toBe(false);
  });

  test('medium impact, low urgency, the CI and the fields in the title, ciId set, category cmdb_drift', () => {
    const body = driftIncidentBody(drift, { verificationId: 'ver_1', snapshotId: 'snp_1', source: 'netscan', takenAt: '2026-11-29T02:00:00.000Z' });
    expect(body).toMatchObject({ impact: 'medium', urgency: 'low', ciId: 'ci_web', category: 'cmdb_drift', type: 'incident' });
    expect(body.title).toBe('CMDB drift on CI0000042 Web 1: ip, os');
    expect(body.description).toContain('- ip: recorded 10.0.0.1, observed 10.0.0.9');
    expect(body.description).toContain('snp_1 from netscan');
    const many = { ...drift, fields: Array.from({ length: 100 }, (_, i) => ({ field: `field${i}`, recorded: 1, observed: 2 })) };
    expect(driftIncidentBody(many, { verificationId: 'v', snapshotId: 's' }).title.length).toBeLessThanOrEqual(300);
  });
});

describe('discovery snapshot body', () => {
  const paths = (body: unknown) => {
    const r = CreateSnapshotBody.safeParse(body);
    return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  };

  test('valid: attributes are checked against the class schema', () => {
    expect(paths({ source: 'scan', items: [{ class: 'server', name: 'a', attributes: { hostname: 'a', ip: '10.0.0.1' } }, { class: 'application', name: 'CRM' }] })).toEqual([]);
  });

  test('every bad field is named', () => {
    expect(
      paths({
        source: '',
        takenAt: 'yesterday',
        items: [
          { class: 'server', name: 'a', attributes: { ip: 'not-an-ip', cpuCores: -1 } },
          { class: 'toaster', name: 'b' },
          { class: 'server', name: '', surprise: true },
        ],
        extra: 1,
      }).sort(),
    ).toEqual(['', 'items.0.attributes.cpuCores', 'items.0.attributes.ip', 'items.1.class', 'items.2', 'items.2.name', 'source', 'takenAt'].sort());
    expect(paths({ source: 's', items: [] })).toEqual(['items']);
  });

  test('the same natural key twice is refused, naming both items', () => {
    const r = CreateSnapshotBody.safeParse({ source: 's', items: [{ class: 'server', name: 'x', attributes: { hostname: 'web01' } }, { class: 'server', name: 'y', attributes: { hostname: 'WEB01' } }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues).toEqual([expect.objectContaining({ path: ['items', 1], message: expect.stringMatching(/server:web01.*items\.0/) })]);
  });
});

describe('verification settings', () => {
  test('defaults: daily at 02:00 UTC, incidents for drift on live CIs', () => {
    expect(loadEnv({})).toMatchObject({ CMDB_VERIFICATION_CRON: '0 2 * * *', CMDB_VERIFICATION_TIMEZONE: 'UTC', CMDB_VERIFICATION_OPEN_INCIDENTS: true, CMDB_VERIFICATION_INCIDENT_STATUSES: ['live'] });
  });

  test('a cron expression, @daily or off; an IANA timezone; a list of CI statuses', () => {
    expect(loadEnv({ CMDB_VERIFICATION_CRON: '30  3 * * 1-5' }).CMDB_VERIFICATION_CRON).toBe('30 3 * * 1-5');
    expect(loadEnv({ CMDB_VERIFICATION_CRON: '@daily' }).CMDB_VERIFICATION_CRON).toBe('@daily');
    expect(loadEnv({ CMDB_VERIFICATION_CRON: 'off' }).CMDB_VERIFICATION_CRON).toBe('off');
    expect(loadEnv({ CMDB_VERIFICATION_INCIDENT_STATUSES: 'live, maintenance' }).CMDB_VERIFICATION_INCIDENT_STATUSES).toEqual(['live', 'maintenance']);
    expect(loadEnv({ CMDB_VERIFICATION_OPEN_INCIDENTS: 'false' }).CMDB_VERIFICATION_OPEN_INCIDENTS).toBe(false);
    expect(() => loadEnv({ CMDB_VERIFICATION_CRON: 'daily at two' })).toThrow(/CMDB_VERIFICATION_CRON:/);
    expect(() => loadEnv({ CMDB_VERIFICATION_TIMEZONE: 'Mars/Olympus' })).toThrow(/CMDB_VERIFICATION_TIMEZONE:/);
    expect(() => loadEnv({ CMDB_VERIFICATION_INCIDENT_STATUSES: 'live,broken' })).toThrow(/CMDB_VERIFICATION_INCIDENT_STATUSES/);
    expect(() => loadEnv({ CMDB_VERIFICATION_OPEN_INCIDENTS: 'sometimes' })).toThrow(/CMDB_VERIFICATION_OPEN_INCIDENTS:/);
  });
});
