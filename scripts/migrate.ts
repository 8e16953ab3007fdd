import { loadEnvOrExit } from '../config/env';
import { migrate } from '../db/migrate';

const env = loadEnvOrExit();
migrate(env.DATABASE_URL).then(
  () => console.log('migrations applied'),
  (e) => {
    console.error(e.stderr ?? e.message);
    process.exit(1);
  },
);
