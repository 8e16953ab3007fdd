/**
 * Group commit per key: items for one key that arrive while that key's previous flush is in
 * flight are sent together in the next flush, and each caller's promise settles with the flush
 * that carried its item. One flush per key at a time, so under a burst the batches grow instead
 * of the calls queueing up one by one; when it is quiet every item is flushed at once, alone.
 */
export class KeyedBatcher<T> {
  private readonly queues = new Map<string, { items: T[]; waiters: { resolve: () => void; reject: (e: unknown) => void }[] }>();
  private readonly flushing = new Set<string>();

  constructor(
    private readonly flush: (key: string, items: T[]) => Promise<void>,
    private readonly maxBatch = 500,
  ) {}

  add(key: string, item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      let q = this.queues.get(key);
      if (!q) this.queues.set(key, (q = { items: [], waiters: [] }));
      q.items.push(item);
      q.waiters.push({ resolve, reject });
      if (!this.flushing.has(key)) void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    this.flushing.add(key);
    try {
      for (let q = this.queues.get(key); q && q.items.length > 0; q = this.queues.get(key)) {
        const items = q.items.splice(0, this.maxBatch);
        const waiters = q.waiters.splice(0, items.length);
        if (q.items.length === 0) this.queues.delete(key);
        try {
          await this.flush(key, items);
          for (const w of waiters) w.resolve();
        } catch (e) {
          for (const w of waiters) w.reject(e);
        }
      }
    } finally {
      this.flushing.delete(key);
    }
  }
}
