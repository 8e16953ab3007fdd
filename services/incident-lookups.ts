/**
 * What a new incident looks up before it is opened (its SLA, its agreements, the known errors
 * it matches, its security context, where it is routed) and on assignment (the group): read on
 * the driver (db/sql.ts) where it is on the path of the command's answer, not through Prisma's
 * query compiler. Used by the incident activities and by code that opens an incident outside
 * its workflow; only the database is needed.
 */
import { agreementInForce } from './agreements';
import type { MatchedKnownError } from '../domain/incident/snapshot';
import { impactOfClasses, walkImpact } from '../db/impact';
import { routeIncident, type RoutingDecision } from '../domain/incident/routing';
import { DEFAULT_TARGETS, escalationRulesWithDefaults, type SlaPolicy } from '../domain/sla/policy';
import { driverOf, selectRows, type Db } from '../db/client';
import type { AssignmentRule, Sla } from '../generated/prisma-sqlite/client';
import { ownerGroupOf, slaPolicyOf } from '../db/columns';
import type { AgreementTerms } from '../domain/sla/agreement-clocks';
import { SECURITY_GROUP, highestDataClass, type DataClass } from '../domain/incident/security';

/** How far an incident's CI is followed to the CIs it depends on when matching known errors. */
const MATCH_DEPTH = 4;
const MAX_MATCHES = 5;

export interface KnownErrorMatches {
  knownErrors: MatchedKnownError[];
  /** A problem of a matched known error that is watching for recurrence: the incident links itself to it. */
  problem: { id: string; number: string } | null;
}

export interface GroupInfo {
  name: string;
  managerId: string | null;
  nextTierGroup: string | null;
}

/** Used only when no SLA at all is configured, so an incident never lacks clocks. */
export const BUILT_IN_SLA: SlaPolicy = {
  slaId: 'built-in',
  name: 'Built-in default',
  calendar: '24x7',
  targets: DEFAULT_TARGETS,
  escalation: escalationRulesWithDefaults(undefined),
  pauseOn: ['awaiting_caller'],
};


/** How far from a CI its service is looked for when an incident names only the CI. */
const SERVICE_DEPTH = 6;

