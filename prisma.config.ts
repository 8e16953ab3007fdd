import path from 'node:path';
import { defineConfig } from 'prisma/config';

/**
 * The JavaScript schema engine with a driver adapter: the classic engine downloads native
 * binaries, which a closed network cannot. The provider follows DATABASE_URL (or
 * PRISMA_PROVIDER when generating clients, which needs no database).
 */
const url = process.env.DATABASE_URL ?? 'file:./.data/itsm.db';
const provider = process.env.PRISMA_PROVIDER || (url.startsWith('file:') ? 'sqlite' : 'postgres');

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'generated', provider, 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations', provider) },
  async adapter() {
    if (provider === 'sqlite') {
      const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
      return new PrismaBetterSQLite3({ url });
    }
    const { PrismaPg } = await import('@prisma/adapter-pg');
    return new PrismaPg({ connectionString: url });
  },
});
