/**
 * Text the databases cannot store: an unpaired UTF-16 surrogate (valid in a JavaScript
 * string and in JSON's `\ud800` escape, but not UTF-8, so Prisma's engine refuses the whole
 * query) and NUL (PostgreSQL text refuses it). Such input is the caller's error: the API
 * answers 400 naming the field, and the transition writer refuses it without retrying,
 * since no retry can ever store it.
 */
const UNSTORABLE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;

/** How deep a JSON body may nest: far beyond any payload of the API, far below a stack's limit. */
export const MAX_JSON_DEPTH = 64;

export type TextProblem = { path: string; problem: 'unstorable_text' | 'too_deep' };

/**
 * The first place in `value` (a parsed JSON value) holding unstorable text, in a key or a
 * string, or nesting deeper than MAX_JSON_DEPTH; null when it is all storable. Iterative, so
 * a hostile depth cannot overflow the stack.
 */
export function unstorableTextAt(value: unknown): TextProblem | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: '', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return { path: path || '(root)', problem: 'unstorable_text' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { path: path || '(root)', problem: 'too_deep' };
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    for (const [k, x] of entries) {
      const at = path ? `${path}.${k}` : k;
      if (UNSTORABLE.test(k)) return { path: at, problem: 'unstorable_text' };
      stack.push({ v: x, path: at, depth: depth + 1 });
    }
  }
  return null;
}

export function describeTextProblem(p: TextProblem): string {
  return p.problem === 'too_deep' ? `nested deeper than ${MAX_JSON_DEPTH} levels` : 'contains text that cannot be stored (an unpaired UTF-16 surrogate or NUL)';
}

/**
 * Where a transition about to be written holds text no database can store, as the message the
 * writer refuses it with; null when it can all be stored. Checked by the transition writer and,
 * on record-kernel-v5's path, by the workflow before it makes the transition its state.
 */
export function unstorableTransition(w: { recordType: string; recordId: string; snapshot: unknown; data: unknown; actor: string; events: unknown; notifications: unknown }): { path: string; message: string } | null {
  const bad = unstorableTextAt({ snapshot: w.snapshot, data: w.data, actor: w.actor, events: w.events, notifications: w.notifications });
  return bad ? { path: bad.path, message: `${w.recordType} ${w.recordId}: ${bad.path} ${describeTextProblem(bad)}` } : null;
}
