/**
 * The BPI Challenge 2013 Volvo IT incident log (VINST) as replayable lifecycles.
 *
 * Source: BPI Challenge 2013 (Ward Steeman, Volvo IT Belgium), 4TU.ResearchData,
 * doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee — CSV conversion from IBM/processmining
 * (Apache-2.0). See shared/data/README.md.
 *
 * - `readZipEntry` reads one entry of a zip archive with Node only (central directory, stored or
 *   deflated, CRC-32 checked).
 * - `loadVolvoIncidents` parses `VolvoIT-Challenge/VINST-new.csv` into incidents (cached per path).
 * - `toApiSteps` maps one real lifecycle onto this product's incident commands so that every step
 *   is valid in sequence under `domain/incident/state-machine.ts`.
 *
 * Run directly (`tsx bench/volvo-log.ts [zipPath]`) to print `summarise()` as JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { nextState, type IncidentState } from '../domain/incident/state-machine';
import type { Level } from '../domain/priority';

export const DEFAULT_VOLVO_ZIP = path.join(__dirname, '..', '..', 'shared', 'data', 'bpic2013-volvo-incidents.zip');
export const VOLVO_CSV_ENTRY = 'VolvoIT-Challenge/VINST-new.csv';

// ---------------------------------------------------------------------------------------------
// Zip

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as used by zip). */
export function crc32(buf: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const t = crcTable;
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++) crc = t[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The uncompressed bytes of one entry of a zip archive. Uses the central directory (the local
 * header's sizes may be zero when a data descriptor follows the data). Supports stored (0) and
 * deflate (8) entries; no zip64, no encryption. Verifies size and CRC-32.
 */
export function readZipEntry(zipPath: string, entryName: string): Buffer {
  const zip = fs.readFileSync(zipPath);
  // End of central directory: 22 bytes + a comment of up to 65,535 bytes, at the end of the file.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipPath}: not a zip archive (no end of central directory)`);
  const entries = zip.readUInt16LE(eocd + 10);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdOffset === 0xffffffff) throw new Error(`${zipPath}: zip64 archives are not supported`);

  let p = cdOffset;
  const names: string[] = [];
  for (let e = 0; e < entries; e++) {
    if (zip.readUInt32LE(p) !== CEN_SIG) throw new Error(`${zipPath}: corrupt central directory at offset ${p}`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    names.push(name);
    if (name !== entryName) continue;

    if (flags & 0x1) throw new Error(`${zipPath}: ${name} is encrypted`);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      throw new Error(`${zipPath}: ${name} is a zip64 entry (not supported)`);
    }
    if (zip.readUInt32LE(localOffset) !== LOC_SIG) throw new Error(`${zipPath}: bad local header for ${name}`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    if (raw.length !== compressedSize) throw new Error(`${zipPath}: ${name} is truncated`);

    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = zlib.inflateRawSync(raw);
    else throw new Error(`${zipPath}: ${name} uses unsupported compression method ${method}`);

    if (data.length !== size) throw new Error(`${zipPath}: ${name} inflated to ${data.length} bytes, expected ${size}`);
    const actual = crc32(data);
    if (actual !== crc) {
      throw new Error(`${zipPath}: ${name} CRC-32 mismatch (${actual.toString(16)} != ${crc.toString(16)})`);
    }
    return data;
  }
  throw new Error(`${zipPath}: no entry '${entryName}' (entries: ${names.join(', ')})`);
}

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes (which may contain commas,
 * line breaks and doubled quotes `""`), records ended by CRLF, LF or a lone CR. A leading BOM is
 * stripped; a trailing line break does not make an empty last record. Throws on an unterminated
 * quoted field.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (i >= n) return rows;
  let row: string[] = [];
  for (;;) {
    // One field starts at i.
    let field: string;
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) throw new Error(`CSV: unterminated quoted field starting at offset ${i}`);
        value += text.slice(from, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          from = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // Be lenient about characters between the closing quote and the delimiter.
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
        j++;
      }
      field = value + text.slice(i, j);
      i = j;
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
        j++;
      }
      field = text.slice(i, j);
      i = j;
    }
    row.push(field);
    if (i >= n) {
      rows.push(row);
      return rows;
    }
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      continue; // next field (possibly empty, possibly at end of input)
    }
    // Line break: CRLF, LF or lone CR.
    i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    rows.push(row);
    row = [];
    if (i >= n) return rows;
  }
}

// ---------------------------------------------------------------------------------------------
// Incidents

export type VolvoImpact = 'Low' | 'Medium' | 'High' | 'Major';

