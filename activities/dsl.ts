import { constants, promises as fs } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { dslSettings } from '../config/dsl';
import { subscriptionEventsOf } from '../db/columns';
import { artifactView, findArtifact } from '../db/dsl-store';
import { toJson } from '../db/json';
import { resolveFileSource } from '../infra/artifact-source';
import { ArtifactTooLarge, DigestMismatch, FsArtifactStore } from '../infra/artifact-store';
import { BlockedTarget } from '../infra/network-policy';
import { outboundRequest } from '../infra/outbound-http';
import { openSecret } from '../infra/secret-box';
import { DSL_FAILURE, type DslMismatchDetails, type DslOutcome } from '../workflows/contracts/dsl-verification';
import type { ActivityDeps } from './deps';
import { beat } from './heartbeat';
import { dispatchEvents, subscriptionMatches } from './webhooks';

/** A source that sends nothing for this long is dropped (and retried); below the heartbeat timeout. */
export const DSL_IDLE_TIMEOUT_MS = 20_000;
/** sizeBytes is a 32-bit column on PostgreSQL: nothing larger is fetched, whatever DSL_MAX_BYTES says. */
const LARGEST_STORABLE = 2 ** 31 - 1;

const refused = (message: string) => ApplicationFailure.create({ type: DSL_FAILURE.refused, message, nonRetryable: true });
const unavailable = (message: string) => ApplicationFailure.create({ type: DSL_FAILURE.unavailable, message });
const tooLarge = (e: ArtifactTooLarge) => ApplicationFailure.create({ type: DSL_FAILURE.tooLarge, message: e.message, nonRetryable: true });

function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // called outside an activity (a test)
  }
}

/** Where to GET: the stored (redacted) URI with the sealed credentials put back. */
function sourceUrl(stored: string, sealedCredentials: string | undefined, key: Buffer | null): URL {
  const url = new URL(stored);
  if (sealedCredentials !== undefined) {
    const plain = openSecret(sealedCredentials, key);
    const i = plain.indexOf(':');
    url.username = i < 0 ? plain : plain.slice(0, i);
    url.password = i < 0 ? '' : plain.slice(i + 1);
  }
  return url;
}

