import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  crc32,
  impactOf,
  loadVolvoIncidents,
  parseCsv,
  readZipEntry,
  summarise,
  toApiSteps,
  type ApiStep,
  type VolvoEvent,
  type VolvoIncident,
} from '../../bench/volvo-log';

// ------------------------------------------------------------------------------------------------
// CSV

describe('parseCsv', () => {
  it('parses a quoted field with a comma and a doubled quote', () => {
    const text = 'id,name,note\r\n1,"Smith, John","He said ""hi"", then left"\r\n2,plain,\r\n';
    expect(parseCsv(text)).toEqual([
      ['id', 'name', 'note'],
      ['1', 'Smith, John', 'He said "hi", then left'],
      ['2', 'plain', ''],
    ]);
  });

  it('handles LF and CRLF, a BOM, empty fields, a quoted line break and no final newline', () => {
    const text = '\uFEFFa,b,c\n"x\r\ny",,"" \r\n,,\n"""",q,"a,b"';
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['x\r\ny', '', ' '],
      ['', '', ''],
      ['"', 'q', 'a,b'],
    ]);
  });

  it('keeps a trailing empty field and returns nothing for empty input', () => {
    expect(parseCsv('a,\n')).toEqual([['a', '']]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('\uFEFF')).toEqual([]);
  });

  it('rejects an unterminated quoted field', () => {
    expect(() => parseCsv('a,"b\nc')).toThrow(/unterminated/);
  });
});

// ------------------------------------------------------------------------------------------------
// Zip

/** A minimal zip writer (stored and deflated entries) to exercise readZipEntry on both methods. */
function makeZip(entries: { name: string; data: Buffer; method: 0 | 8 }[], corruptCrcOf?: string): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.method === 8 ? zlib.deflateRawSync(e.data) : e.data;
    const crc = (zlib.crc32(e.data) ^ (e.name === corruptCrcOf ? 1 : 0)) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800 | 0x0008, 6); // UTF-8 names; sizes in a (here omitted) data descriptor
    local.writeUInt16LE(e.method, 8);
    // crc / sizes left zero in the local header, as with a data descriptor
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800 | 0x0008, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

describe('readZipEntry', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'volvo-zip-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const text = Buffer.from('hello, zip — '.repeat(500), 'utf8');

  it('reads stored and deflated entries', () => {
    const file = path.join(dir, 'ok.zip');
    fs.writeFileSync(
      file,
      makeZip([
        { name: 'dir/stored.txt', data: text, method: 0 },
        { name: 'dir/deflated.txt', data: text, method: 8 },
        { name: 'empty.txt', data: Buffer.alloc(0), method: 0 },
      ]),
    );
    expect(readZipEntry(file, 'dir/stored.txt').equals(text)).toBe(true);
    expect(readZipEntry(file, 'dir/deflated.txt').equals(text)).toBe(true);
    expect(readZipEntry(file, 'empty.txt').length).toBe(0);
    expect(() => readZipEntry(file, 'missing.txt')).toThrow(/no entry 'missing.txt'/);
  });

  it('detects a CRC mismatch', () => {
    const file = path.join(dir, 'bad.zip');
    fs.writeFileSync(file, makeZip([{ name: 'a.txt', data: text, method: 8 }], 'a.txt'));
    expect(() => readZipEntry(file, 'a.txt')).toThrow(/CRC-32 mismatch/);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(text)).toBe(zlib.crc32(text));
  });
});

// ------------------------------------------------------------------------------------------------
// Hand-built lifecycles

let clock = Date.UTC(2011, 0, 1);
function ev(status: string, subStatus: string, team = 'V30', tier = 'L1', impact: VolvoEvent['impact'] = 'Medium'): VolvoEvent {
  clock += 60_000;
  return { at: new Date(clock), status, subStatus, team, tier, impact, product: 'PROD1', country: 'se', owner: 'Ann' };
}
const inc = (...events: VolvoEvent[]): VolvoIncident => ({ srNumber: 'T-1', events });

