import { buildOpenApi } from '../../api/openapi';
import { allRoutes } from '../../api/routes';
import { CapacityReportQuery } from '../../domain/schemas/capacity';
import { SlaReportQuery } from '../../domain/schemas/reports';

/** `?n=` is no number: Number('') is 0, which a coerced query number with 0 in range used to take (a long fuzz pass, ST201). */
const PERIOD = { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' };

describe('numbers in query strings', () => {
  const paths = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => (r.error?.issues ?? []).map((i) => i.path.join('.'));

  test('empty or blank is refused naming the parameter; a number is read; absent takes the default', () => {
    for (const v of ['', ' ', '1.5', 'x', '-1', '3651']) expect([v, paths(CapacityReportQuery.safeParse({ horizonDays: v }))]).toEqual([v, ['horizonDays']]);
    expect(CapacityReportQuery.parse({ horizonDays: '0' }).horizonDays).toBe(0);
    expect(CapacityReportQuery.parse({ horizonDays: '30' }).horizonDays).toBe(30);
    expect(CapacityReportQuery.parse({}).horizonDays).toBeUndefined();
    expect(paths(SlaReportQuery.safeParse({ ...PERIOD, target: '' }))).toEqual(['target']);
    expect(SlaReportQuery.parse({ ...PERIOD, target: '99.5' }).target).toBe(99.5);
    expect(SlaReportQuery.parse(PERIOD).target).toBe(95);
  });

  test('no query parameter is documented as nullable: a query string cannot carry null', () => {
    const doc = JSON.parse(JSON.stringify(buildOpenApi(allRoutes()))) as { paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: { type?: unknown } }[] }>> };
    const nullable: string[] = [];
    let seen = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const p of op.parameters ?? []) {
          if (p.in !== 'query') continue;
          seen++;
          if (Array.isArray(p.schema?.type) && p.schema.type.includes('null')) nullable.push(`${method} ${path} ${p.name}`);
        }
      }
    }
    expect(seen).toBeGreaterThan(100);
    expect(nullable).toEqual([]);
  });
});