export function incidentLookups(db: Db) {
  // Opened when a lookup first runs, not when this object is built.
  const driver = () => driverOf(db);
  const firstTier = async () => (await driver().query<{ name: string }>('SELECT "name" FROM "Group" WHERE "tier" = 1 ORDER BY "name" LIMIT 1'))[0]?.name ?? null;
  const group = async (name: string): Promise<GroupInfo | null> => {
    const [g] = await driver().query<GroupInfo>('SELECT "name", "managerId", "nextTierGroup" FROM "Group" WHERE "name" = ?', [name]);
    return g ? { name: g.name, managerId: g.managerId, nextTierGroup: g.nextTierGroup } : null;
  };
  const agreements = async (input: { team: string | null; supplier: string | null; serviceId: string | null }): Promise<{ ola: AgreementTerms | null; uc: AgreementTerms | null }> => {
    const find = async (kind: 'OLA' | 'UC', where: { team: string } | { supplier: string }) => {
      const [column, value] = 'team' in where ? ['team', where.team] : ['supplier', where.supplier];
      const rows = await selectRows<Sla>(db, 'Sla', `SELECT * FROM "Sla" WHERE "kind" = ? AND "retiredAt" IS NULL AND "${column}" = ? AND ("serviceId" = ? OR "serviceId" IS NULL) ORDER BY "createdAt" DESC`, [kind, value, input.serviceId]);
      const row = rows.find((r) => r.serviceId !== null && r.serviceId === input.serviceId) ?? rows.find((r) => r.serviceId === null);
      if (!row) return null;
      const p = slaPolicyOf(row);
      return { kind, agreementId: row.id, version: row.version, name: row.name, team: row.team, supplier: row.supplier, calendar: p.calendar, targets: p.targets, escalation: p.escalation, pauseOn: p.pauseOn };
    };
    return {
      ola: input.team ? await find('OLA', { team: input.team }) : null,
      uc: input.supplier ? await find('UC', { supplier: input.supplier }) : null,
    };
  };

  return {
    /** The SLA in force for the incident's service, else the default SLA in force (a retired agreement is given to no new incident). */
    async loadSlaPolicy(input: { serviceId: string | null }): Promise<SlaPolicy> {
      const sla = await agreementInForce(db, input.serviceId);
      return sla ? slaPolicyOf(sla) : BUILT_IN_SLA;
    },

    /**
     * The OLA of the group an incident was handed to and the UC of the supplier it waits on,
     * where there are such agreements in force: the one for the incident's service first, else
     * one for any service; the newest if several.
     */
    async loadAgreements(input: { team: string | null; supplier: string | null; serviceId: string | null }): Promise<{ ola: AgreementTerms | null; uc: AgreementTerms | null }> {
      return agreements(input);
    },

    /**
     * Active known errors an incident matches, best first: its CI (3), a CI it depends on
     * through the CMDB (2), its service (2), its category (1), summed per known error. Also
     * the problem, if any, that one of them belongs to and that is watching for recurrence.
     */
    async matchKnownErrors(input: { ciId: string | null; serviceId: string | null; category: string | null }): Promise<KnownErrorMatches> {
      const none: KnownErrorMatches = { knownErrors: [], problem: null };
      if (!input.ciId && !input.serviceId && !input.category) return none;
      // Most deployments, most of the time: no known errors at all, so no graph walk.
      if ((await driver().query('SELECT "id" FROM "KnownError" WHERE "status" = ? LIMIT 1', ['active'])).length === 0) return none;
      const weights = new Map<string, number>();
      const add = (rows: { knownErrorId: string }[], w: number) => rows.forEach((r) => weights.set(r.knownErrorId, (weights.get(r.knownErrorId) ?? 0) + w));
      if (input.ciId) {
        add(await db.knownErrorTarget.findMany({ where: { kind: 'ci', key: input.ciId }, select: { knownErrorId: true } }), 3);
        const dependsOn = (await walkImpact(db, input.ciId, { depth: MATCH_DEPTH, direction: 'upstream' })).all().map((r) => r.id);
        if (dependsOn.length) add(await db.knownErrorTarget.findMany({ where: { kind: 'ci', key: { in: dependsOn } }, select: { knownErrorId: true } }), 2);
      }
      if (input.serviceId) add(await db.knownErrorTarget.findMany({ where: { kind: 'service', key: input.serviceId }, select: { knownErrorId: true } }), 2);
      if (input.category) add(await db.knownErrorTarget.findMany({ where: { kind: 'category', key: input.category.toLowerCase() }, select: { knownErrorId: true } }), 1);
      if (weights.size === 0) return none;
      const rows = await db.knownError.findMany({ where: { id: { in: [...weights.keys()] }, status: 'active' } });
      const ranked = rows.sort((a, b) => (weights.get(b.id) ?? 0) - (weights.get(a.id) ?? 0) || a.number.localeCompare(b.number)).slice(0, MAX_MATCHES);
      const problems = await db.problem.findMany({ where: { id: { in: ranked.map((r) => r.problemId) } }, select: { id: true, number: true, state: true } });
      const observing = ranked.map((k) => problems.find((p) => p.id === k.problemId)).find((p) => p && (p.state === 'under_observation' || p.state === 'resolved'));
      return {
        knownErrors: ranked.map((k) => ({ id: k.id, number: k.number, title: k.title, workaround: k.workaround })),
        problem: observing ? { id: observing.id, number: observing.number } : null,
      };
    },

    async lookupGroup(input: { name: string }): Promise<GroupInfo | null> {
      return group(input.name);
    },

    /**
     * A response breach's functional escalation in one read: where the incident goes (the next
     * tier of its group; the first tier when it has none) and that group's OLA in force, which
     * the handoff starts. One local activity where a group lookup and an agreement lookup were
     * two, each with its own activation, on the path of every breach.
     */
    async functionalEscalation(input: { group: string | null; serviceId: string | null }): Promise<{ toGroup: string | null; ola: AgreementTerms | null }> {
      const toGroup = input.group ? ((await group(input.group))?.nextTierGroup ?? null) : await firstTier();
      return { toGroup, ola: toGroup ? (await agreements({ team: toGroup, supplier: null, serviceId: input.serviceId })).ola : null };
    },

    /**
     * What a new security incident needs: the data class of its CI (the priority floor) and
     * whether the security group exists (it is routed there, its OLA runs, its manager is escalated to).
     */
    async securityContext(input: { ciId: string | null }): Promise<{ dataClass: DataClass | null; securityGroup: boolean }> {
      const [ci, group] = await Promise.all([
        input.ciId ? db.configurationItem.findUnique({ where: { id: input.ciId }, select: { securityClass: true } }) : null,
        db.group.findUnique({ where: { name: SECURITY_GROUP }, select: { name: true } }),
      ]);
      return { dataClass: highestDataClass([ci?.securityClass]), securityGroup: group !== null };
    },

    /** The first support tier: where an unassigned incident goes on functional escalation. */
    async firstTierGroup(): Promise<string | null> {
      return firstTier();
    },

    /**
     * Where a new incident goes (domain/incident/routing.ts): the first matching assignment rule,
     * else the owner group of its service (the one named, or the nearest service its CI supports
     * in the CMDB), else the service desk (the first-tier group). Read-only.
     */
    async routeIncident(input: { serviceId: string | null; ciId: string | null; category: string | null; priority: string }): Promise<RoutingDecision | null> {
      const [rules, ci] = await Promise.all([
        selectRows<AssignmentRule>(db, 'AssignmentRule', 'SELECT * FROM "AssignmentRule" ORDER BY "order", "id"'),
        input.ciId ? db.configurationItem.findUnique({ where: { id: input.ciId }, select: { class: true } }) : null,
      ]);
      const facts = { serviceId: input.serviceId, ciClass: ci?.class ?? null, category: input.category, priority: input.priority };
      const decided = routeIncident(rules, facts, null, null);
      if (decided) return decided;
      const serviceId = input.serviceId ?? (input.ciId ? ((await impactOfClasses(db, input.ciId, { depth: SERVICE_DEPTH, direction: 'downstream' }, ['service']))[0]?.id ?? null) : null);
      const service = serviceId ? await db.configurationItem.findUnique({ where: { id: serviceId } }) : null;
      return routeIncident([], facts, service ? ownerGroupOf(service) : null, await firstTier());
    },
  };
}

export type IncidentLookups = ReturnType<typeof incidentLookups>;