export interface VolvoEvent {
  at: Date;
  status: string;
  subStatus: string;
  /** `Involved ST`: the support team holding the incident at this change. */
  team: string;
  /** `ST Level`: L1, L2, L3 (and a few `L2/L3`). */
  tier: 'L1' | 'L2' | 'L3' | string;
  /** `SR Latest Impact`. */
  impact: VolvoImpact;
  product: string;
  country: string;
  /** `Owner First Name`. */
  owner: string;
}

export interface VolvoIncident {
  srNumber: string;
  events: VolvoEvent[];
}

const IMPACTS: readonly string[] = ['Low', 'Medium', 'High', 'Major'];
const COLUMNS = {
  sr: 'SR Number',
  at: 'Change Date+Time',
  status: 'Status',
  subStatus: 'Sub Status',
  team: 'Involved ST',
  tier: 'ST Level',
  impact: 'SR Latest Impact',
  product: 'Product',
  country: 'Country',
  owner: 'Owner First Name',
} as const;

const cache = new Map<string, VolvoIncident[]>();

/** Parses VINST CSV text (header row first) into incidents; see `loadVolvoIncidents`. */
export function parseVolvoCsv(text: string): VolvoIncident[] {
  const rows = parseCsv(text);
  if (rows.length === 0) throw new Error('VINST CSV: empty');
  const header = rows[0];
  const col = {} as Record<keyof typeof COLUMNS, number>;
  for (const [key, name] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
    const idx = header.indexOf(name);
    if (idx < 0) throw new Error(`VINST CSV: missing column '${name}'`);
    col[key] = idx;
  }

  const bySr = new Map<string, VolvoIncident>();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.length === 1 && row[0] === '') continue; // blank line
    if (row.length !== header.length) {
      throw new Error(`VINST CSV: record ${r + 1} has ${row.length} fields, expected ${header.length}`);
    }
    const at = new Date(row[col.at]);
    if (Number.isNaN(at.getTime())) throw new Error(`VINST CSV: record ${r + 1}: bad time '${row[col.at]}'`);
    const impact = row[col.impact];
    if (!IMPACTS.includes(impact)) throw new Error(`VINST CSV: record ${r + 1}: unknown impact '${impact}'`);
    const srNumber = row[col.sr];
    let incident = bySr.get(srNumber);
    if (!incident) {
      incident = { srNumber, events: [] };
      bySr.set(srNumber, incident);
    }
    incident.events.push({
      at,
      status: row[col.status],
      subStatus: row[col.subStatus],
      team: row[col.team],
      tier: row[col.tier],
      impact: impact as VolvoImpact,
      product: row[col.product],
      country: row[col.country],
      owner: row[col.owner],
    });
  }

  const incidents = [...bySr.values()];
  // Rows are already in time order per incident; the stable sort only guards against a file that
  // is not (equal timestamps keep file order).
  for (const inc of incidents) {
    if (inc.events.some((e, k) => k > 0 && e.at.getTime() < inc.events[k - 1].at.getTime())) {
      inc.events.sort((a, b) => a.at.getTime() - b.at.getTime());
    }
  }
  // Order of first event (stable: ties keep first-appearance order). The file itself is not.
  incidents.sort((a, b) => a.events[0].at.getTime() - b.events[0].at.getTime());
  return incidents;
}

/**
 * All incidents of the VINST log, in order of their first event, each with its events in time
 * order. The result is cached per path and shared: do not mutate it.
 */
export function loadVolvoIncidents(zipPath: string = DEFAULT_VOLVO_ZIP): VolvoIncident[] {
  const key = path.resolve(zipPath);
  const hit = cache.get(key);
  if (hit) return hit;
  const text = readZipEntry(key, VOLVO_CSV_ENTRY).toString('utf8');
  const incidents = parseVolvoCsv(text);
  cache.set(key, incidents);
  return incidents;
}

// ---------------------------------------------------------------------------------------------
// Mapping onto the product's incident commands

export type HoldReason = 'awaiting_caller' | 'awaiting_supplier' | 'other';

export type ApiStep =
  | { kind: 'assign'; group: string; tier: string }
  | { kind: 'acknowledge' }
  | { kind: 'hold'; reason: HoldReason }
  | { kind: 'resume' }
  | { kind: 'resolve' }
  | { kind: 'reopen' }
  | { kind: 'close' }
  | { kind: 'cancel' };

export type ApiStepKind = ApiStep['kind'];
export const API_STEP_KINDS: readonly ApiStepKind[] = [
  'assign', 'acknowledge', 'hold', 'resume', 'resolve', 'reopen', 'close', 'cancel',
];

/** Hold reason of an `Accepted/Wait…` sub-status. */
export function holdReasonOf(subStatus: string): HoldReason {
  switch (subStatus) {
    case 'Wait - User':
    case 'Wait - Customer':
      return 'awaiting_caller';
    case 'Wait - Vendor':
      return 'awaiting_supplier';
    default:
      return 'other'; // 'Wait - Implementation', 'Wait'
  }
}

