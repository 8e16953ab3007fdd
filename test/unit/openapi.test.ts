import { buildOpenApi } from '../../api/openapi';
import { allRoutes } from '../../api/routes';
import { NOT_BLANK, NOT_BLANK_NO_NUL } from '../../domain/schemas/common';

/** The document clients validate against: every status the server answers is on the operation that answers it. */
describe('the OpenAPI document', () => {
  // Read as plain JSON, the way a client reads it.
  const doc = JSON.parse(JSON.stringify(buildOpenApi(allRoutes()))) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>> };
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

  test('a nullable enum lists null among its values (JSON Schema checks both), in requests and responses alike', () => {
    const lacking: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      const s = node as { enum?: unknown[]; type?: unknown };
      if (Array.isArray(s.enum) && Array.isArray(s.type) && s.type.includes('null') && !s.enum.includes(null)) lacking.push(at);
      for (const [k, v] of Object.entries(node)) walk(v, `${at}.${k}`);
    };
    walk(doc, '');
    expect(lacking).toEqual([]);
    const patch = (doc.paths['/api/v1/cis/{id}'].patch.requestBody as { content: Record<string, { schema: { properties: Record<string, { enum: unknown[] }> } }> }).content['application/json'].schema;
    expect(patch.properties.securityClass.enum).toEqual(['public', 'internal', 'confidential', 'secret', null]);
  });

  test('the CSV import body is documented as not blank and free of NUL, as the server refuses both', () => {
    const csv = (doc.paths['/api/v1/cis/import'].post.requestBody as { content: Record<string, { schema: { pattern?: string } }> }).content['text/csv'].schema;
    expect(csv.pattern).toBe(NOT_BLANK_NO_NUL);
    expect(new RegExp(csv.pattern!).test('name,class\nweb,server\u0000')).toBe(false);
    expect(new RegExp(csv.pattern!).test(' \n ')).toBe(false);
    expect(new RegExp(csv.pattern!).test('name,class\nweb,server')).toBe(true);
  });

  test('a value the server trims before it requires one character says so: not blank (the fuzzer sent a tab as a service)', () => {
    const query = (path: string, name: string) => (doc.paths[path].get as unknown as { parameters: { name: string; schema: { pattern?: string } }[] }).parameters.find((p) => p.name === name)?.schema.pattern;
    expect(query('/api/v1/reports/availability', 'serviceId')).toBe(NOT_BLANK);
    expect(query('/api/v1/suppliers', 'name')).toBe(NOT_BLANK);
    expect(query('/api/v1/customers', 'name')).toBe(NOT_BLANK);
    const body = JSON.stringify(doc.paths['/api/v1/report-schedules'].post.requestBody);
    const availability = (JSON.parse(body) as { content: Record<string, { schema: { oneOf: { properties: { report: { enum: string[] }; params: { properties: Record<string, { pattern?: string }> }; cron: { pattern?: string } } }[] } }> }).content['application/json'].schema.oneOf.find((o) => o.properties.report.enum[0] === 'availability');
    // In a body the pattern also refuses NUL (NOT_BLANK_NO_NUL); either way a tab alone fails it.
    for (const pattern of [availability?.properties.params.properties.serviceId.pattern, availability?.properties.cron.pattern, NOT_BLANK]) {
      expect([pattern, new RegExp(pattern ?? '').test('\t'), new RegExp(pattern ?? '').test('svc-1')]).toEqual([pattern, false, true]);
    }
  });

  test('is 3.1 with no 3.0-style tuple items', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(JSON.stringify(doc)).not.toMatch(/"items":\[/);
  });

  test('documents 413 and 415 where there is a body, 409 on every change and 422 where an Idempotency-Key applies, 503 everywhere', () => {
    for (const { path, method, op } of ops) {
      const codes = Object.keys(op.responses);
      expect([path, method, codes]).toEqual([path, method, expect.arrayContaining(['400', '401', '403', '503'])]);
      if (op.requestBody) expect([path, method, codes]).toEqual([path, method, expect.arrayContaining(['413', '415'])]);
      if (method !== 'get') expect([path, method, codes]).toEqual([path, method, expect.arrayContaining(['409'])]);
    }
    // Changes the state of what they change refuses, which the document once did not name (the fuzzer found the first).
    expect(Object.keys(doc.paths['/api/v1/cis/{id}/access-review-schedule'].put.responses)).toContain('409'); // a retired CI
    expect(Object.keys(doc.paths['/api/v1/suppliers/{id}'].patch.responses)).toContain('409'); // a retired supplier
    expect(Object.keys(doc.paths['/api/v1/service-reviews/{id}/actions/{actionId}/close'].post.responses)).toContain('409'); // already closed
    expect(Object.keys(doc.paths['/api/v1/releases/{id}/stages/{stage}/result'].post.responses)).toContain('409'); // the release's state
    // A read answers 409 only where it says so: the software library's download until verified.
    expect(Object.keys(doc.paths['/api/v1/incidents/{id}'].get.responses)).not.toContain('409');
    const create = doc.paths['/api/v1/incidents'].post.responses;
    expect(Object.keys(create)).toEqual(expect.arrayContaining(['201', '409', '422']));
    expect(Object.keys(doc.paths['/api/v1/problems/{id}/known-error'].post.responses)).toEqual(expect.arrayContaining(['404', '409']));
  });

  test('every object in a JSON request body is closed (no unknown fields, or its keys enumerated): an unknown key is refused by the document, not only by the server', () => {
    const components = ((doc as unknown as { components?: { schemas?: Record<string, unknown> } }).components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
    type Schema = { $ref?: string; type?: string; properties?: Record<string, Schema>; additionalProperties?: unknown; propertyNames?: unknown; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[] };
    const open: string[] = [];
    const walk = (raw: Schema | undefined, at: string, seen: Set<unknown>) => {
      const s = (raw?.$ref ? components[raw.$ref.split('/').pop()!] : raw) as Schema | undefined;
      if (!s || seen.has(s)) return;
      seen.add(s);
      if (s.type === 'object' && s.properties && s.additionalProperties !== false && !s.propertyNames) open.push(at);
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${at}.${k}`, seen);
      walk(s.items, `${at}[]`, seen);
      for (const x of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(x, at, seen);
    };
    for (const { path, method, op } of ops) {
      const body = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content?.['application/json']?.schema;
      if (body) walk(body, `${method.toUpperCase()} ${path} body`, new Set());
    }
    expect(open).toEqual([]);
  });

  test('every string of a JSON request body refuses NUL by its pattern, also in a body given as a named component (the fuzzer sent a NUL in a metric point\'s ciId)', () => {
    const components = ((doc as unknown as { components?: { schemas?: Record<string, unknown> } }).components?.schemas ?? {}) as Record<string, unknown>;
    const allowingNul: string[] = [];
    let strings = 0;
    const walk = (raw: unknown, at: string, seen: Set<unknown>): void => {
      if (Array.isArray(raw)) return raw.forEach((x) => walk(x, at, seen));
      if (raw === null || typeof raw !== 'object') return;
      const ref = (raw as { $ref?: string }).$ref;
      const s = (ref ? components[ref.split('/').pop()!] : raw) as Record<string, unknown>;
      if (!s || seen.has(s)) return;
      seen.add(s);
      const isString = s.type === 'string' || (Array.isArray(s.type) && s.type.includes('string'));
      if (isString && s.enum === undefined && s.const === undefined) {
        strings++;
        if (typeof s.pattern !== 'string' || new RegExp(s.pattern, 'u').test('ok\u0000ok')) allowingNul.push(at);
      }
      for (const [k, v] of Object.entries(s)) if (k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'example') walk(v, k === 'properties' ? at : `${at}.${k}`, seen);
    };
    for (const { path, method, op } of ops) {
      const body = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.['application/json']?.schema;
      if (body) walk(body, `${method.toUpperCase()} ${path} body`, new Set());
    }
    expect(strings).toBeGreaterThan(300);
    expect(allowingNul).toEqual([]);
  });

  test("a command body keeps the document's rules when timeSpent is added to it (assign: group or assignee)", () => {
    const body = (doc.paths['/api/v1/incidents/{id}/assign'].post.requestBody as { content: Record<string, { schema: { anyOf?: unknown; properties: Record<string, unknown> } }> }).content['application/json'].schema;
    expect(body.anyOf).toEqual([{ required: ['group'] }, { required: ['assignee'] }]);
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['group', 'assignee', 'timeSpent']));
  });

  test("documents the software library: a download's binary body and its 409 until verified, a registration's 409 for a duplicate", () => {
    const download = doc.paths['/api/v1/dsl/artifacts/{id}/content'].get.responses as Record<string, { content?: Record<string, unknown> }>;
    expect(Object.keys(download)).toEqual(expect.arrayContaining(['200', '404', '409']));
    expect(Object.keys(download['200'].content ?? {})).toEqual(['application/octet-stream']);
    expect(Object.keys(doc.paths['/api/v1/dsl/artifacts'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '409', '422']));
    expect(Object.keys(doc.paths['/api/v1/dsl'].get.responses)).toContain('200');
  });
});
