/** Change windows, freezes and clashes: pure interval arithmetic on epoch milliseconds. */
export interface Window {
  start: number;
  end: number;
}

export interface Freeze extends Window {
  id: string;
  name: string;
  reason: string;
}

/** Half-open windows [start, end): a change ending exactly when a freeze starts does not hit it. */
export const overlaps = (a: Window, b: Window) => a.start < b.end && b.start < a.end;

/**
 * The freezes that hold a window at `now`, earliest first. A freeze that has already ended
 * holds nothing, even if the (now past) window lay inside it: otherwise a change held by a
 * freeze would be held again by the same freeze when it ends.
 */
export function freezesHit(window: Window, freezes: Freeze[], now: number): Freeze[] {
  return freezes.filter((f) => f.end > now && overlaps(window, f)).sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
}

export interface ScheduledChange extends Window {
  number: string;
  ciIds: string[];
}

export interface Clash {
  with: string;
  ciIds: string[];
}

/** For each change, the other changes whose windows overlap it on at least one common CI. */
export function clashes(changes: ScheduledChange[]): Map<string, Clash[]> {
  const out = new Map<string, Clash[]>(changes.map((c) => [c.number, []]));
  const sorted = [...changes].sort((a, b) => a.start - b.start);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    // Sorted by start: once b starts after a ends, no later change can overlap a.
    for (let j = i + 1; j < sorted.length && sorted[j].start < a.end; j++) {
      const b = sorted[j];
      if (!overlaps(a, b)) continue;
      const common = a.ciIds.filter((id) => b.ciIds.includes(id));
      if (common.length === 0) continue;
      out.get(a.number)!.push({ with: b.number, ciIds: common });
      out.get(b.number)!.push({ with: a.number, ciIds: common });
    }
  }
  return out;
}
