import { buildOpenApi } from '../../api/openapi';
import { allRoutes } from '../../api/routes';
import { z } from '../../domain/schemas/zod';
import { CreateIncidentBody } from '../../domain/schemas/incident';
import { ProblemCommandBodies } from '../../domain/schemas/problem';

/**
 * JSON Schema's `maxLength` counts code points; zod's `.max` counts UTF-16 code units, so an
 * emoji counts twice there. A request within the documented length must not be refused for it.
 */
describe('string lengths count characters as the OpenAPI document does', () => {
  const emoji = (n: number) => '🔥'.repeat(n);

  test('maxChars counts code points, answers zod\'s own too_big issue, and is documented as maxLength', () => {
    const s = z.string().trim().min(1).maxChars(3);
    expect(s.safeParse(emoji(3)).success).toBe(true);
    expect(emoji(3).length).toBe(6); // what `.max(3)` would have counted
    const refused = s.safeParse(emoji(4));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues).toEqual([expect.objectContaining({ code: 'too_big', origin: 'string', maximum: 3 })]);
    expect(z.string().maxChars(3).safeParse('abcd').error?.issues[0].message).toBe(z.string().max(3).safeParse('abcd').error?.issues[0].message);
    expect(s.maxLength).toBe(3);
    // A lone surrogate is one code point: counted once, like any other.
    expect(z.string().maxChars(2).safeParse('\ud83dx').success).toBe(true);
  });

  test('the limit is on the string as sent: a trim written before maxChars does not let a longer one through', () => {
    const s = z.string().trim().min(1).maxChars(3);
    expect(s.safeParse(' abc').error?.issues).toEqual([expect.objectContaining({ code: 'too_big', maximum: 3 })]);
    expect(s.parse(' ab')).toBe('ab');
    // The checks after it still see the trimmed string.
    expect(s.safeParse('   ').error?.issues).toEqual([expect.objectContaining({ code: 'too_small', minimum: 1 })]);
    // What the fuzz pass sent: 20,001 characters whose first is a space, as a known error's root cause.
    const body = ProblemCommandBodies['known-error'];
    const refused = body.safeParse({ rootCause: ` ${'*'.repeat(20_000)}`, workaround: 'w' });
    expect(refused.error?.issues.map((i) => [i.path.join('.'), i.code])).toEqual([['rootCause', 'too_big']]);
    expect(body.safeParse({ rootCause: '*'.repeat(20_000), workaround: 'w' }).success).toBe(true);
  });

  test('an incident title of 300 emoji is the documented maximum, and taken; 301 is refused naming the field', () => {
    const doc = JSON.parse(JSON.stringify(buildOpenApi(allRoutes()))) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>> };
    const schema = JSON.stringify(doc.paths['/api/v1/incidents'].post.requestBody?.content['application/json'].schema);
    expect(schema).toContain('"title":{"type":"string","minLength":1,"maxLength":300');
    const body = { title: emoji(300), impact: 'low', urgency: 'low' };
    expect(CreateIncidentBody.safeParse(body).success).toBe(true);
    const refused = CreateIncidentBody.safeParse({ ...body, title: emoji(301) });
    expect(refused.error?.issues.map((i) => i.path.join('.'))).toEqual(['title']);
  });

  test('no request schema of any route limits a string with zod\'s code-unit `.max`', () => {
    const offenders = new Set<string>();
    const seen = new Set<unknown>();
    const walk = (schema: unknown, at: string): void => {
      if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
      seen.add(schema);
      const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
      if (!def) return;
      // An e-mail address is ASCII by its pattern (domain/schemas/people.ts), where code units are code points.
      if (def.type === 'string' && def.format !== 'email') {
        for (const check of (def.checks ?? []) as { _zod: { def: { check?: string } }; constructor: { name: string } }[]) {
          if (check._zod.def.check === 'max_length' && check.constructor.name !== '$ZodCheckMaxChars') offenders.add(at);
        }
      }
      for (const [key, value] of Object.entries(def)) {
        if (key === 'shape' && value && typeof value === 'object') for (const [field, s] of Object.entries(value)) walk(s, `${at}.${field}`);
        else if (Array.isArray(value)) value.forEach((s, i) => walk(s, `${at}[${i}]`));
        else if (key === 'getter' && typeof value === 'function') walk((value as () => unknown)(), at);
        else walk(value, at);
      }
    };
    const routes = allRoutes();
    for (const r of routes) {
      walk(r.body, `${r.method} ${r.path} body`);
      walk(r.query, `${r.method} ${r.path} query`);
    }
    expect(seen.size).toBeGreaterThan(1000); // the walk reached into the schemas
    expect([...offenders]).toEqual([]);
  });
});
