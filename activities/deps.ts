import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Logger } from '../infra/logger';
import type { DslSettings } from '../config/dsl';
import type { ArtifactStore } from '../infra/artifact-store';
import type { Mailer } from '../infra/mailer';

/** What activities need from the outside world, injected so tests use the real thing. */
export interface ActivityDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  webhookTimeoutMs: number;
  /** Deliver to loopback, private and link-local addresses too (dev stack and tests only). */
  allowPrivateWebhooks?: boolean;
  /** Opens webhook secrets sealed at rest (SECRETS_KEY); null when none is configured. */
  secretsKey?: Buffer | null;
  log: Logger;
  /** The definitive software library's folders and limits (defaults: the DSL_* settings' defaults). */
  dsl?: DslSettings;
  /** Where verified artifacts are kept; default the filesystem store under `dsl.dir`. */
  artifactStore?: ArtifactStore;
  /** Sends notification e-mails (SMTP_URL); none: notifications stay in-app only. */
  mailer?: Mailer | null;
  /** How people reach this API (PUBLIC_URL): the base of the links in e-mails. */
  publicUrl?: string;
}
