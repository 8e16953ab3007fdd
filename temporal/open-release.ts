/**
 * Opening a release: allocate its number, then Update-with-Start of the release workflow,
 * whose `create` Update persists the release (and links its changes) before it answers.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Env } from '../config/env';
import type { Db } from '../db/client';
import { nextNumber } from '../db/numbers';
import { parseIsoDuration } from '../domain/duration';
import type { ReleaseSubmission } from '../domain/release/lifecycle';
import type { ReleaseView } from '../domain/release/snapshot';
import { newId } from '../infra/ids';
import type { ReleaseDefaults } from '../services/release-submission';
import { RELEASE_WORKFLOW, createReleaseUpdate, releaseWorkflowId, type ReleaseWorkflowConfig, type ReleaseWorkflowInput } from '../workflows/contracts/release';
import * as SA from '../workflows/contracts/search-attributes';

export function releaseConfigFromEnv(env: Pick<Env, 'CONTINUE_AS_NEW_AFTER_EVENTS'>, searchAttributes = true): ReleaseWorkflowConfig {
  return { continueAsNewAfterEvents: env.CONTINUE_AS_NEW_AFTER_EVENTS, createTimeoutMs: 60_000, searchAttributes };
}

type ReleaseEnv = Partial<Pick<Env, 'PUBLIC_URL' | 'PORT' | 'RELEASE_BUILD_TIMEOUT' | 'RELEASE_TEST_TIMEOUT' | 'RELEASE_DEPLOY_TIMEOUT' | 'RELEASE_VERIFY_TIMEOUT'>>;

/** Stage limits and the artifact base URL, from the settings (README: Release management). */
export function releaseDefaultsFromEnv(env: ReleaseEnv): ReleaseDefaults {
  return {
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? 3000}`).replace(/\/+$/, ''),
    timeouts: {
      build: parseIsoDuration(env.RELEASE_BUILD_TIMEOUT ?? 'PT2H'),
      test: parseIsoDuration(env.RELEASE_TEST_TIMEOUT ?? 'PT4H'),
      deploy: parseIsoDuration(env.RELEASE_DEPLOY_TIMEOUT ?? 'PT1H'),
      verify: parseIsoDuration(env.RELEASE_VERIFY_TIMEOUT ?? 'PT30M'),
    },
  };
}

export interface OpenReleaseDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  config: ReleaseWorkflowConfig;
}

export async function openRelease(deps: OpenReleaseDeps, actor: string, body: ReleaseSubmission): Promise<ReleaseView> {
  const number = await nextNumber(deps.db, 'release');
  const id = newId('rel');
  const title = `${body.name} ${body.version}`;
  const startWorkflowOperation = new WithStartWorkflowOperation(RELEASE_WORKFLOW, {
    workflowId: releaseWorkflowId(number),
    taskQueue: deps.taskQueue,
    args: [{ id, number, config: deps.config } satisfies ReleaseWorkflowInput],
    workflowIdConflictPolicy: 'FAIL',
    memo: { title },
    staticSummary: `${number}: ${title}`.slice(0, 200),
    staticDetails: [
      `**${number}** ${body.type} release: ${title}`,
      `environments: ${body.environments.join(' → ')}`,
      `changes: ${body.changes.map((c) => c.number).join(', ')}`,
      `artifacts: ${body.artifacts.map((a) => `${a.name}@${a.version} (sha256 ${a.sha256.slice(0, 12)}…)`).join(', ')}`,
      `opened by ${actor}`,
    ].join('\n\n'),
    ...(deps.config.searchAttributes === false ? {} : { typedSearchAttributes: [{ key: SA.RecordType, value: 'release' }, { key: SA.RecordNumber, value: number }] }),
  });
  return deps.temporal.workflow.executeUpdateWithStart(createReleaseUpdate, { args: [{ actor, body }], startWorkflowOperation });
}
