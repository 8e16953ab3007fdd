import { CiGraph } from '../../domain/cmdb/impact-graph';

/**
 * The in-memory walk behind GET /cis/:id/impact: shortest distances, one stable path each,
 * cycles, depth, counts and keyset pages; relationships added and removed idempotently.
 */
const node = (n: number, cls = 'server') => ({ id: `ci_${String(n).padStart(3, '0')}`, number: `CI${String(n).padStart(7, '0')}`, name: `ci-${n}`, class: cls, status: 'live' });
const id = (n: number) => node(n).id;
const num = (n: number) => node(n).number;

/** `a depends on b` for each pair, as relationships rel-a-b. */
function graphOf(pairs: [number, number][], classes: Record<number, string> = {}): CiGraph {
  const g = new CiGraph();
  const ns = new Set(pairs.flat());
  for (const n of ns) g.putNode(node(n, classes[n]));
  for (const [a, b] of pairs) expect(g.addEdge(`rel-${a}-${b}`, id(a), id(b))).toBe(true);
  return g;
}

describe('CiGraph.walk', () => {
  // 1 is storage; 2 and 3 run on it; 4 depends on 2 and on 3; 5 on 4 (a diamond below 4).
  const diamond = (): CiGraph => graphOf([[3, 1], [2, 1], [4, 3], [4, 2], [5, 4]], { 5: 'service' }); // 3 is found before 2

  it('downstream: every dependent once at its shortest distance, nearest first, with a path through the smallest-id parent', () => {
    const all = diamond().walk(id(1), { depth: 10, direction: 'downstream' }).all();
    expect(all.map((r) => [r.number, r.distance])).toEqual([[num(2), 1], [num(3), 1], [num(4), 2], [num(5), 3]]);
    // 4 is reached through 2 and through 3: the path takes 2 (smaller id) whichever was found first.
    expect(all.find((r) => r.id === id(4))!.path).toEqual([num(1), num(2), num(4)]);
    expect(all.find((r) => r.id === id(5))!.path).toEqual([num(1), num(2), num(4), num(5)]);
  });

  it('upstream walks what a CI depends on', () => {
    expect(diamond().walk(id(5), { depth: 10, direction: 'upstream' }).all().map((r) => r.number)).toEqual([num(4), num(2), num(3), num(1)]);
  });

  it('depth bounds the walk; a CI with no relationships, or unknown, reaches nothing; depth below 1 is refused', () => {
    const g = diamond();
    expect(g.walk(id(1), { depth: 1, direction: 'downstream' }).all().map((r) => r.number)).toEqual([num(2), num(3)]);
    expect(g.walk('ci_unknown', { depth: 5, direction: 'downstream' }).all()).toEqual([]);
    expect(g.walk('ci_unknown', { depth: 5, direction: 'downstream' }).counts()).toEqual({ total: 0, byClass: {}, byDistance: {} });
    expect(() => g.walk(id(1), { depth: 0, direction: 'downstream' })).toThrow(RangeError);
  });

  it('a cycle terminates and never reports the analysed CI', () => {
    const g = graphOf([[2, 1], [3, 2], [1, 3]]);
    const all = g.walk(id(1), { depth: 50, direction: 'downstream' }).all();
    expect(all.map((r) => [r.number, r.distance])).toEqual([[num(2), 1], [num(3), 2]]);
  });

  it('counts by class and distance cover every CI reached; services are listed whatever the page', () => {
    const w = diamond().walk(id(1), { depth: 10, direction: 'downstream' });
    expect(w.counts()).toEqual({ total: 4, byClass: { server: 3, service: 1 }, byDistance: { '1': 2, '2': 1, '3': 1 } });
    expect(w.ofClass(new Set(['service'])).map((r) => r.number)).toEqual([num(5)]);
    // The nearest n of a class, and a page of one class only.
    expect(w.ofClass(new Set(['server']), 2).map((r) => r.number)).toEqual([num(2), num(3)]);
    expect(w.page(10, undefined, new Set(['service'])).items.map((r) => r.number)).toEqual([num(5)]);
    expect(w.page(1, { distance: 1, number: num(2) }, new Set(['server']))).toEqual({ items: [expect.objectContaining({ number: num(3) })], more: true });
  });
});

describe('Walk.page', () => {
  // A star: 1 is depended on by 2..301 directly, and each of those by one more CI (302..601).
  const pairs: [number, number][] = [];
  for (let k = 2; k <= 301; k++) pairs.push([k, 1], [k + 300, k]);
  const g = graphOf(pairs);

  it('pages in (distance, number) order with no CI missing or repeated, whatever the page size', () => {
    const w = g.walk(id(1), { depth: 10, direction: 'downstream' });
    const everything = w.all().map((r) => r.number);
    expect(everything).toHaveLength(600);
    for (const size of [1, 7, 299, 300, 301, 600, 601]) {
      const got: string[] = [];
      let after: { distance: number; number: string } | undefined;
      for (;;) {
        const p = w.page(size, after);
        got.push(...p.items.map((r) => r.number));
        if (!p.more) break;
        const last = p.items[p.items.length - 1];
        after = { distance: last.distance, number: last.number };
      }
      expect(got).toEqual(everything);
    }
  });

  it('a position stays valid when the graph changes between pages: the rest continues after it', () => {
    const h = graphOf(pairs);
    const first = h.walk(id(1), { depth: 10, direction: 'downstream' }).page(10);
    const last = first.items[9];
    h.removeEdge(`rel-${5}-1`); // one already shown goes away; the next page is unaffected by it
    const next = h.walk(id(1), { depth: 10, direction: 'downstream' }).page(3, { distance: last.distance, number: last.number });
    expect(next.items.map((r) => r.number)).toEqual([num(12), num(13), num(14)]);
  });
});

describe('CiGraph changes', () => {
  it('adding a relationship twice, or removing an unknown one, changes nothing; an unknown end is refused', () => {
    const g = graphOf([[2, 1]]);
    expect(g.addEdge('rel-2-1', id(2), id(1))).toBe(true);
    g.removeEdge('rel-nope');
    expect(g.size).toEqual({ nodes: 2, edges: 1 });
    expect(g.addEdge('rel-9-1', 'ci_missing', id(1))).toBe(false);
    g.removeEdge('rel-2-1');
    g.removeEdge('rel-2-1');
    expect(g.walk(id(1), { depth: 3, direction: 'downstream' }).all()).toEqual([]);
  });

  it('two relationship types between the same CIs: removing one keeps the dependency', () => {
    const g = graphOf([[2, 1]]);
    g.addEdge('rel-2-1-b', id(2), id(1));
    g.removeEdge('rel-2-1');
    expect(g.walk(id(1), { depth: 3, direction: 'downstream' }).all().map((r) => r.number)).toEqual([num(2)]);
  });

  it('a class change moves the CI between counts; an empty copy keeps the CIs and drops the relationships', () => {
    const g = graphOf([[2, 1]]);
    g.updateNode(id(2), { class: 'service' });
    expect(g.walk(id(1), { depth: 3, direction: 'downstream' }).counts().byClass).toEqual({ service: 1 });
    const copy = g.emptyCopy();
    expect(copy.size).toEqual({ nodes: 2, edges: 0 });
    expect(copy.node(id(2))).toEqual(node(2, 'service'));
  });
});