export interface Replay {
  steps: ApiStep[];
  /** When each step happened: the time of the log row it came from (epoch ms). */
  times: number[];
  /** State after the last step (the incident starts in `new`). */
  finalState: IncidentState;
  /** `Unmatched` rows (ignored). */
  unmatched: number;
  /** Rows after the incident was closed or cancelled: terminal here, reopened in 120 real cases. */
  afterTerminal: number;
}

/**
 * Replays one lifecycle (starting in `new`) and returns the steps with the simulated end state.
 *
 * Rules (every step is checked against `domain/incident/state-machine`):
 * - `Queued/Awaiting Assignment`, `Accepted/Assigned` → assign to the row's team and tier
 *   (skipped if already `assigned` to that team and tier); `reopen` first when resolved.
 * - Any `Accepted/*` row whose team or tier differs from the current assignment (or when there is
 *   none yet) is preceded by an assign: a change of team or tier is a reassignment.
 *   `Completed/*` rows never reassign (the resolving team is incidental).
 * - `Accepted/In Progress` → acknowledge from new/assigned, resume from on_hold, nothing if
 *   already in progress; `reopen` when resolved.
 * - `Accepted/Wait…` → hold (`Wait - User`/`Wait - Customer`: awaiting_caller, `Wait - Vendor`:
 *   awaiting_supplier, others: other); from on_hold with another reason: resume then hold; same
 *   reason: nothing; `reopen` first when resolved.
 * - `Completed/Resolved`, `Completed/In Call` → resolve (nothing if already resolved).
 * - `Completed/Closed` → close, resolving first if needed.
 * - `Completed/Cancelled` → cancel from new/assigned, otherwise resolve (if needed) then close.
 * - `Unmatched` → ignored; everything after closed/cancelled → ignored (terminal states).
 */
export function replayVolvoIncident(incident: VolvoIncident): Replay {
  const steps: ApiStep[] = [];
  const times: number[] = [];
  let rowAt = 0;
  let state = 'new' as IncidentState;
  let group = null as string | null;
  let tier: string | null = null;
  let reason = null as HoldReason | null;
  let unmatched = 0;
  let afterTerminal = 0;

  const emit = (step: ApiStep): void => {
    const next = nextState(state, step.kind);
    if (!next.ok) throw new Error(`${incident.srNumber}: mapping bug: ${next.reason}`);
    state = next.to;
    if (step.kind === 'assign') {
      group = step.group;
      tier = step.tier;
    }
    reason = step.kind === 'hold' ? step.reason : state === 'on_hold' ? reason : null;
    steps.push(step);
    times.push(rowAt);
  };
  const reopenIfResolved = (): void => {
    if (state === 'resolved') emit({ kind: 'reopen' });
  };
  const resolveIfOpen = (): void => {
    if (state !== 'resolved') emit({ kind: 'resolve' });
  };
  const assignTo = (e: VolvoEvent): void => emit({ kind: 'assign', group: e.team, tier: e.tier });
  const differs = (e: VolvoEvent): boolean => group === null || group !== e.team || tier !== e.tier;

  for (const e of incident.events) {
    rowAt = e.at.getTime();
    if (e.status === 'Unmatched') {
      unmatched++;
      continue;
    }
    if (state === 'closed' || state === 'cancelled') {
      afterTerminal++;
      continue;
    }
    const kind = `${e.status}/${e.subStatus}`;
    if (kind === 'Queued/Awaiting Assignment' || kind === 'Accepted/Assigned') {
      reopenIfResolved();
      if (state !== 'assigned' || differs(e)) assignTo(e);
    } else if (kind === 'Accepted/In Progress') {
      reopenIfResolved();
      if (differs(e)) assignTo(e);
      if (state === 'on_hold') emit({ kind: 'resume' });
      else if (state === 'new' || state === 'assigned') emit({ kind: 'acknowledge' });
    } else if (e.status === 'Accepted' && e.subStatus.startsWith('Wait')) {
      const why = holdReasonOf(e.subStatus);
      reopenIfResolved();
      if (differs(e)) assignTo(e);
      if (state === 'on_hold' && reason !== why) emit({ kind: 'resume' });
      if (state !== 'on_hold') emit({ kind: 'hold', reason: why });
    } else if (kind === 'Completed/Resolved' || kind === 'Completed/In Call') {
      resolveIfOpen();
    } else if (kind === 'Completed/Closed') {
      resolveIfOpen();
      emit({ kind: 'close' });
    } else if (kind === 'Completed/Cancelled') {
      if (state === 'new' || state === 'assigned') emit({ kind: 'cancel' });
      else {
        resolveIfOpen();
        emit({ kind: 'close' });
      }
    } else {
      throw new Error(`${incident.srNumber}: unknown Volvo status '${kind}'`);
    }
  }
  return { steps, times, finalState: state, unmatched, afterTerminal };
}

