import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { readGateFacts } from '../db/release-gate';
import { CiConflictError, addRelationshipTx, patchCiTx, updateCiTx } from '../db/ci-store';
import type { GateFacts } from '../domain/release/gate';
import { changeCommandUpdates, linkReleaseUpdate } from '../workflows/contracts/change';
import { FAILURE } from '../workflows/contracts/record';
import type { ActivityDeps } from './deps';
import { beat } from './heartbeat';
import { BlockedTarget } from '../infra/network-policy';
import { outboundStatus } from '../infra/outbound-http';
import { markDeployed } from '../db/dsl-store';

type Ref = { id: string; number: string };

/** Classes whose attributes carry a `version` (domain/cmdb/classes.ts). */
const VERSIONED_CLASSES = new Set(['software', 'application', 'database']);

export function createReleaseActivities(deps: ActivityDeps) {
  const { db } = deps;

  /** Runs an Update on a change's workflow; says what became of it rather than failing the release for another record's refusal. */
  async function onChange(c: Ref, run: (h: ReturnType<typeof deps.temporal.workflow.getHandle>) => Promise<unknown>): Promise<string> {
    const row = await db.change.findUnique({ where: { id: c.id }, select: { workflowId: true } });
    if (!row) return 'not found';
    try {
      await run(deps.temporal.workflow.getHandle(row.workflowId));
      return 'done';
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return 'ended';
      if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure && e.cause.type === FAILURE.invalidTransition) return `refused: ${e.cause.message}`;
      throw e;
    }
  }

  return {
    /** What the gate reads: the linked changes as they are now, and the freezes in force. */
    async gateFacts(input: { changeIds: string[]; at: number }): Promise<GateFacts> {
      return readGateFacts(db, input.changeIds, input.at);
    },

    /** Each change records the release on its own trail (retries attach nothing twice: the change ignores a repeat). */
    async linkChangesToRelease(input: { release: Ref; changes: Ref[]; actor: string }): Promise<Record<string, string>> {
      const out: Record<string, string> = {};
      for (const [i, c] of input.changes.entries()) {
        beat({ linked: i });
        out[c.number] = await onChange(c, (h) => h.executeUpdate(linkReleaseUpdate, { args: [{ actor: input.actor, body: { releaseId: input.release.id, releaseNumber: input.release.number } }] }));
      }
      return out;
    },

    /**
     * The release drives its changes through their own commands, as the release (its number
     * is the actor on their audit trails): start when production begins, complete when it is
     * verified or rolled back. A change already moved on is reported, not forced.
     */
    async driveChanges(input: { release: Ref; changes: Ref[]; command: 'start' | 'complete'; outcome?: 'success' | 'failed'; notes?: string }): Promise<Record<string, string>> {
      const out: Record<string, string> = {};
      for (const [i, c] of input.changes.entries()) {
        beat({ driven: i });
        const row = await db.change.findUnique({ where: { id: c.id }, select: { state: true } });
        if (input.command === 'start') {
          if (row?.state === 'implementing') out[c.number] = 'already implementing';
          else out[c.number] = await onChange(c, (h) => h.executeUpdate(changeCommandUpdates.start, { args: [{ actor: input.release.number, body: { notes: `deployment by ${input.release.number} begins` } }] }));
        } else if (row?.state !== 'implementing') {
          out[c.number] = `not implementing (${row?.state ?? 'not found'})`;
        } else {
          const body = { outcome: input.outcome ?? 'success', notes: input.notes };
          out[c.number] = await onChange(c, (h) => h.executeUpdate(changeCommandUpdates.complete, { args: [{ actor: input.release.number, body }] }));
        }
      }
      return out;
    },

    /**
     * What is deployed where, in the CMDB, in one transaction: each versioned CI takes the
     * release's version (its history names the release), each CI is `deployed_in` each
     * environment CI that exists (class environment, named as the environment), and the DSL
     * records which release deployed its artifacts. Repeating it changes nothing.
     */
    async recordDeployment(input: { releaseId: string; releaseNumber: string; version: string; ciIds: string[]; environments: string[]; artifactIds: string[]; dhsItemIds?: string[] }): Promise<{ versioned: string[]; deployedIn: string[]; missingEnvironments: string[]; dhsItemsUsed: string[] }> {
      const at = new Date();
      const ctx = { actor: input.releaseNumber, via: input.releaseNumber, at };
      return db.$transaction(async (tx) => {
        const envCis = await tx.configurationItem.findMany({ where: { class: 'environment', name: { in: input.environments } } });
        const versioned: string[] = [];
        const deployedIn: string[] = [];
        for (const ciId of input.ciIds) {
          const ci = await tx.configurationItem.findUnique({ where: { id: ciId } });
          if (!ci || ci.status === 'retired') continue;
          if (VERSIONED_CLASSES.has(ci.class)) {
            await patchCiTx(tx, ci.id, { attributes: { version: input.version } }, ctx);
            versioned.push(ci.number);
          }
          for (const env of envCis) {
            const exists = await tx.ciRelationship.findUnique({ where: { sourceId_type_targetId: { sourceId: ci.id, type: 'deployed_in', targetId: env.id } } });
            if (exists) continue;
            try {
              await addRelationshipTx(tx, ci.id, { type: 'deployed_in', targetId: env.id }, ctx);
              deployedIn.push(`${ci.number}→${env.name}`);
            } catch (e) {
              if (!(e instanceof CiConflictError)) throw e;
            }
          }
        }
        await markDeployed(tx, input.artifactIds, input.releaseNumber, at);
        // Spares the release took from the definitive hardware store are in service now (their history names the release).
        const dhsItemsUsed: string[] = [];
        for (const id of input.dhsItemIds ?? []) {
          const item = await tx.configurationItem.findUnique({ where: { id } });
          if (!item || item.status !== 'in_store') continue;
          await updateCiTx(tx, item, { status: 'live', checkedOutTo: null, checkedOutAt: null }, ctx, 'deployed');
          dhsItemsUsed.push(item.number);
        }
        const found = new Set(envCis.map((e) => e.name));
        return { versioned, deployedIn, missingEnvironments: input.environments.filter((e) => !found.has(e)), dhsItemsUsed };
      });
    },

    /** One GET of an environment's health URL: 2xx passes; anything else fails this attempt (the retry policy is the backoff). */
    async checkHealth(input: { url: string }): Promise<string> {
      let status: number;
      try {
        status = await outboundStatus(new URL(input.url), { method: 'GET', timeoutMs: deps.webhookTimeoutMs, allowPrivate: deps.allowPrivateWebhooks ?? false });
      } catch (e) {
        if (e instanceof BlockedTarget) throw ApplicationFailure.nonRetryable(e.message, 'HealthCheckBlocked');
        throw e;
      }
      if (status >= 200 && status < 300) return `HTTP ${status} from ${input.url}`;
      throw ApplicationFailure.retryable(`HTTP ${status}`, 'HealthCheckFailed');
    },
  };
}
export type ReleaseActivities = ReturnType<typeof createReleaseActivities>;
