/**
 * The Prometheus text exposition format (0.0.4), as an exporter or a pushing agent writes it,
 * read into metric points (pure). Comments and `# HELP` / `# TYPE` lines are skipped; each
 * sample is `name{label="value",…} value [timestamp_ms]`. The CI is the sample's `ci` label,
 * else the request's; other labels are dropped, so two samples that then name the same series
 * at the same instant are refused rather than one silently winning.
 */
import { MAX_MEASURE } from '../schemas/capacity';

export interface PromSample {
  /** 1-based line number in the body */
  line: number;
  metric: string;
  ci: string | null;
  value: number;
  /** epoch ms; null: the receive time */
  at: number | null;
}

export interface PromIssue {
  line: number;
  message: string;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** 9999-12-31T23:59:59.999Z: the last instant both databases and ISO-8601 spell alike. */
const MAX_TIMESTAMP_MS = 253_402_300_799_999;

/** The label set `{…}` starting at `s[0] === '{'`: the labels and where it ends, or an error. */
function readLabels(s: string): { labels: Map<string, string>; rest: string } | string {
  const labels = new Map<string, string>();
  let i = 1;
  for (;;) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (s[i] === '}') return { labels, rest: s.slice(i + 1) };
    const eq = s.indexOf('=', i);
    if (eq < 0) return 'a label without a value';
    const name = s.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) return `label name ${JSON.stringify(name.slice(0, 40))} is not valid`;
    if (s[eq + 1] !== '"') return `label ${name}: the value must be quoted`;
    let value = '';
    let j = eq + 2;
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === '\\') {
        const c = s[++j];
        value += c === 'n' ? '\n' : c === undefined ? '' : c;
      } else value += s[j];
    }
    if (j >= s.length) return `label ${name}: the value is not closed`;
    if (labels.has(name)) return `label ${name} is given twice`;
    labels.set(name, value);
    i = j + 1;
  }
}

function readValue(token: string): number | null {
  if (token === 'NaN') return NaN;
  if (token === '+Inf' || token === 'Inf') return Infinity;
  if (token === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(token)) return null;
  return Number(token);
}

export function parseExposition(text: string): { samples: PromSample[]; issues: PromIssue[]; skipped: number } {
  const samples: PromSample[] = [];
  const issues: PromIssue[] = [];
  let skipped = 0;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '').trim();
    const at = n + 1;
    if (line === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    const metric = nameEnd < 0 ? line : line.slice(0, nameEnd);
    if (!NAME.test(metric) || metric.length > 100) {
      issues.push({ line: at, message: `${JSON.stringify(metric.slice(0, 40))} is not a metric name` });
      continue;
    }
    let rest = nameEnd < 0 ? '' : line.slice(nameEnd);
    let labels = new Map<string, string>();
    if (rest.startsWith('{')) {
      const read = readLabels(rest);
      if (typeof read === 'string') {
        issues.push({ line: at, message: read });
        continue;
      }
      labels = read.labels;
      rest = read.rest;
    }
    const tokens = rest.trim().split(/\s+/).filter(Boolean);
    if (tokens.length < 1 || tokens.length > 2) {
      issues.push({ line: at, message: 'expected a value and an optional timestamp after the name' });
      continue;
    }
    const value = readValue(tokens[0]);
    if (value === null) {
      issues.push({ line: at, message: `${JSON.stringify(tokens[0].slice(0, 40))} is not a number` });
      continue;
    }
    let ts: number | null = null;
    if (tokens[1] !== undefined) {
      ts = /^-?\d{1,15}$/.test(tokens[1]) ? Number(tokens[1]) : NaN;
      if (!Number.isSafeInteger(ts) || ts < 0 || ts > MAX_TIMESTAMP_MS) {
        issues.push({ line: at, message: `${JSON.stringify(tokens[1].slice(0, 40))} is not a timestamp in milliseconds` });
        continue;
      }
    }
    // NaN and infinities say "no reading" (a stale or overflowed gauge): nothing to store.
    if (!Number.isFinite(value)) {
      skipped++;
      continue;
    }
    if (Math.abs(value) > MAX_MEASURE) {
      issues.push({ line: at, message: `${JSON.stringify(tokens[0].slice(0, 40))} is beyond ±${MAX_MEASURE.toExponential()}, the largest reading stored` });
      continue;
    }
    samples.push({ line: at, metric, ci: labels.get('ci') ?? null, value, at: ts });
  }
  return { samples, issues, skipped };
}

/** The first sample naming the same CI, metric and instant as an earlier one, by line. */
export function repeatedSeries(samples: readonly (PromSample & { ci: string; at: number })[]): PromIssue[] {
  const seen = new Map<string, number>();
  const issues: PromIssue[] = [];
  for (const s of samples) {
    const key = `${s.ci}\u0000${s.metric}\u0000${s.at}`;
    const first = seen.get(key);
    if (first !== undefined) issues.push({ line: s.line, message: `the same series and instant as line ${first} once labels other than ci are dropped` });
    else seen.set(key, s.line);
  }
  return issues;
}
