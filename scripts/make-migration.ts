/**
 * Writes a new migration for both providers from the difference between what the existing
 * migrations build and the current prisma/models.prisma, using `prisma migrate diff`
 * (which works offline, unlike `migrate dev` on a fresh database).
 * Usage: npm run db:migration -- <name>
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_');
if (!name) throw new Error('usage: npm run db:migration -- <name>');
const root = path.join(__dirname, '..');
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);

for (const provider of ['sqlite', 'postgres']) {
  const dir = path.join(root, 'prisma', 'migrations', provider);
  mkdirSync(dir, { recursive: true });
  const hasMigrations = readdirSync(dir).some((d) => existsSync(path.join(dir, d, 'migration.sql')));
  const from = hasMigrations ? ['--from-migrations', dir] : ['--from-empty'];
  const sql = execFileSync(
    path.join(root, 'node_modules', '.bin', 'prisma'),
    ['migrate', 'diff', ...from, '--to-schema-datamodel', path.join(root, 'prisma', 'generated', provider, 'schema.prisma'), '--script'],
    { cwd: root, env: { ...process.env, PRISMA_PROVIDER: provider }, encoding: 'utf8' },
  );
  if (!hasMigrations) writeFileSync(path.join(dir, 'migration_lock.toml'), `provider = "${provider === 'postgres' ? 'postgresql' : 'sqlite'}"\n`);
  const target = path.join(dir, `${stamp}_${name}`);
  mkdirSync(target, { recursive: true });
  writeFileSync(path.join(target, 'migration.sql'), sql);
  console.log(`wrote ${path.relative(root, target)}/migration.sql`);
}
