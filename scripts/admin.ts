/**
 * Administration from the command line, for when nobody can sign in yet.
 *
 *   npm run admin -- create-admin --email you@example.com [--name "Your Name"] [--token-name laptop]
 *
 * Applies pending migrations, creates an admin with that address (or takes the existing
 * active admin who has it) and prints a new API token for them: the token alone on stdout
 * (so `TOKEN=$(npm run -s admin -- create-admin --email …)` works), everything else on
 * stderr. It reads DATABASE_URL and TOKEN_HASH_KEY like the API (the key must be the API's).
 */
import { loadEnvOrExit } from '../config/env';
import { createDb, tuneDb } from '../db/client';
import { migrate } from '../db/migrate';
import { parseTokenHashKey, TokenKeyMissing } from '../infra/tokens';
import { AdminBootstrapRefused, createAdmin } from '../services/admin-bootstrap';

const USAGE = 'usage: npm run admin -- create-admin --email <address> [--name <name>] [--token-name <name>]';

function options(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value\n${USAGE}`);
    out[m[1]] = value;
  }
  return out;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'create-admin') {
    process.stderr.write(`${USAGE}\n`);
    return 64; // EX_USAGE
  }
  const opts = options(rest);
  const unknown = Object.keys(opts).filter((k) => !['email', 'name', 'token-name'].includes(k));
  if (unknown.length || !opts.email || !/^[^@\s]+@[^@\s]+$/.test(opts.email)) {
    process.stderr.write(`${unknown.length ? `unknown option --${unknown[0]}` : 'an --email address is required'}\n${USAGE}\n`);
    return 64;
  }
  const env = loadEnvOrExit();
  let key: Buffer;
  try {
    key = parseTokenHashKey(env.TOKEN_HASH_KEY, env.NODE_ENV);
  } catch (e) {
    if (!(e instanceof TokenKeyMissing)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 78; // EX_CONFIG
  }
  await migrate(env.DATABASE_URL);
  const db = createDb(env.DATABASE_URL);
  try {
    await tuneDb(db, env.DATABASE_URL);
    const result = await createAdmin(db, key, { email: opts.email, name: opts.name, tokenName: opts['token-name'] });
    process.stderr.write(`${result.created ? 'created admin' : 'existing admin'} ${result.user.id} <${result.user.email}>; new token ${result.prefix} (shown once, store it now):\n`);
    process.stdout.write(`${result.token}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof AdminBootstrapRefused)) throw e;
    process.stderr.write(`refused: ${e.message}\n`);
    return 65; // EX_DATAERR
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`admin failed: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