/** The product commands that replay one real lifecycle, each valid in sequence from `new`. */
export function toApiSteps(incident: VolvoIncident): ApiStep[] {
  return replayVolvoIncident(incident).steps;
}

const IMPACT_MAP: Record<VolvoImpact, { impact: Level; urgency: Level }> = {
  Major: { impact: 'high', urgency: 'high' },
  High: { impact: 'high', urgency: 'medium' },
  Medium: { impact: 'medium', urgency: 'medium' },
  Low: { impact: 'low', urgency: 'low' },
};

/** The product's impact and urgency for an incident, from its last event's `SR Latest Impact`. */
export function impactOf(incident: VolvoIncident): { impact: Level; urgency: Level } {
  const last = incident.events[incident.events.length - 1];
  if (!last) throw new Error(`${incident.srNumber}: no events`);
  return { ...IMPACT_MAP[last.impact] };
}

// ---------------------------------------------------------------------------------------------
// Summary

export interface VolvoSummary {
  incidents: number;
  events: number;
  /** Ignored rows: `Unmatched`, and rows after the incident was closed/cancelled. */
  ignoredEvents: { unmatched: number; afterTerminal: number; incidentsChangedAfterTerminal: number };
  steps: number;
  stepsByKind: Record<ApiStepKind, number>;
  /** Incidents with at least one `Accepted/Wait - User` (or `- Customer`) / `Wait - Vendor` row. */
  waited: {
    onUser: number;
    onVendor: number;
    onUserOrVendor: number;
    /** onUserOrVendor / incidents, 0..1. */
    shareOnUserOrVendor: number;
  };
  /** Moves in the replayed assignments from an L1 team to an L2, L3 or L2/L3 team. */
  tierEscalations: { moves: number; incidents: number };
  finalStates: Partial<Record<IncidentState, number>>;
  impact: Record<VolvoImpact, number>;
}

export function summarise(incidents: readonly VolvoIncident[]): VolvoSummary {
  const stepsByKind = Object.fromEntries(API_STEP_KINDS.map((k) => [k, 0])) as Record<ApiStepKind, number>;
  const finalStates: Partial<Record<IncidentState, number>> = {};
  const impact: Record<VolvoImpact, number> = { Low: 0, Medium: 0, High: 0, Major: 0 };
  let events = 0;
  let steps = 0;
  let unmatched = 0;
  let afterTerminal = 0;
  let changedAfterTerminal = 0;
  let onUser = 0;
  let onVendor = 0;
  let onEither = 0;
  let moves = 0;
  let escalated = 0;

  for (const inc of incidents) {
    events += inc.events.length;
    const user = inc.events.some((e) => e.status === 'Accepted' && (e.subStatus === 'Wait - User' || e.subStatus === 'Wait - Customer'));
    const vendor = inc.events.some((e) => e.status === 'Accepted' && e.subStatus === 'Wait - Vendor');
    if (user) onUser++;
    if (vendor) onVendor++;
    if (user || vendor) onEither++;
    if (inc.events.length > 0) impact[inc.events[inc.events.length - 1].impact]++;

    const r = replayVolvoIncident(inc);
    steps += r.steps.length;
    unmatched += r.unmatched;
    afterTerminal += r.afterTerminal;
    if (r.afterTerminal > 0) changedAfterTerminal++;
    finalStates[r.finalState] = (finalStates[r.finalState] ?? 0) + 1;
    let tier: string | null = null;
    let escalatedHere = false;
    for (const s of r.steps) {
      stepsByKind[s.kind]++;
      if (s.kind !== 'assign') continue;
      if (tier === 'L1' && s.tier !== 'L1') {
        moves++;
        escalatedHere = true;
      }
      tier = s.tier;
    }
    if (escalatedHere) escalated++;
  }

  return {
    incidents: incidents.length,
    events,
    ignoredEvents: { unmatched, afterTerminal, incidentsChangedAfterTerminal: changedAfterTerminal },
    steps,
    stepsByKind,
    waited: {
      onUser,
      onVendor,
      onUserOrVendor: onEither,
      shareOnUserOrVendor: incidents.length ? onEither / incidents.length : 0,
    },
    tierEscalations: { moves, incidents: escalated },
    finalStates,
    impact,
  };
}

if (require.main === module) {
  const t0 = Date.now();
  const incidents = loadVolvoIncidents(process.argv[2] ?? DEFAULT_VOLVO_ZIP);
  const summary = summarise(incidents);
  console.log(JSON.stringify({ ...summary, elapsedMs: Date.now() - t0 }, null, 2));
}