const IP = ['Accepted', 'In Progress'] as const;
const Q = ['Queued', 'Awaiting Assignment'] as const;
const AS = ['Accepted', 'Assigned'] as const;
const RES = ['Completed', 'Resolved'] as const;
const CLO = ['Completed', 'Closed'] as const;
const CALL = ['Completed', 'In Call'] as const;
const CAN = ['Completed', 'Cancelled'] as const;

describe('toApiSteps', () => {
  it('queue, work, wait on the user, resolve, close', () => {
    expect(
      toApiSteps(inc(ev(...Q), ev(...IP), ev('Accepted', 'Wait - User'), ev(...IP), ev(...RES), ev(...CLO))),
    ).toEqual<ApiStep[]>([
      { kind: 'assign', group: 'V30', tier: 'L1' },
      { kind: 'acknowledge' },
      { kind: 'hold', reason: 'awaiting_caller' },
      { kind: 'resume' },
      { kind: 'resolve' },
      { kind: 'close' },
    ]);
  });

  it('escalates tiers, skips repeats, reopens after resolution, ignores Unmatched, resolves in call', () => {
    expect(
      toApiSteps(
        inc(
          ev(...IP, 'V30', 'L1'),
          ev(...IP, 'V30', 'L1'), // repeat: nothing
          ev(...Q, 'V5 3rd', 'L3'),
          ev(...AS, 'V5 3rd', 'L3'), // already assigned there: nothing
          ev(...IP, 'V5 3rd', 'L3'),
          ev(...RES, 'V5 3rd', 'L3'),
          ev(...Q, 'V30', 'L1'), // after resolved: reopen then assign
          ev('Unmatched', 'Unmatched'),
          ev(...CALL, 'V30', 'L1'),
        ),
      ),
    ).toEqual<ApiStep[]>([
      { kind: 'assign', group: 'V30', tier: 'L1' },
      { kind: 'acknowledge' },
      { kind: 'assign', group: 'V5 3rd', tier: 'L3' },
      { kind: 'acknowledge' },
      { kind: 'resolve' },
      { kind: 'reopen' },
      { kind: 'assign', group: 'V30', tier: 'L1' },
      { kind: 'resolve' },
    ]);
  });

  it('maps every kind of wait, reassigns while on hold and resolves from on hold', () => {
    expect(
      toApiSteps(
        inc(
          ev(...IP, 'A', 'L1'),
          ev('Accepted', 'Wait - Vendor', 'A', 'L1'),
          ev('Accepted', 'Wait - Vendor', 'A', 'L1'), // same hold: nothing
          ev('Accepted', 'Wait - Implementation', 'A', 'L1'), // other reason: resume, hold
          ev('Accepted', 'Wait', 'A', 'L1'), // still 'other': nothing
          ev(...Q, 'B', 'L2'), // assign is allowed from on_hold
          ev('Accepted', 'Wait - Customer', 'B', 'L2'), // hold from assigned
          ev(...IP, 'C', 'L2'), // team change while on hold: assign, then acknowledge
          ev(...RES, 'Z', 'L3'), // Completed rows never reassign
          ev(...RES, 'Z', 'L3'), // already resolved: nothing
          ev(...CLO, 'Z', 'L3'),
          ev(...IP, 'A', 'L1'), // after closed: ignored
        ),
      ),
    ).toEqual<ApiStep[]>([
      { kind: 'assign', group: 'A', tier: 'L1' },
      { kind: 'acknowledge' },
      { kind: 'hold', reason: 'awaiting_supplier' },
      { kind: 'resume' },
      { kind: 'hold', reason: 'other' },
      { kind: 'assign', group: 'B', tier: 'L2' },
      { kind: 'hold', reason: 'awaiting_caller' },
      { kind: 'assign', group: 'C', tier: 'L2' },
      { kind: 'acknowledge' },
      { kind: 'resolve' },
      { kind: 'close' },
    ]);
  });

  it('a first Wait row assigns first; a tier change alone is a reassignment; resume from on hold', () => {
    expect(
      toApiSteps(inc(ev('Accepted', 'Wait - User', 'A', 'L1'), ev(...IP, 'A', 'L1'), ev(...IP, 'A', 'L2'), ev(...AS, 'A', 'L2'))),
    ).toEqual<ApiStep[]>([
      { kind: 'assign', group: 'A', tier: 'L1' },
      { kind: 'hold', reason: 'awaiting_caller' },
      { kind: 'resume' },
      { kind: 'assign', group: 'A', tier: 'L2' },
      { kind: 'acknowledge' },
      { kind: 'assign', group: 'A', tier: 'L2' }, // in_progress -> assigned: a real change of state
    ]);
  });

  it('cancels only from new or assigned, otherwise resolves and closes', () => {
    expect(toApiSteps(inc(ev(...CAN)))).toEqual<ApiStep[]>([{ kind: 'cancel' }]);
    expect(toApiSteps(inc(ev(...Q), ev(...CAN), ev(...IP)))).toEqual<ApiStep[]>([
      { kind: 'assign', group: 'V30', tier: 'L1' },
      { kind: 'cancel' },
    ]);
    expect(toApiSteps(inc(ev(...IP), ev(...CAN)))).toEqual<ApiStep[]>([
      { kind: 'assign', group: 'V30', tier: 'L1' },
      { kind: 'acknowledge' },
      { kind: 'resolve' },
      { kind: 'close' },
    ]);
    expect(toApiSteps(inc(ev(...IP), ev('Accepted', 'Wait'), ev(...CAN)))).toEqual<ApiStep[]>([
      { kind: 'assign', group: 'V30', tier: 'L1' },
      { kind: 'acknowledge' },
      { kind: 'hold', reason: 'other' },
      { kind: 'resolve' },
      { kind: 'close' },
    ]);
    expect(toApiSteps(inc(ev(...CALL), ev(...CAN)))).toEqual<ApiStep[]>([{ kind: 'resolve' }, { kind: 'close' }]);
  });

  it('closes straight from new by resolving first; first-contact resolution from new', () => {
    expect(toApiSteps(inc(ev(...CLO)))).toEqual<ApiStep[]>([{ kind: 'resolve' }, { kind: 'close' }]);
    expect(toApiSteps(inc(ev(...CALL)))).toEqual<ApiStep[]>([{ kind: 'resolve' }]);
    expect(toApiSteps(inc(ev('Unmatched', 'Unmatched')))).toEqual<ApiStep[]>([]);
  });

  it('rejects an unknown Volvo status', () => {
    expect(() => toApiSteps(inc(ev('Accepted', 'Daydreaming')))).toThrow(/unknown Volvo status/);
  });
});

