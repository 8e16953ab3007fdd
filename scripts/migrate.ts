import { loadEnvOrExit } from '../config/env';
import { migrate } from '../db/migrate';

const env = loadEnvOrExit();
migrate(env.DATABASE_URL).then(
  (applied) => console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date'),
  (e) => {
    console.error(`migration failed: ${(e as Error).message}`);
    process.exit(1);
  },
);
