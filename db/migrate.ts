import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { isSqliteUrl, sqliteFilePath } from './client';
import { mkdirSync } from 'node:fs';

const root = path.join(__dirname, '..');

/** Applies the checked-in migrations of the URL's provider (`prisma migrate deploy`). */
export async function migrate(databaseUrl: string): Promise<void> {
  if (isSqliteUrl(databaseUrl)) mkdirSync(path.dirname(sqliteFilePath(databaseUrl)), { recursive: true });
  await promisify(execFile)(path.join(root, 'node_modules', '.bin', 'prisma'), ['migrate', 'deploy'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_PROVIDER: '', PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
  });
}
