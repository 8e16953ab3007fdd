import { backfillIncidentSlaColumns } from './incident-sla-backfill';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createDb, isSqliteUrl, type Db } from './client';

// The project root: one level up from db/ when run through the TypeScript loader, two from
// dist/db/ in the compiled image; the migrations are not compiled, they stay in prisma/.
const root = [path.join(__dirname, '..'), path.join(__dirname, '..', '..')].find((d) => existsSync(path.join(d, 'prisma', 'migrations'))) ?? path.join(__dirname, '..');

/**
 * Applies the checked-in migrations (written by `npm run db:migration`, i.e. `prisma migrate
 * diff`) in name order, each once, recording them in `_itsm_migrations`. Our own runner:
 * `prisma migrate deploy` through @prisma/adapter-pg fails on PostgreSQL's `name` column
 * type (prisma/orm#27403), and starting the CLI costs seconds per database.
 */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const db = createDb(databaseUrl);
  try {
    const applied = await applyMigrations(db, isSqliteUrl(databaseUrl) ? 'sqlite' : 'postgres');
    // Data a migration's SQL cannot derive (computed by the domain's clock code).
    await backfillIncidentSlaColumns(db);
    return applied;
  } finally {
    await db.$disconnect();
  }
}

export function migrationDir(provider: 'sqlite' | 'postgres'): string {
  return path.join(root, 'prisma', 'migrations', provider);
}

/** Statements of a generated migration: DDL only, one per `;` at the end of a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

export async function applyMigrations(db: Db, provider: 'sqlite' | 'postgres'): Promise<string[]> {
  await db.$executeRawUnsafe(
    'CREATE TABLE IF NOT EXISTS "_itsm_migrations" ("name" TEXT PRIMARY KEY, "appliedAt" TEXT NOT NULL)',
  );
  const done = new Set(((await db.$queryRawUnsafe('SELECT "name" FROM "_itsm_migrations"')) as { name: string }[]).map((r) => r.name));
  const dir = migrationDir(provider);
  const pending = readdirSync(dir)
    .filter((d) => existsSync(path.join(dir, d, 'migration.sql')) && !done.has(d))
    .sort();
  for (const name of pending) {
    const statements = splitStatements(readFileSync(path.join(dir, name, 'migration.sql'), 'utf8'));
    await db.$transaction(async (tx) => {
      for (const statement of statements) await tx.$executeRawUnsafe(statement);
      await tx.$executeRaw`INSERT INTO "_itsm_migrations" ("name", "appliedAt") VALUES (${name}, ${new Date().toISOString()})`;
    });
  }
  return pending;
}
