/**
 * Failed authentications, counted per key (a client address, a token prefix) in fixed windows.
 * Once a key has `limit` failures in its window, every attempt under that key is refused with
 * 429 until the window ends, valid token or not: otherwise the limit would not slow a guesser,
 * whose one right guess would still get through. Requests without any credentials are not
 * failures (they guess nothing). Kept in the API process: with several replicas each counts
 * its own share, which still bounds a guesser to replicas × limit per window.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    /** Above this many tracked keys, expired windows are swept (no timers to keep a process alive). */
    private readonly sweepAbove = 10_000,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const w = this.windows.get(key);
    if (!w) return 0;
    const left = w.start + this.windowMs - this.now();
    if (left <= 0) {
      this.windows.delete(key);
      return 0;
    }
    return w.failures >= this.limit ? Math.ceil(left / 1000) : 0;
  }

  fail(key: string): void {
    const now = this.now();
    const w = this.windows.get(key);
    if (w && now - w.start < this.windowMs) {
      w.failures++;
      return;
    }
    if (this.windows.size >= this.sweepAbove) this.sweep(now);
    this.windows.set(key, { start: now, failures: 1 });
  }

  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
  }
}
