import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Role } from '../../domain/access';
import { SimulateSlaBody, SlaSimulationRecord } from '../../domain/schemas/sla-simulation';
import { nextNumber } from '../../db/numbers';
import { newId } from '../../infra/ids';
import { proposedPolicy, simulationPeriod, simulationView } from '../../services/sla-simulation';
import { SLA_SIMULATION_WORKFLOW, slaSimulationWorkflowId, type SlaSimulationInput } from '../../workflows/contracts/sla-simulation';
import { conflict, notFound } from '../errors';
import { route, type RouteDef } from '../route';
import { findAgreement } from './slas';

/** Those who judge agreements: admins and the managers. */
const SIMULATORS: readonly Role[] = ['admin', 'problem_manager', 'change_manager', 'release_manager'];
/** Incidents per page of the simulation workflow: one short read and replay each. */
const BATCH_SIZE = 500;

export function slaSimulationRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/slas/:id/simulate',
      summary:
        "What-if: the agreement's incidents opened in [from, to) replayed from their recorded transitions under its current terms with the proposed changes, side by side with their recorded clocks (attainment per priority, records that would flip). Runs as a workflow; poll the link for progress and the result. No record is changed.",
      tag: 'Service levels',
      roles: SIMULATORS,
      body: SimulateSlaBody,
      response: SlaSimulationRecord,
      status: 202,
      errors: [409],
      async handler({ params, body, user, deps, reserve }) {
        const sla = await findAgreement(deps.db, params.id);
        if (sla.kind !== 'SLA') throw conflict(`${sla.number} is an ${sla.kind}: only an SLA's clock is replayed (an incident's slaId names its SLA)`);
        const period = simulationPeriod(body);
        const policy = proposedPolicy(sla, body.changes);
        const { value: ids, resumed } = await reserve(async () => ({ id: newId('sim'), number: await nextNumber(deps.db, 'simulation'), asOf: Date.now() }));
        const row = await deps.db.slaSimulation.upsert({
          where: { id: ids.id },
          create: { id: ids.id, number: ids.number, slaId: sla.id, changes: JSON.stringify(body.changes), periodFrom: new Date(period.from), periodTo: new Date(period.to), status: 'running', createdBy: user.id },
          update: {},
        });
        const input: SlaSimulationInput = { simulationId: ids.id, slaId: sla.id, policy, ...period, asOf: ids.asOf, batchSize: BATCH_SIZE };
        try {
          await deps.temporal.workflow.start(SLA_SIMULATION_WORKFLOW, { workflowId: slaSimulationWorkflowId(ids.number), taskQueue: deps.env.TEMPORAL_TASK_QUEUE, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
        } catch (e) {
          // A retry under the same Idempotency-Key finds the workflow its first attempt started.
          if (!(e instanceof WorkflowExecutionAlreadyStartedError && resumed)) {
            await deps.db.slaSimulation.updateMany({ where: { id: ids.id, status: 'running' }, data: { status: 'failed', error: 'the simulation could not be started', finishedAt: new Date() } });
            throw e;
          }
        }
        return simulationView(row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/slas/:id/simulations/:simulationId',
      summary: "A simulation of the agreement: status, progress and, once completed, the figures before and after with the records that would flip",
      tag: 'Service levels',
      roles: SIMULATORS,
      response: SlaSimulationRecord,
      async handler({ params, deps }) {
        const sla = await findAgreement(deps.db, params.id);
        const row = await deps.db.slaSimulation.findFirst({ where: { slaId: sla.id, OR: [{ id: params.simulationId }, { number: params.simulationId }] } });
        if (!row) throw notFound(`simulation ${params.simulationId} of ${sla.number}`);
        return simulationView(row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/simulations/:id',
      summary: 'A simulation by id or number, whichever agreement it is of (the same record as under its agreement)',
      tag: 'Service levels',
      roles: SIMULATORS,
      response: SlaSimulationRecord,
      async handler({ params, deps }) {
        const row = await deps.db.slaSimulation.findFirst({ where: { OR: [{ id: params.id }, { number: params.id }] } });
        if (!row) throw notFound(`simulation ${params.id}`);
        return simulationView(row);
      },
    }),
  ];
}