/** One GET under the outbound policy (see infra/outbound-http.ts). */
function get(url: URL, o: { allowPrivate: boolean; signal?: AbortSignal }): Promise<IncomingMessage> {
  return outboundRequest(url, {
    method: 'GET',
    headers: { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': 'itsm-dsl/1' },
    timeoutMs: DSL_IDLE_TIMEOUT_MS,
    allowPrivate: o.allowPrivate,
    ...(o.signal ? { signal: o.signal } : {}),
  });
}

async function openHttp(url: URL, maxBytes: number, o: { allowPrivate: boolean; signal?: AbortSignal }): Promise<Readable> {
  let res: IncomingMessage;
  try {
    res = await get(url, o);
  } catch (e) {
    if (e instanceof BlockedTarget) throw refused(e.message);
    if (o.signal?.aborted) throw e;
    throw unavailable(`source unreachable: ${(e as Error).message}`);
  }
  const status = res.statusCode ?? 0;
  if (status !== 200) {
    res.resume();
    const answer = `the source answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
    if (status >= 300 && status < 400) throw refused(`${answer}: redirects are not followed, register the final URL`);
    if (status >= 500 || status === 408 || status === 425 || status === 429) throw unavailable(answer);
    throw refused(answer);
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw tooLarge(new ArtifactTooLarge(maxBytes, declared));
  }
  return res;
}

async function openFile(url: URL, root: string, maxBytes: number): Promise<Readable> {
  const src = await resolveFileSource(url, root, true);
  if (!src.ok) throw src.missing ? unavailable(`source unreachable: ${src.reason}`) : refused(`uri ${src.reason}`);
  let handle: fs.FileHandle;
  try {
    // The real path was just resolved: a symlink swapped in since then is not followed.
    handle = await fs.open(src.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw refused('uri names a symlink that changed after it was resolved');
    throw unavailable(`cannot read the file: ${code ?? (e as Error).message}`);
  }
  const st = await handle.stat();
  if (!st.isFile()) {
    await handle.close();
    throw refused('uri must name a regular file');
  }
  if (st.size > maxBytes) {
    await handle.close();
    throw tooLarge(new ArtifactTooLarge(maxBytes, st.size));
  }
  return handle.createReadStream();
}

export function createDslActivities(deps: ActivityDeps) {
  const settings = deps.dsl ?? dslSettings();
  const store = deps.artifactStore ?? new FsArtifactStore(settings.dir);
  const { db } = deps;

  return {
    /**
     * Fetches an artifact from its source, checks its SHA-256 while streaming it into the
     * library, and keeps it under its digest. Mismatch, too large and refused sources fail
     * without retries; an unreachable source fails to be retried (until the deadline).
     * Heartbeats as bytes arrive; cancellation aborts the transfer. Repeating it is harmless.
     */
    async fetchDslArtifact(input: { artifactId: string; sealedCredentials?: string }): Promise<{ sha256: string; size: number }> {
      const row = await findArtifact(db, input.artifactId);
      if (!row) throw ApplicationFailure.create({ type: DSL_FAILURE.notFound, message: `no DSL artifact ${input.artifactId}`, nonRetryable: true });
      if (row.status === 'verified' && row.actualSha256 && row.sizeBytes !== null && (await store.has(row.actualSha256))) return { sha256: row.actualSha256, size: row.sizeBytes };
      const maxBytes = Math.min(settings.maxBytes, LARGEST_STORABLE);
      const signal = cancellationSignal();
      beat({ phase: 'connecting' });
      let url: URL;
      try {
        url = sourceUrl(row.uri, input.sealedCredentials, deps.secretsKey ?? null);
      } catch (e) {
        throw refused(`the source's credentials cannot be opened: ${(e as Error).message}`);
      }
      const source = url.protocol === 'file:'
        ? await openFile(url, settings.fileRoot, maxBytes)
        : await openHttp(url, maxBytes, { allowPrivate: deps.allowPrivateWebhooks === true, ...(signal ? { signal } : {}) });
      let lastBeat = 0;
      try {
        return await store.put(source, {
          maxBytes,
          expectSha256: row.sha256,
          ...(signal ? { signal } : {}),
          onProgress(bytes) {
            const now = Date.now();
            if (now - lastBeat < 1000) return;
            lastBeat = now;
            beat({ phase: 'streaming', bytes });
          },
        });
      } catch (e) {
        source.destroy();
        if (e instanceof DigestMismatch) {
          throw ApplicationFailure.create({
            type: DSL_FAILURE.mismatch,
            message: e.message,
            nonRetryable: true,
            details: [{ actualSha256: e.actual, sizeBytes: e.size } satisfies DslMismatchDetails],
          });
        }
        if (e instanceof ArtifactTooLarge) throw tooLarge(e);
        if (signal?.aborted) throw e;
        throw unavailable(`transfer interrupted: ${(e as Error).message}`);
      }
    },

    /**
     * Records the outcome (once: only a pending artifact changes) and announces it as
     * `dsl.artifact_verified` / `dsl.artifact_rejected` to webhook subscribers.
     */
    async settleDslArtifact(input: { artifactId: string; outcome: DslOutcome }): Promise<void> {
      const { artifactId, outcome } = input;
      const eventId = `evt-${artifactId}-settled`;
      const type = outcome.status === 'verified' ? 'dsl.artifact_verified' : 'dsl.artifact_rejected';
      const at = new Date();
      await db.$transaction(async (tx) => {
        const data =
          outcome.status === 'verified'
            ? { status: 'verified', actualSha256: outcome.actualSha256, sizeBytes: outcome.sizeBytes, error: null, verifiedAt: at }
            : { status: 'rejected', error: outcome.error.slice(0, 2000), actualSha256: outcome.actualSha256 ?? null, sizeBytes: outcome.sizeBytes ?? null };
        const moved = await tx.dslArtifact.updateMany({ where: { id: artifactId, status: 'pending' }, data });
        if (moved.count === 0) return; // settled by an earlier attempt
        const row = await tx.dslArtifact.findUniqueOrThrow({ where: { id: artifactId } });
        const subscriptions = await tx.webhookSubscription.findMany({ where: { active: true }, select: { id: true, events: true } });
        const wanted = subscriptions.some((sub) => subscriptionMatches(subscriptionEventsOf(sub), type));
        await tx.outboxEvent.create({
          data: { id: eventId, type, recordType: 'dsl_artifact', recordId: artifactId, occurredAt: at, data: toJson(artifactView(row)), dispatchedAt: wanted ? null : at },
        });
      });
      const undelivered = await db.outboxEvent.count({ where: { id: eventId, dispatchedAt: null } });
      if (undelivered) await dispatchEvents(deps, [eventId]);
      deps.log.info('dsl artifact settled', { artifactId, status: outcome.status, ...(outcome.status === 'rejected' ? { error: outcome.error } : {}) });
    },
  };
}
export type DslActivities = ReturnType<typeof createDslActivities>;
