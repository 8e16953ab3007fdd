import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ContinuityActivities } from '../activities/continuity';
import { raisesProblem } from '../domain/continuity/lifecycle';
import { alarmEffect, commandAction, commandEffect, commandRefusal, continuityRunView, isTerminal, newContinuityRun, parseAlarm, problemEffect, runDeadlines } from '../domain/continuity/run';
import type { ContinuityRunCommandName, ContinuityRunRecord, ContinuityRunSnapshot } from '../domain/schemas/continuity';
import {
  continuityRunCommandUpdates, createContinuityRunUpdate, getContinuityRunQuery,
  type ContinuityRunCarriedState, type ContinuityRunCommandPayloads, type ContinuityRunWorkflowInput,
} from './contracts/continuity-run';
import { RecordProcess, recordSearchAttributes, invalidTransition } from './kernel/record-process';

/** Lookups and the problem raised: nobody waits on them but the run itself, so they retry until the database and engine answer. */
const acts = proxyActivities<ContinuityActivities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } });

const searchAttributes = recordSearchAttributes('continuity_run');

const minutes = (ms: number) => Math.round(ms / 60_000);

/** One DR test or invocation of a continuity plan: its rules are in domain/continuity/. */
export async function continuityRunWorkflow(input: ContinuityRunWorkflowInput): Promise<ContinuityRunRecord | null> {
  const record = new RecordProcess<ContinuityRunSnapshot, ContinuityRunCarriedState, ContinuityRunRecord>(input, {
    recordType: 'continuity_run',
    view: continuityRunView,
    isTerminal,
    searchAttributes,
  });
  const check = (name: ContinuityRunCommandName, body: ContinuityRunCommandPayloads[ContinuityRunCommandName]) => {
    const refusal = commandRefusal(record.snapshot, name, body);
    if (refusal) throw invalidTransition(refusal.message);
  };

  /** A failed or overrun test raises a problem on the service, linked on the run. */
  async function raiseProblem(): Promise<ContinuityRunRecord> {
    const s = record.snapshot;
    const reservation = await acts.reserveContinuityProblem();
    const failed = s.steps.find((x) => x.state === 'failed');
    const why = s.outcome === 'overrun'
      ? `recovery took ${minutes(s.recoveryMs!)} min against an RTO of ${s.rtoMinutes} min`
      : failed ? `step "${failed.title}" (${failed.group}) failed: ${failed.reason}` : 'the test was aborted';
    const problem = await acts.raiseContinuityProblem({
      reservation, serviceId: s.serviceId, config: input.config,
      title: `DR test ${s.number} of ${s.planNumber} ${s.outcome === 'overrun' ? 'overran its RTO' : 'failed'}: ${s.serviceName}`.slice(0, 200),
      description: `${s.title} for ${s.serviceNumber} ${s.serviceName}: ${why}.`,
    });
    return record.commit('system', 'problem_raised', problemEffect(record.snapshot, problem));
  }

  record.onQuery(getContinuityRunQuery);
  record.onCreate(createContinuityRunUpdate, async ({ actor, body }) => ({
    carried: { snapshot: newContinuityRun({ ...body, id: input.id, number: input.number, workflowId: workflowInfo().workflowId }, actor, Date.now()) },
    action: 'create',
    effect: { events: ['continuity.run.started'], data: { kind: body.kind, planId: body.plan.id, serviceId: body.service.id, steps: body.plan.steps.length, rtoMinutes: body.plan.rtoMinutes, incidentId: body.incident?.id ?? null } },
    // The major incident holds the link too: a work note naming the recovery under way.
    after: body.incident
      ? async () => {
          await acts.noteContinuityOnIncident({ incidentId: body.incident!.id, text: `Continuity plan ${body.plan.number} (${body.plan.name}) invoked by ${actor}: recovery ${input.number}, RTO ${body.plan.rtoMinutes} min` });
        }
      : undefined,
  }));
  record.onCommands<ContinuityRunCommandPayloads>(
    continuityRunCommandUpdates,
    (name, body) => check(name, body),
    async (name, actor, body) => {
      check(name, body);
      const view = await record.commit(actor, commandAction(name), commandEffect(record.snapshot, name, body, Date.now()));
      return raisesProblem(record.snapshot) ? raiseProblem() : view;
    },
  );
  return record.run({
    deadlines: (c) => runDeadlines(c.snapshot),
    fire: async (d) => {
      const { kind, step } = parseAlarm(d.kind);
      const manager = kind === 'escalation' ? await acts.continuityGroupManager({ group: record.snapshot.steps[step].group }) : null;
      await record.commit('system', `step_${kind}`, alarmEffect(record.snapshot, d.kind, manager));
    },
  });
}
