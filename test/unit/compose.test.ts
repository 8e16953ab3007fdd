import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { EnvSchema, loadEnv } from '../../config/env';

/**
 * docker-compose.yml is only exercised when someone runs the stack; these checks keep it
 * consistent with config/env.ts, the Dockerfile and itself so it cannot rot unnoticed.
 */

const root = path.join(__dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const services: Record<string, any> = compose.services ?? {};
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

const APP_SERVICES = ['api', 'worker', 'migrate'];

function service(name: string): any {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

/** A service's environment as strings, from either map or `KEY=value` list syntax. */
function envOf(name: string): Record<string, string | undefined> {
  const raw = service(name).environment ?? {};
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((item: string) => {
        const i = item.indexOf('=');
        return i < 0 ? [item, undefined] : [item.slice(0, i), item.slice(i + 1)];
      })
    : Object.entries(raw);
  return Object.fromEntries(entries.map(([k, v]) => [k, v === null || v === undefined ? undefined : String(v)]));
}

interface PortMapping {
  published?: number;
  target: number;
}

/** `ports:` entries in short ("[ip:]host:container[/proto]") or long syntax. */
function portsOf(name: string): PortMapping[] {
  return (service(name).ports ?? []).map((p: unknown): PortMapping => {
    if (typeof p === 'object' && p !== null) {
      const o = p as { published?: unknown; target: unknown };
      return { published: o.published === undefined ? undefined : Number(o.published), target: Number(o.target) };
    }
    const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts[parts.length - 1]);
    return { published: parts.length > 1 ? Number(parts[parts.length - 2]) : undefined, target };
  });
}

function exposedOf(name: string): number[] {
  return (service(name).expose ?? []).map((p: unknown) => Number(String(p).replace(/\/(tcp|udp)$/, '')));
}

/** depends_on as { service: condition }, from list or map syntax. */
function dependsOn(name: string): Record<string, string> {
  const raw = service(name).depends_on ?? {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((d: string) => [d, 'service_started']));
  return Object.fromEntries(
    Object.entries(raw).map(([d, v]) => [d, (v as { condition?: string } | null)?.condition ?? 'service_started']),
  );
}

function buildOf(name: string): { context: string; dockerfile: string } {
  const b = service(name).build;
  if (b === undefined) throw new Error(`service "${name}" has no build`);
  return typeof b === 'string'
    ? { context: b, dockerfile: 'Dockerfile' }
    : { context: b.context ?? '.', dockerfile: b.dockerfile ?? 'Dockerfile' };
}

describe('docker-compose.yml', () => {
  it('defines the long-running services and the one-shot migrate job', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-ui', 'api-lb', 'api', 'worker', 'migrate']),
    );
    // Compiled JavaScript from the image's build stage, not TypeScript through a loader.
    expect(service('migrate').command).toEqual(['node', 'dist/scripts/migrate.js']);
    expect(service('migrate').restart ?? 'no').toBe('no');
    expect(service('migrate').ports).toBeUndefined();
  });

  it.each(APP_SERVICES)('%s sets only variables config/env.ts knows', (name) => {
    const known = Object.keys(EnvSchema.shape);
    const unknown = Object.keys(envOf(name)).filter((k) => !known.includes(k));
    expect(unknown).toEqual([]);
  });

  it.each(APP_SERVICES)("%s's environment passes loadEnv() as a production configuration", (name) => {
    const env = envOf(name);
    const parsed = loadEnv(env);
    expect(parsed.NODE_ENV).toBe('production');
    expect(parsed.SEED_DEMO_DATA).toBe(false);
    // Every value was really supplied and survived validation, not replaced by a default.
    for (const key of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE'] as const) {
      expect(env[key]).toBeDefined();
      expect(String(parsed[key])).toBe(env[key]);
    }
  });

  it('gives the API and the worker the same shared settings', () => {
    const api = envOf('api');
    const worker = envOf('worker');
    const shared = Object.keys(worker).filter((k) => k in api);
    expect(shared.sort()).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'NODE_ENV', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE']),
    );
    for (const k of shared) expect([k, worker[k]]).toEqual([k, api[k]]);
    expect(envOf('migrate').DATABASE_URL).toBe(api.DATABASE_URL);
  });

  it('mounts the software library (DSL_DIR, DSL_FILE_ROOT) on the same volumes in the API and the worker, created writable in the image', () => {
    const env = loadEnv(envOf('api'));
    const mounts = (name: string) => (service(name).volumes ?? []).map((v: unknown) => String(v));
    for (const dir of [env.DSL_DIR, env.DSL_FILE_ROOT]) {
      const mount = mounts('api').find((m: string) => m.endsWith(`:${dir}`));
      expect([dir, mount]).toEqual([dir, expect.stringMatching(/^[a-z-]+:/)]);
      expect(mounts('worker')).toContain(mount);
      expect(Object.keys(compose.volumes ?? {})).toContain(mount!.split(':')[0]);
      expect(dockerfile).toMatch(new RegExp(`mkdir -p[^\\n]*${dir.replace(/[/]/g, '\\/')}`));
    }
  });

  it('runs API replicas on their PORT with no host port, health-checked at /healthz, behind a load balancer that publishes it and trusts nothing else', () => {
    const port = loadEnv(envOf('api')).PORT;
    expect(envOf('api').PORT).toBeDefined();
    expect(service('api').ports).toBeUndefined();
    expect(service('api').container_name).toBeUndefined();
    expect(service('api').deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(exposedOf('api')).toContain(port);
    const probe = [service('api').healthcheck?.test].flat().join(' ');
    expect(probe).toContain(`:${port}/healthz`);
    expect(portsOf('api-lb')).toContainEqual({ published: port, target: 3000 });
    expect(dependsOn('api-lb').api).toBe('service_healthy');
    const mount = (service('api-lb').volumes ?? []).map(String).find((v: string) => v.endsWith(':/etc/nginx/nginx.conf:ro'));
    expect(mount).toBeDefined();
    const conf = readFileSync(path.resolve(root, mount!.split(':')[0]), 'utf8');
    expect(conf).toMatch(/listen 3000;/);
    expect(conf).toContain(`http://api:${port}`);
    expect(conf).toMatch(/resolver 127\.0\.0\.11/); // replicas come and go: Docker's DNS, re-read
    // The auth failure limit keys on the client's address: the API must take it from the balancer's header.
    expect(envOf('api').TRUST_PROXY).toBeDefined();
    expect(conf).toContain('X-Forwarded-For');
  });

  it("points TEMPORAL_ADDRESS at the temporal service's port", () => {
    const [host, port] = loadEnv(envOf('api')).TEMPORAL_ADDRESS.split(':');
    expect(host).toBe('temporal');
    const ports = [...portsOf(host).map((p) => p.target), ...exposedOf(host)];
    expect(ports).toContain(Number(port));
    expect(envOf('temporal-ui').TEMPORAL_ADDRESS).toBe(`${host}:${port}`);
  });

  it('maps the Temporal UI to host port 8233, where the dev stack serves it too', () => {
    expect(portsOf('temporal-ui')).toContainEqual({ published: 8233, target: 8080 });
  });

  /** The init script that creates the tenants' roles on the postgres service's first start. */
  function rolesScript(): string {
    const mount = (service('postgres').volumes ?? []).map(String).find((v: string) => v.includes(':/docker-entrypoint-initdb.d/'));
    expect(mount).toBeDefined();
    return readFileSync(path.resolve(root, mount!.split(':')[0]), 'utf8');
  }

  it('connects the app to the postgres service as its own role, which the init script creates with its database', () => {
    const url = new URL(loadEnv(envOf('api')).DATABASE_URL);
    const pg = envOf('postgres');
    expect(url.protocol).toMatch(/^postgres(ql)?:$/);
    expect(url.hostname).toBe('postgres');
    expect(services).toHaveProperty(url.hostname);
    expect(url.port || '5432').toBe('5432');
    const user = decodeURIComponent(url.username);
    expect(user).not.toBe(pg.POSTGRES_USER); // not the superuser
    const script = rolesScript();
    expect(script).toContain(`CREATE ROLE ${user} LOGIN PASSWORD '\${ITSM_DB_PASSWORD}'`);
    expect(pg.ITSM_DB_PASSWORD).toBe(decodeURIComponent(url.password));
    expect(script).toContain(`CREATE DATABASE ${url.pathname.slice(1)} OWNER ${user}`);
    // The healthcheck waits for the app's database, which exists only once the init script ran.
    expect([service('postgres').healthcheck?.test].flat().join(' ')).toContain(`-d ${url.pathname.slice(1)}`);
  });

  it("runs Temporal on the same PostgreSQL as its own role, in databases apart from the app's, schemas first, then the server, then the namespace", () => {
    const pg = envOf('postgres');
    const appUrl = new URL(loadEnv(envOf('api')).DATABASE_URL);
    for (const name of ['temporal-schema', 'temporal']) {
      const t = envOf(name);
      expect([name, t.DB, t.POSTGRES_SEEDS, t.DB_PORT]).toEqual([name, 'postgres12', 'postgres', '5432']);
      // Temporal's own role, not the CMDB's and not the superuser.
      expect([name, t.POSTGRES_USER]).not.toEqual([name, pg.POSTGRES_USER]);
      expect([name, t.POSTGRES_USER]).not.toEqual([name, appUrl.username]);
      expect(rolesScript()).toContain(`CREATE ROLE ${t.POSTGRES_USER} LOGIN CREATEDB PASSWORD '\${TEMPORAL_DB_PASSWORD}'`);
      expect([name, t.POSTGRES_PWD]).toEqual([name, pg.TEMPORAL_DB_PASSWORD]);
    }
    const schemaJob = (service('temporal-schema').volumes ?? []).map(String)[0].split(':')[0];
    const script = readFileSync(path.resolve(root, schemaJob), 'utf8');
    for (const db of ['temporal', 'temporal_visibility']) expect(script).toContain(db);
    expect(['temporal', 'temporal_visibility']).not.toContain(appUrl.pathname.slice(1));
    expect(script).toMatch(/update-schema -d \/etc\/temporal\/schema\/postgresql\/v12\/temporal\/versioned/);
    expect(dependsOn('temporal-schema').postgres).toBe('service_healthy');
    expect(dependsOn('temporal')['temporal-schema']).toBe('service_completed_successfully');
    expect(dependsOn('temporal-namespace').temporal).toBe('service_healthy');
    expect(envOf('temporal-namespace')).toMatchObject({ TEMPORAL_ADDRESS: loadEnv(envOf('api')).TEMPORAL_ADDRESS, NAMESPACE: loadEnv(envOf('api')).TEMPORAL_NAMESPACE });
    for (const job of ['temporal-schema', 'temporal-namespace']) expect([job, service(job).restart]).toEqual([job, 'no']);
    expect(service('postgres').volumes?.length).toBeGreaterThan(0);
  });

  it('runs the Temporal server version the dev server embeds and test:cluster builds, tools at the same version', () => {
    const pinned = /TEMPORAL_SERVER_VERSION:-v(\d+\.\d+\.\d+)/.exec(readFileSync(path.join(root, 'scripts', 'cluster', 'build-temporal.sh'), 'utf8'))?.[1];
    expect(pinned).toBe('1.32.0'); // Temporal CLI 1.9.1's dev server is server 1.32.0 (architecture notes)
    expect(service('temporal').image).toBe(`temporalio/server:${pinned}`);
    expect(service('temporal-schema').image).toBe(`temporalio/admin-tools:${pinned}`);
    expect(service('temporal-namespace').image).toBe(`temporalio/admin-tools:${pinned}`);
  });

  it('builds the API, worker and migrate job from one Dockerfile at the project root', () => {
    for (const name of APP_SERVICES) {
      const b = buildOf(name);
      expect([name, b.context]).toEqual([name, '.']);
      expect(existsSync(path.resolve(root, b.context, b.dockerfile))).toBe(true);
      expect(b).toEqual(buildOf('api'));
      expect(service(name).image).toBe(service('api').image);
    }
    expect(service('api').command).toBeUndefined(); // the image's CMD starts the API
    expect(service('worker').command).toEqual(['node', 'dist/worker.js']);
    // The workflow bundle the image's build stage wrote, so workers start without bundling.
    expect(loadEnv(envOf('worker')).WORKFLOW_BUNDLE_PATH).toBe('/app/dist/workflow-bundle.js');
    expect(dockerfile).toMatch(/npm run build/);
    expect(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.build).toMatch(/tsc -p tsconfig\.build\.json && tsx scripts\/build-workflow-bundle\.ts dist\/workflow-bundle\.js/);
  });

  it('scales workers independently of the API', () => {
    const worker = service('worker');
    expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(2);
    // A fixed container name or host port would stop a second replica from starting.
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
  });

  it('starts the API and workers only after migrations and Temporal', () => {
    for (const name of ['api', 'worker']) {
      const deps = dependsOn(name);
      expect([name, deps.migrate]).toEqual([name, 'service_completed_successfully']);
      expect([name, deps['temporal-namespace']]).toEqual([name, 'service_completed_successfully']);
    }
    expect(dependsOn('migrate').postgres).toBe('service_healthy');
  });

  it('gives a health check to every service something waits on as healthy', () => {
    for (const name of Object.keys(services)) {
      for (const [dep, condition] of Object.entries(dependsOn(name))) {
        expect(services).toHaveProperty([dep]);
        if (condition === 'service_healthy') expect([dep, service(dep).healthcheck?.test]).toEqual([dep, expect.anything()]);
      }
    }
  });

  it('pins every image tag', () => {
    const images = Object.entries(services)
      .filter(([, s]) => s.image !== undefined)
      .map(([name, s]) => [name, String(s.image)] as const);
    expect(images.length).toBeGreaterThanOrEqual(4);
    for (const [name, image] of images) {
      if (image.includes('@sha256:')) continue;
      const lastSlash = image.lastIndexOf('/');
      const colon = image.lastIndexOf(':');
      const tag = colon > lastSlash ? image.slice(colon + 1) : '';
      expect([name, tag]).toEqual([name, expect.stringMatching(/^[\w][\w.-]*$/)]);
      expect([name, tag]).not.toEqual([name, 'latest']);
    }
    expect(service('postgres').image).toMatch(/^postgres:16(\b|$)/);
    expect(service('temporal').image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
  });
});

