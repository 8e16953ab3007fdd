/**
 * The one mechanism both security rooms use for "reminders before a deadline, escalation
 * after": a deadline's reminders at (due − N days) for each N, then one `overdue` alarm at the
 * deadline itself. A policy's overdue is its lapse; an access review's is its escalation. The
 * deadlines are data (the kernel's Deadline list): the workflow only sleeps until the next one.
 */
import type { Deadline } from '../record';
import { dueLabel } from '../record';

const DAY = 86_400_000;

export type WatchAlarm = `reminder_${number}` | 'overdue';

/** What a record watching a deadline carries: the days it is reminded before, and what has fired. */
export interface Watch {
  due: number;
  /** Days before `due` a reminder goes out, largest first. */
  reminderDays: number[];
  /** The reminders of this deadline already sent (or skipped as stale), by their days. */
  remindersDone: number[];
  overdue: boolean;
}

export const reminderAt = (due: number, days: number) => due - days * DAY;

/**
 * Starts watching `due` at `now`: the reminders whose instant has already passed are marked
 * done but the latest of them, which fires at once (one reminder, not a burst of stale ones).
 */
export function watch(due: number, reminderDays: readonly number[], now: number): Watch {
  const days = [...new Set(reminderDays)].sort((a, b) => b - a);
  const past = days.filter((d) => reminderAt(due, d) <= now).sort((a, b) => a - b);
  return { due, reminderDays: days, remindersDone: due <= now ? [...days] : past.slice(1), overdue: false };
}

/** The alarms still to come for a watched deadline, each labelled `<what> ... due <instant>`. */
export function watchDeadlines(w: Watch, what: string): Deadline<WatchAlarm>[] {
  if (w.overdue) return [];
  const out: Deadline<WatchAlarm>[] = w.reminderDays
    .filter((d) => !w.remindersDone.includes(d))
    .map((d) => ({ kind: `reminder_${d}` as const, at: reminderAt(w.due, d), summary: dueLabel(`${what} reminder (${d} days before)`, reminderAt(w.due, d)) }));
  out.push({ kind: 'overdue', at: w.due, summary: dueLabel(what, w.due) });
  return out;
}

/** The watch after an alarm fired: a reminder marked done, or the deadline passed. */
export function fired(w: Watch, alarm: WatchAlarm): Watch {
  if (alarm === 'overdue') return { ...w, overdue: true };
  return { ...w, remindersDone: [...w.remindersDone, reminderDays(alarm)] };
}

export const reminderDays = (alarm: `reminder_${number}`) => Number(alarm.slice('reminder_'.length));

/** The next reminder still to come, for views. */
export const nextReminder = (w: Watch): number | null => {
  const next = watchDeadlines(w, '').filter((d) => d.kind !== 'overdue').sort((a, b) => a.at - b.at)[0];
  return next ? next.at : null;
};
