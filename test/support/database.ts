import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, tuneDb, type Db } from '../../db/client';
import { migrate } from '../../db/migrate';

export interface TestDatabase {
  url: string;
  db: Db;
  provider: 'sqlite' | 'postgres';
  dispose(): Promise<void>;
}

/** The providers a DB-backed suite runs on: SQLite always, PostgreSQL when CI provides one. */
export const PROVIDERS: Array<'sqlite' | 'postgres'> = process.env.TEST_POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];

let counter = 0;

/** A new, migrated, empty database: a temp SQLite file, or a fresh PostgreSQL database. */
export async function createTestDatabase(provider: 'sqlite' | 'postgres' = 'sqlite'): Promise<TestDatabase> {
  if (provider === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'itsm-test-'));
    const url = `file:${path.join(dir, 'test.db')}`;
    await migrate(url);
    const db = createDb(url);
    await tuneDb(db, url);
    return { url, db, provider, dispose: async () => { await db.$disconnect(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const admin = process.env.TEST_POSTGRES_URL as string;
  const name = `itsm_test_${process.pid}_${Date.now()}_${counter++}`;
  const adminDb = createDb(admin);
  await adminDb.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  await migrate(url);
  const db = createDb(url);
  return {
    url,
    db,
    provider,
    dispose: async () => {
      await db.$disconnect();
      await adminDb.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await adminDb.$disconnect();
    },
  };
}
