/**
 * Writes a new migration for both providers: the difference between the schema as of the
 * previous migration (kept beside it as schema.prisma) and the current prisma/models.prisma,
 * via `prisma migrate diff` between two datamodels — offline, no shadow database.
 * Usage: node scripts/bootstrap.mjs && npm run db:migration -- <name>
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_');
if (!name) throw new Error('usage: npm run db:migration -- <name>');
const root = path.join(__dirname, '..');
// The JS schema engine opens the SQLite diff database even for a datamodel diff.
mkdirSync(path.join(root, '.data'), { recursive: true });
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);

for (const provider of ['sqlite', 'postgres']) {
  const dir = path.join(root, 'prisma', 'migrations', provider);
  mkdirSync(dir, { recursive: true });
  const previous = readdirSync(dir)
    .filter((d) => existsSync(path.join(dir, d, 'migration.sql')))
    .sort()
    .at(-1);
  const current = path.join(root, 'prisma', 'generated', provider, 'schema.prisma');
  const from = previous ? ['--from-schema-datamodel', path.join(dir, previous, 'schema.prisma')] : ['--from-empty'];
  const sql = execFileSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['migrate', 'diff', ...from, '--to-schema-datamodel', current, '--script'], {
    cwd: root,
    env: { ...process.env, PRISMA_PROVIDER: provider, DATABASE_URL: provider === 'sqlite' ? 'file:./.data/migration-diff.db' : (process.env.DATABASE_URL ?? '') },
    encoding: 'utf8',
  });
  if (!previous) writeFileSync(path.join(dir, 'migration_lock.toml'), `provider = "${provider === 'postgres' ? 'postgresql' : 'sqlite'}"\n`);
  const target = path.join(dir, `${stamp}_${name}`);
  mkdirSync(target, { recursive: true });
  writeFileSync(path.join(target, 'migration.sql'), sql);
  copyFileSync(current, path.join(target, 'schema.prisma'));
  console.log(`wrote ${path.relative(root, target)}/migration.sql`);
}
