import { KeyedBatcher } from '../../infra/keyed-batcher';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedBatcher (group commit per key)', () => {
  test('an item alone is flushed at once; items arriving during a flush go together in the next, in order', async () => {
    const flushed: [string, number[]][] = [];
    let release: () => void = () => undefined;
    const b = new KeyedBatcher<number>(async (key, items) => {
      flushed.push([key, items]);
      if (items[0] === 1) await new Promise<void>((r) => (release = r));
    });
    const first = b.add('k', 1);
    await tick();
    expect(flushed).toEqual([['k', [1]]]);
    const later = [2, 3, 4].map((n) => b.add('k', n));
    const other = b.add('other', 9);
    await tick();
    // Another key does not wait for k's flush.
    expect(flushed).toEqual([['k', [1]], ['other', [9]]]);
    release();
    await Promise.all([first, ...later, other]);
    expect(flushed).toEqual([['k', [1]], ['other', [9]], ['k', [2, 3, 4]]]);
  });

  test('a failed flush rejects exactly the callers whose items it carried; the key keeps working', async () => {
    let fail = true;
    const b = new KeyedBatcher<string>(async () => {
      if (fail) throw new Error('engine down');
    });
    await expect(b.add('k', 'a')).rejects.toThrow('engine down');
    fail = false;
    await expect(b.add('k', 'b')).resolves.toBeUndefined();
  });

  test('batches are capped; every item is flushed exactly once', async () => {
    const sizes: number[] = [];
    const seen: number[] = [];
    let gate: Promise<void> = new Promise((r) => setTimeout(r, 20));
    const b = new KeyedBatcher<number>(async (_k, items) => {
      sizes.push(items.length);
      seen.push(...items);
      await gate;
      gate = Promise.resolve();
    }, 3);
    await Promise.all(Array.from({ length: 8 }, (_, i) => b.add('k', i)));
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes[0]).toBe(1);
  });
});
