import { z } from '../../domain/schemas/zod';
import { listOf } from '../../domain/schemas/common';
import { AuditEntry } from '../../domain/schemas/incident';
import type { Role } from '../../domain/access';
import { CreateSecurityPolicyBody, SECURITY_POLICY_COMMANDS, SecurityPolicyCommandBodies, SecurityPolicyQuery, SecurityPolicyRecord, type SecurityPolicyCommandName } from '../../domain/schemas/security-policy';
import { DEFAULT_POLICY_REMINDER_DAYS, isTerminal, securityPolicyView } from '../../domain/security/policy';
import type { Db } from '../../db/client';
import { findGroup } from '../../db/people-store';
import { securityPolicyFromRow } from '../../db/security-policy-store';
import { ValidationFailed } from '../../services/errors';
import { openSecurityPolicy } from '../../temporal/open-security-policy';
import { securityPolicyCommandUpdates } from '../../workflows/contracts/security-policy';
import { commandRoutes } from '../command-routes';
import { notFound } from '../errors';
import { listPage } from '../pagination';
import { route, type RouteDef } from '../route';
import { commandError } from '../temporal-errors';
import { auditEntries } from './history';
import { openRecordDeps } from '../open-record-deps';

/** Staff read the policies; managers and admins keep them (there is no security role: the owner group is told). */
export const SECURITY_POLICY_READERS: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'cab_member', 'release_manager', 'admin'];
export const SECURITY_POLICY_WRITERS: readonly Role[] = ['problem_manager', 'change_manager', 'release_manager', 'admin'];
const COMMAND_ROLES = Object.fromEntries(SECURITY_POLICY_COMMANDS.map((c) => [c, SECURITY_POLICY_WRITERS])) as Record<SecurityPolicyCommandName, typeof SECURITY_POLICY_WRITERS>;

async function requirePolicy(db: Db, ref: string) {
  const row = await db.securityPolicy.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
  if (!row) throw notFound(`security policy ${ref}`);
  return row;
}

/** Security policies: one workflow per policy, with reminders before its review date and its lapse. */
export function securityPolicyRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/security-policies',
      summary: 'Create a security policy (reminders before its review date, a lapse when it passes unreviewed)',
      tag: 'Security policies',
      roles: SECURITY_POLICY_WRITERS,
      body: CreateSecurityPolicyBody,
      response: SecurityPolicyRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        if (Date.parse(body.reviewDue) <= Date.now()) throw new ValidationFailed('reviewDue must be in the future', [{ path: 'reviewDue', message: 'must be in the future' }]);
        const group = await findGroup(deps.db, body.ownerGroup);
        if (!group) throw new ValidationFailed('ownerGroup does not exist', [{ path: 'ownerGroup', message: `no group ${body.ownerGroup}` }]);
        try {
          return await openSecurityPolicy(openRecordDeps(deps), user.id, {
            title: body.title,
            ownerGroup: group.name,
            body: body.body,
            reviewDue: Date.parse(body.reviewDue),
            reminderDays: DEFAULT_POLICY_REMINDER_DAYS,
          });
        } catch (e) {
          throw commandError(e, 'the new security policy');
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/security-policies',
      summary: 'Security policies (newest first), by state or owner group',
      tag: 'Security policies',
      roles: SECURITY_POLICY_READERS,
      query: SecurityPolicyQuery,
      response: listOf(SecurityPolicyRecord),
      async handler({ query, deps }) {
        const where = { ...(query.state ? { state: query.state } : {}), ...(query.ownerGroup ? { ownerGroup: query.ownerGroup } : {}) };
        return listPage(query, where, (args) => deps.db.securityPolicy.findMany(args), (row) => securityPolicyView(securityPolicyFromRow(row), Date.now()));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/security-policies/:id',
      summary: 'A security policy, by id or number',
      tag: 'Security policies',
      roles: SECURITY_POLICY_READERS,
      response: SecurityPolicyRecord,
      handler: async ({ params, deps }) => securityPolicyView(securityPolicyFromRow(await requirePolicy(deps.db, params.id)), Date.now()),
    }),
    route({
      method: 'get',
      path: '/api/v1/security-policies/:id/history',
      summary: 'The audit trail of a security policy (reminders, lapse, reviews, retirement)',
      tag: 'Security policies',
      roles: SECURITY_POLICY_READERS,
      response: z.array(AuditEntry),
      handler: async ({ params, deps }) => auditEntries(deps.db, (await requirePolicy(deps.db, params.id)).id),
    }),
    ...commandRoutes({
      recordType: 'security_policy',
      tag: 'Security policies',
      path: '/api/v1/security-policies/:id',
      bodies: SecurityPolicyCommandBodies,
      roles: COMMAND_ROLES,
      updates: securityPolicyCommandUpdates,
      response: SecurityPolicyRecord,
      find: requirePolicy,
      isTerminal,
    }),
  ];
}