describe('impactOf', () => {
  it.each<[VolvoEvent['impact'], string, string]>([
    ['Major', 'high', 'high'],
    ['High', 'high', 'medium'],
    ['Medium', 'medium', 'medium'],
    ['Low', 'low', 'low'],
  ])('%s -> %s/%s, from the last event', (volvo, impact, urgency) => {
    expect(impactOf(inc(ev(...Q, 'A', 'L1', 'Low'), ev(...IP, 'A', 'L1', volvo)))).toEqual({ impact, urgency });
  });
});

// ------------------------------------------------------------------------------------------------
// The real log

/**
 * The product's state machine, written here from the rules (not imported), to check the mapping.
 */
type S = 'new' | 'assigned' | 'in_progress' | 'on_hold' | 'resolved' | 'closed' | 'cancelled';
const RULES: Record<ApiStep['kind'], { from: S[]; to: S }> = {
  assign: { from: ['new', 'assigned', 'in_progress', 'on_hold'], to: 'assigned' },
  acknowledge: { from: ['new', 'assigned'], to: 'in_progress' },
  hold: { from: ['assigned', 'in_progress'], to: 'on_hold' },
  resume: { from: ['on_hold'], to: 'in_progress' },
  resolve: { from: ['new', 'assigned', 'in_progress', 'on_hold'], to: 'resolved' },
  reopen: { from: ['resolved'], to: 'in_progress' },
  close: { from: ['resolved'], to: 'closed' },
  cancel: { from: ['new', 'assigned'], to: 'cancelled' },
};