describe('Dockerfile', () => {
  // One entry per instruction: comments dropped, `\` continuations joined.
  const lines = dockerfile
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n');
  const instructions = lines.map((l) => l.split(/\s+/)[0].toUpperCase());
  const indexOf = (re: RegExp) => lines.findIndex((l) => re.test(l));

  it('builds on Node 20, whose Intl data workflows replay against', () => {
    const bases = lines.filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(bases.length).toBeGreaterThan(0);
    const stages = lines.flatMap((l) => /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(l)?.[1] ?? []);
    for (const base of bases.filter((b) => !stages.includes(b))) expect(base).toMatch(/^node:20[.-]/);
  });

  it('installs exactly the locked dependencies before copying the source', () => {
    const copyLock = indexOf(/^COPY\s.*package-lock\.json/);
    const npmCi = indexOf(/^RUN\s.*\bnpm ci\b/);
    const copyAll = indexOf(/^COPY\s+\.\s+\.?/);
    expect(copyLock).toBeGreaterThanOrEqual(0);
    expect(npmCi).toBeGreaterThan(copyLock);
    expect(copyAll).toBeGreaterThan(npmCi);
    expect(indexOf(/node scripts\/bootstrap\.mjs --no-temporal/)).toBeGreaterThan(copyAll);
    expect(lines.some((l) => /\bnpm install\b/.test(l))).toBe(false);
  });

  it('starts the API by default', () => {
    const cmd = lines.filter((_, i) => instructions[i] === 'CMD').pop();
    expect(cmd && JSON.parse(cmd.slice(3).trim())).toEqual(['node', 'dist/api/server.js']);
  });

  it('keeps host artefacts out of the build context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.data', '.tools', 'generated', '.git']));
  });
});
