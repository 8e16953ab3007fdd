import { z } from '../../domain/schemas/zod';
import { listOf } from '../../domain/schemas/common';
import { AuditEntry } from '../../domain/schemas/incident';
import { CONTRACT_COMMANDS, ContractCommandBodies, ContractQuery, ContractRecord, CreateContractBody, type ContractCommandName } from '../../domain/schemas/contract';
import { DEFAULT_REMINDER_DAYS, contractView, isTerminal } from '../../domain/supplier/contract';
import type { Db } from '../../db/client';
import { contractFromRow } from '../../db/contract-store';
import { findGroup } from '../../db/people-store';
import { findSupplier } from '../../db/supplier-store';
import { resolveService } from '../../services/finance';
import { resolveUser } from '../../services/relationship';
import { ValidationFailed } from '../../services/errors';
import { openContract } from '../../temporal/open-contract';
import { contractCommandUpdates } from '../../workflows/contracts/contract';
import { commandRoutes } from '../command-routes';
import { conflict, notFound } from '../errors';
import { listPage } from '../pagination';
import { route, type RouteDef } from '../route';
import { commandError } from '../temporal-errors';
import { auditEntries } from './history';
import { SUPPLIER_READERS, SUPPLIER_WRITERS } from './suppliers';
import { openRecordDeps } from '../open-record-deps';

const COMMAND_ROLES = Object.fromEntries(CONTRACT_COMMANDS.map((c) => [c, SUPPLIER_WRITERS])) as Record<ContractCommandName, typeof SUPPLIER_WRITERS>;

async function requireContract(db: Db, ref: string) {
  const row = await db.contract.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
  if (!row) throw notFound(`contract ${ref}`);
  return row;
}

async function groupOr400(db: Db, ref: string): Promise<string> {
  const group = await findGroup(db, ref);
  if (!group) throw new ValidationFailed('ownerGroup does not exist', [{ path: 'ownerGroup', message: `no group ${ref}` }]);
  return group.name;
}

/** The UC agreement a contract backs must be an underpinning contract naming this supplier. */
async function ucOf(db: Db, ref: string, supplierName: string): Promise<string> {
  const sla = await db.sla.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
  if (!sla) throw new ValidationFailed('slaId does not exist', [{ path: 'slaId', message: `no agreement ${ref}` }]);
  if (sla.kind !== 'UC' || sla.supplier !== supplierName) throw new ValidationFailed('slaId must be a UC of the supplier', [{ path: 'slaId', message: `${sla.number} is not an underpinning contract of ${supplierName}` }]);
  return sla.id;
}

/** Supplier contracts: one workflow per contract, with renewal reminders, escalation and expiry. */
export function contractRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/contracts',
      summary: 'Create a supplier contract (its renewal reminders, escalation and end run from now)',
      tag: 'Contracts',
      roles: SUPPLIER_WRITERS,
      body: CreateContractBody,
      response: ContractRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const supplier = await findSupplier(deps.db, body.supplierId);
        if (!supplier) throw new ValidationFailed('supplierId does not exist', [{ path: 'supplierId', message: `no supplier ${body.supplierId}` }]);
        if (supplier.retiredAt) throw conflict(`supplier ${supplier.number} is retired`);
        const ownerGroup = await groupOr400(deps.db, body.ownerGroup);
        const owner = body.owner ? await resolveUser(deps.db, body.owner, 'owner') : null;
        const slaId = body.slaId ? await ucOf(deps.db, body.slaId, supplier.name) : null;
        const serviceId = body.serviceId ? await resolveService(deps.db, body.serviceId, 'serviceId') : null;
        try {
          return await openContract(openRecordDeps(deps), user.id, {
            supplierId: supplier.id,
            title: body.title,
            value: body.value,
            currency: body.currency,
            startDate: Date.parse(body.startDate),
            endDate: Date.parse(body.endDate),
            noticeDays: body.noticeDays,
            renewal: body.renewal,
            ownerGroup,
            owner,
            slaId,
            serviceId,
            reminderDays: deps.env.CONTRACT_REMINDER_DAYS ?? DEFAULT_REMINDER_DAYS,
          });
        } catch (e) {
          throw commandError(e, 'the new contract');
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/contracts',
      summary: 'Supplier contracts (newest first), by supplier or state',
      tag: 'Contracts',
      roles: SUPPLIER_READERS,
      query: ContractQuery,
      response: listOf(ContractRecord),
      async handler({ query, deps }) {
        const supplierId = query.supplierId ? ((await findSupplier(deps.db, query.supplierId))?.id ?? query.supplierId) : undefined;
        const where = { ...(supplierId ? { supplierId } : {}), ...(query.state ? { state: query.state } : {}) };
        return listPage(query, where, (args) => deps.db.contract.findMany(args), (row) => contractView(contractFromRow(row), Date.now()));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/contracts/:id',
      summary: 'A supplier contract, by id or number',
      tag: 'Contracts',
      roles: SUPPLIER_READERS,
      response: ContractRecord,
      handler: async ({ params, deps }) => contractView(contractFromRow(await requireContract(deps.db, params.id)), Date.now()),
    }),
    route({
      method: 'get',
      path: '/api/v1/contracts/:id/history',
      summary: 'The audit trail of a contract (reminders, escalation, renewals, amendments, its end)',
      tag: 'Contracts',
      roles: SUPPLIER_READERS,
      response: z.array(AuditEntry),
      handler: async ({ params, deps }) => auditEntries(deps.db, (await requireContract(deps.db, params.id)).id),
    }),
    ...commandRoutes({
      recordType: 'contract',
      tag: 'Contracts',
      path: '/api/v1/contracts/:id',
      bodies: ContractCommandBodies,
      roles: COMMAND_ROLES,
      updates: contractCommandUpdates,
      response: ContractRecord,
      find: requireContract,
      isTerminal,
      /** An amendment's owner and group are resolved here: the workflow holds only ids and names. */
      async payload(deps, _row, verb, body) {
        if (verb !== 'amend') return body;
        const b = body as z.infer<typeof ContractCommandBodies.amend>;
        return {
          ...b,
          ...(b.owner ? { owner: await resolveUser(deps.db, b.owner, 'owner') } : {}),
          ...(b.ownerGroup ? { ownerGroup: await groupOr400(deps.db, b.ownerGroup) } : {}),
        };
      },
    }),
  ];
}