interface Sim {
  state: S;
  group?: string;
  tier?: string;
  reason?: string;
}
function simulate(steps: ApiStep[]): Sim | string {
  const sim: Sim = { state: 'new' };
  for (const [i, step] of steps.entries()) {
    const rule = RULES[step.kind];
    if (!rule.from.includes(sim.state)) return `step ${i} ${step.kind} from ${sim.state}`;
    sim.state = rule.to;
    if (step.kind === 'assign') {
      if (!step.group || !step.tier) return `step ${i}: assign without group/tier`;
      sim.group = step.group;
      sim.tier = step.tier;
    }
    if (step.kind === 'hold') sim.reason = step.reason;
  }
  return sim;
}

/** What the real lifecycle says the incident should end as: the status reached before any close. */
function expectedEnd(incident: VolvoIncident): { states: S[]; reason?: string; team?: string; tier?: string } {
  let last: VolvoEvent | undefined;
  for (const e of incident.events) {
    if (e.status === 'Unmatched') continue;
    last = e;
    if (e.status === 'Completed' && (e.subStatus === 'Closed' || e.subStatus === 'Cancelled')) break;
  }
  if (!last) return { states: ['new'] };
  const { status, subStatus: sub } = last;
  const here = { team: last.team, tier: last.tier };
  if (status === 'Completed') {
    if (sub === 'Closed') return { states: ['closed'] };
    if (sub === 'Cancelled') return { states: ['cancelled', 'closed'] };
    if (sub === 'Resolved' || sub === 'In Call') return { states: ['resolved'] };
  }
  if (status === 'Queued' || sub === 'Assigned') return { states: ['assigned'], ...here };
  if (sub === 'In Progress') return { states: ['in_progress'], ...here };
  if (sub === 'Wait - User' || sub === 'Wait - Customer') return { states: ['on_hold'], reason: 'awaiting_caller', ...here };
  if (sub === 'Wait - Vendor') return { states: ['on_hold'], reason: 'awaiting_supplier', ...here };
  if (sub.startsWith('Wait')) return { states: ['on_hold'], reason: 'other', ...here };
  throw new Error(`unexpected status ${status}/${sub}`);
}

