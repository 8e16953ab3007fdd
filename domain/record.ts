/**
 * The vocabulary every record process shares, as plain data: what a transition does
 * (its effect) and what a timer waits for (a deadline). Process logic in domain/<process>/
 * returns these; the workflow kernel persists and schedules them.
 */
export interface NotificationRequest {
  recipient: string; // group:<name> | user:<id>
  kind: string;
  message: string;
}

/** What a command or timer does to the record, beyond what the kernel adds (time, sequence). */
export interface Effect<S> {
  snapshot: S;
  data?: Record<string, unknown>;
  /** Domain event types; each is published with the record's view and `data`. */
  events?: string[];
  notifications?: NotificationRequest[];
}

/** A timer-driven step: when it falls due, what it is, and how ops see it in the Temporal UI. */
export interface Deadline<K extends string = string> {
  at: number;
  kind: K;
  /** Shown on the timer in the Temporal UI, e.g. "P1 resolution due 2026-12-02 14:05 UTC". */
  summary: string;
}

export const utcMinute = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
export const dueLabel = (what: string, at: number) => `${what} due ${utcMinute(at)}`;