describe('the BPIC 2013 Volvo IT incident log', () => {
  let incidents: VolvoIncident[];
  beforeAll(() => {
    incidents = loadVolvoIncidents();
  });

  it('has 7,554 incidents and 65,533 events, cached across calls', () => {
    expect(incidents).toHaveLength(7554);
    expect(incidents.reduce((n, i) => n + i.events.length, 0)).toBe(65_533);
    expect(new Set(incidents.map((i) => i.srNumber)).size).toBe(7554);
    expect(loadVolvoIncidents()).toBe(incidents);
  });

  it('orders incidents by first event and events by time', () => {
    const bad: string[] = [];
    for (let k = 1; k < incidents.length; k++) {
      if (incidents[k].events[0].at < incidents[k - 1].events[0].at) bad.push(`incident ${k} starts too early`);
    }
    for (const i of incidents) {
      if (i.events.length === 0) bad.push(`${i.srNumber} has no events`);
      for (let k = 1; k < i.events.length; k++) {
        if (i.events[k].at < i.events[k - 1].at) bad.push(`${i.srNumber} out of order at ${k}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('reads the first incident, 1-364285768, as at the top of the CSV', () => {
    const first = incidents[0];
    expect(first.srNumber).toBe('1-364285768');
    expect(first.events[0]).toEqual({
      at: new Date('2010-03-31T14:59:42.000Z'),
      status: 'Accepted',
      subStatus: 'In Progress',
      team: 'V30',
      tier: 'L1',
      impact: 'Medium',
      product: 'PROD582',
      country: 'fr',
      owner: 'Frederic',
    });
    const rows = first.events.map((e) => [e.at.toISOString(), e.status, e.subStatus, e.team, e.tier, e.owner]);
    expect(rows).toEqual([
      ['2010-03-31T14:59:42.000Z', 'Accepted', 'In Progress', 'V30', 'L1', 'Frederic'],
      ['2010-03-31T15:00:56.000Z', 'Accepted', 'In Progress', 'V30', 'L1', 'Frederic'],
      ['2010-03-31T15:45:48.000Z', 'Queued', 'Awaiting Assignment', 'V5 3rd', 'L3', 'Frederic'],
      ['2010-04-06T14:44:07.000Z', 'Accepted', 'In Progress', 'V5 3rd', 'L3', 'Anne Claire'],
      ['2010-04-06T14:44:38.000Z', 'Queued', 'Awaiting Assignment', 'V30', 'L1', 'Anne Claire'],
      ['2010-04-06T14:44:47.000Z', 'Accepted', 'In Progress', 'V13 2nd 3rd', 'L2/L3', 'Anne Claire'],
      ['2010-04-06T14:44:51.000Z', 'Completed', 'Resolved', 'V13 2nd 3rd', 'L2/L3', 'Anne Claire'],
      ['2010-04-06T14:45:07.000Z', 'Queued', 'Awaiting Assignment', 'V30', 'L1', 'Anne Claire'],
      ['2010-04-08T10:52:23.000Z', 'Accepted', 'In Progress', 'V30', 'L1', 'Eric'],
      ['2010-04-08T10:53:35.000Z', 'Queued', 'Awaiting Assignment', 'V5 3rd', 'L3', 'Eric'],
      ['2010-04-20T09:07:11.000Z', 'Accepted', 'In Progress', 'V5 3rd', 'L3', 'Anne Claire'],
      ['2010-04-20T09:07:19.000Z', 'Accepted', 'Assigned', 'V5 3rd', 'L3', 'Anne Claire'],
      ['2012-04-11T15:11:17.000Z', 'Accepted', 'In Progress', 'V5 3rd', 'L3', 'Sarah'],
      ['2012-04-11T15:11:25.000Z', 'Accepted', 'Assigned', 'V5 3rd', 'L3', 'Sarah'],
      ['2012-05-03T09:10:10.000Z', 'Accepted', 'In Progress', 'V5 3rd', 'L3', 'Loic'],
      ['2012-05-03T09:10:12.000Z', 'Completed', 'Resolved', 'V5 3rd', 'L3', 'Loic'],
      ['2012-05-10T23:26:15.000Z', 'Completed', 'Closed', 'V5 3rd', 'L3', 'Siebel'],
    ]);
    expect(first.events.every((e) => e.impact === 'Medium' && e.product === 'PROD582' && e.country === 'fr')).toBe(true);
    expect(impactOf(first)).toEqual({ impact: 'medium', urgency: 'medium' });

    const assign = (group: string, tier: string): ApiStep => ({ kind: 'assign', group, tier });
    expect(toApiSteps(first)).toEqual<ApiStep[]>([
      assign('V30', 'L1'), { kind: 'acknowledge' },
      assign('V5 3rd', 'L3'), { kind: 'acknowledge' },
      assign('V30', 'L1'),
      assign('V13 2nd 3rd', 'L2/L3'), { kind: 'acknowledge' },
      { kind: 'resolve' },
      { kind: 'reopen' }, assign('V30', 'L1'), { kind: 'acknowledge' },
      assign('V5 3rd', 'L3'), { kind: 'acknowledge' },
      assign('V5 3rd', 'L3'), { kind: 'acknowledge' },
      assign('V5 3rd', 'L3'), { kind: 'acknowledge' },
      { kind: 'resolve' },
      { kind: 'close' },
    ]);
  });

  it('has a simulator that rejects invalid sequences', () => {
    expect(simulate([{ kind: 'hold', reason: 'other' }])).toBe('step 0 hold from new');
    expect(simulate([{ kind: 'acknowledge' }, { kind: 'close' }])).toBe('step 1 close from in_progress');
    expect(simulate([{ kind: 'acknowledge' }, { kind: 'hold', reason: 'other' }, { kind: 'acknowledge' }])).toBe(
      'step 2 acknowledge from on_hold',
    );
    expect(simulate([{ kind: 'resolve' }, { kind: 'reopen' }, { kind: 'cancel' }])).toBe('step 2 cancel from in_progress');
    expect(simulate([{ kind: 'assign', group: 'A', tier: 'L1' }, { kind: 'cancel' }])).toEqual({ state: 'cancelled', group: 'A', tier: 'L1' });
  });

  it('replays every real incident through the state machine without an invalid transition', () => {
    const failures: string[] = [];
    const ends: Record<string, number> = {};
    for (const incident of incidents) {
      const steps = toApiSteps(incident);
      const sim = simulate(steps);
      if (typeof sim === 'string') {
        failures.push(`${incident.srNumber}: ${sim}`);
        continue;
      }
      ends[sim.state] = (ends[sim.state] ?? 0) + 1;
      const want = expectedEnd(incident);
      if (!want.states.includes(sim.state)) {
        failures.push(`${incident.srNumber}: ended ${sim.state}, expected ${want.states.join('|')}`);
      }
      if (want.reason && sim.reason !== want.reason) {
        failures.push(`${incident.srNumber}: on hold for ${sim.reason}, expected ${want.reason}`);
      }
      if (want.team && (sim.group !== want.team || sim.tier !== want.tier)) {
        failures.push(`${incident.srNumber}: with ${sim.group}/${sim.tier}, expected ${want.team}/${want.tier}`);
      }
      // Every assignment names a team and tier that the incident actually had.
      for (const s of steps) {
        if (s.kind === 'assign' && !incident.events.some((e) => e.team === s.group && e.tier === s.tier)) {
          failures.push(`${incident.srNumber}: assigned to unknown ${s.group}/${s.tier}`);
        }
      }
      // No step is a no-op repeat: the same hold twice, or an assign to the same team while assigned.
      for (let k = 1; k < steps.length; k++) {
        const [a, b] = [steps[k - 1], steps[k]];
        if (a.kind === 'assign' && b.kind === 'assign' && a.group === b.group && a.tier === b.tier) {
          failures.push(`${incident.srNumber}: repeated assign at step ${k}`);
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
    // Almost everything in the log was closed or resolved; a handful are still open.
    expect((ends.closed ?? 0) + (ends.resolved ?? 0)).toBeGreaterThan(7500);
    expect(Object.values(ends).reduce((a, b) => a + b, 0)).toBe(7554);
  });

  it('summarises the log', () => {
    const s = summarise(incidents);
    expect(s.incidents).toBe(7554);
    expect(s.events).toBe(65_533);
    expect(Object.values(s.stepsByKind).reduce((a, b) => a + b, 0)).toBe(s.steps);
    expect(s.ignoredEvents.unmatched).toBe(5);
    // From the raw rows (independent of the mapping):
    expect(s.waited).toEqual({ onUser: 2550, onVendor: 249, onUserOrVendor: 2692, shareOnUserOrVendor: 2692 / 7554 });
    expect(s.stepsByKind.close + s.stepsByKind.cancel).toBe((s.finalStates.closed ?? 0) + (s.finalStates.cancelled ?? 0));
    expect(s.stepsByKind.hold).toBeGreaterThanOrEqual(s.waited.onUserOrVendor);
    expect(s.tierEscalations.moves).toBeGreaterThanOrEqual(s.tierEscalations.incidents);
    expect(s.tierEscalations.incidents).toBeGreaterThan(1000);
    expect(Object.values(s.impact).reduce((a, b) => a + b, 0)).toBe(7554);
  });
});
