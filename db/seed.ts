import { ROLES } from '../domain/access';
import { DEV_TOKEN_HASH_KEY, hashToken } from '../infra/tokens';
import { DEFAULT_TARGETS } from '../domain/sla/policy';
import { newId } from '../infra/ids';
import { nextNumber } from './numbers';
import type { Db } from './client';
import { addRelationship, createCi } from './ci-store';
import { setMemberships } from './people-store';

/** Support tiers: functional escalation follows nextTierGroup. */
export const DEMO_GROUPS = [
  { name: 'service-desk', tier: 1, nextTierGroup: 'l2-support', managerId: 'usr-admin' },
  { name: 'l2-support', tier: 2, nextTierGroup: 'l3-support', managerId: 'usr-admin' },
  { name: 'l3-support', tier: 3, nextTierGroup: null, managerId: 'usr-admin' },
  { name: 'cab', tier: 0, nextTierGroup: null, managerId: 'usr-change_manager' },
  { name: 'problem-management', tier: 0, nextTierGroup: null, managerId: 'usr-problem_manager' },
];

/** One user per role with the documented dev tokens, plus two more CAB members. */
export function demoUsers() {
  const users: { id: string; name: string; role: string; token: string; groups: string[] }[] = ROLES.map((role) => ({
    id: `usr-${role}`,
    name: `Dev ${role.replace('_', ' ')}`,
    role,
    token: `dev-${role}`,
    groups: role === 'agent' ? ['service-desk'] : role === 'cab_member' ? ['cab'] : [],
  }));
  users.push({ id: 'usr-cab_member2', name: 'Dev cab member 2', role: 'cab_member', token: 'dev-cab_member2', groups: ['cab'] });
  users.push({ id: 'usr-cab_member3', name: 'Dev cab member 3', role: 'cab_member', token: 'dev-cab_member3', groups: ['cab'] });
  return users;
}

/**
 * A user with a known token (the dev users, test users): created or brought back to the given
 * role, groups and token. Groups not yet in the table are created (tier 0) so memberships
 * always point at a group; seedGroups sets the demo groups' tiers and managers.
 */
export async function upsertUser(db: Db, u: { id: string; name: string; role: string; token: string; groups?: string[] }, key: Buffer = DEV_TOKEN_HASH_KEY) {
  await db.$transaction(async (tx) => {
    const data = { name: u.name, role: u.role, active: true, deactivatedAt: null };
    await tx.user.upsert({ where: { id: u.id }, create: { id: u.id, ...data }, update: data });
    const groupIds: string[] = [];
    for (const name of u.groups ?? []) {
      const g = (await tx.group.findUnique({ where: { name } })) ?? (await tx.group.create({ data: { id: `grp-${name}`, name, tier: 0 } }));
      groupIds.push(g.id);
    }
    await setMemberships(tx, u.id, groupIds, 'api');
    const hash = hashToken(u.token, key);
    const token = { userId: u.id, name: 'dev token (seeded)', revokedAt: null, expiresAt: null };
    await tx.apiToken.upsert({ where: { hash }, create: { id: newId('tok'), prefix: `seed-${u.id}`, hash, createdBy: 'seed', ...token }, update: token });
  });
}

export async function seedGroups(db: Db) {
  for (const g of DEMO_GROUPS) await db.group.upsert({ where: { name: g.name }, create: { id: `grp-${g.name}`, ...g }, update: g });
}

async function ensureCi(db: Db, ci: { name: string; class: string; status?: string; environment?: string; ownerGroup?: string; attributes?: Record<string, unknown> }) {
  const existing = await db.configurationItem.findUnique({ where: { class_name: { class: ci.class, name: ci.name } } });
  if (existing) return existing;
  return createCi(db, { ...ci, environment: ci.environment ?? 'production' }, { actor: 'seed' });
}

async function ensureRelationship(db: Db, sourceId: string, type: string, targetId: string) {
  if (await db.ciRelationship.findFirst({ where: { sourceId, type, targetId } })) return;
  await addRelationship(db, sourceId, { type, targetId }, { actor: 'seed' });
}

async function ensureTemplate(db: Db, t: { name: string; description: string; implementationPlan: string; backoutPlan: string; ciClasses: string[]; maxDuration: string }) {
  if (await db.changeTemplate.findUnique({ where: { name: t.name } })) return;
  await db.changeTemplate.create({ data: { id: newId('tpl'), ...t, ciClasses: JSON.stringify(t.ciClasses), createdBy: 'seed' } });
}

async function ensureSla(db: Db, sla: { name: string; serviceId?: string; isDefault?: boolean; calendar: unknown; targets: unknown }) {
  if (await db.sla.findFirst({ where: { name: sla.name } })) return;
  await db.sla.create({
    data: {
      id: newId('sla'),
      number: await nextNumber(db, 'sla'),
      name: sla.name,
      kind: 'SLA',
      serviceId: sla.serviceId ?? null,
      calendar: JSON.stringify(sla.calendar),
      targets: JSON.stringify(sla.targets),
      isDefault: sla.isDefault ?? false,
    },
  });
}

/** Demo data for `npm start`: idempotent, so a second start reuses what is there. */
export async function seedDemo(db: Db, key: Buffer = DEV_TOKEN_HASH_KEY): Promise<void> {
  for (const u of demoUsers()) await upsertUser(db, u, key);
  // Addresses for the demo users (only where none is set), so the dev stack's mail catcher shows what each would be sent.
  for (const u of demoUsers()) await db.user.updateMany({ where: { id: u.id, email: null }, data: { email: `${u.id.replace(/^usr-/, '').replace(/_/g, '.')}@demo.itsm.local` } });
  await seedGroups(db);
  const email = await ensureCi(db, { name: 'Email', class: 'service', ownerGroup: 'service-desk', attributes: { criticality: 'high', ownerGroup: 'service-desk' } });
  const payroll = await ensureCi(db, { name: 'Payroll', class: 'service', ownerGroup: 'l2-support', attributes: { criticality: 'medium', ownerGroup: 'l2-support' } });
  const connector = await ensureCi(db, { name: 'Exchange Online connector', class: 'application', attributes: { vendor: 'Microsoft', version: '2019' } });
  const mail01 = await ensureCi(db, { name: 'mail-01', class: 'server', attributes: { hostname: 'mail-01.corp', ip: '10.0.0.21', os: 'Debian 12', cpuCores: 8, memoryGb: 32 } });
  const payrollDb = await ensureCi(db, { name: 'payroll-db', class: 'database', attributes: { engine: 'PostgreSQL', version: '16' } });
  // A small dependency graph, so a change to mail-01 shows Email in its impact.
  await ensureRelationship(db, email.id, 'depends_on', connector.id);
  await ensureRelationship(db, connector.id, 'runs_on', mail01.id);
  await ensureRelationship(db, payroll.id, 'depends_on', payrollDb.id);
  await ensureTemplate(db, {
    name: 'Monthly OS patching of a Linux server',
    description: 'Security updates from the distribution, one server at a time, inside its maintenance window.',
    implementationPlan: 'Drain the server from its load balancer pool; apt-get update && apt-get upgrade; reboot; run the smoke checks; return it to the pool.',
    backoutPlan: 'Boot the previous kernel from GRUB; restore the pre-change VM snapshot if services do not come back within 15 minutes.',
    ciClasses: ['server', 'virtual_machine'],
    maxDuration: 'PT4H',
  });
  await ensureSla(db, {
    name: 'Default 24x7',
    isDefault: true,
    calendar: '24x7',
    targets: DEFAULT_TARGETS,
  });
  await ensureSla(db, { name: 'Email (24x7 gold)', serviceId: email.id, calendar: '24x7', targets: { P1: { response: 'PT10M', resolution: 'PT2H' }, P2: { response: 'PT20M', resolution: 'PT4H' }, P3: { response: 'PT1H', resolution: 'PT8H' }, P4: { response: 'PT4H', resolution: 'P1D' }, P5: { response: 'PT8H', resolution: 'P3D' } } });
  await ensureSla(db, {
    name: 'Payroll (business hours, London)',
    serviceId: payroll.id,
    calendar: { timezone: 'Europe/London', hours: { mon: ['09:00', '17:30'], tue: ['09:00', '17:30'], wed: ['09:00', '17:30'], thu: ['09:00', '17:30'], fri: ['09:00', '17:00'] }, holidays: ['2026-12-25', '2026-12-28', '2027-01-01'] },
    targets: { P1: { response: 'PT30M', resolution: 'PT4H' }, P2: { response: 'PT1H', resolution: 'PT8H' }, P3: { response: 'PT4H', resolution: 'PT16H' }, P4: { response: 'PT8H', resolution: 'PT40H' }, P5: { response: 'PT16H', resolution: 'PT80H' } },
  });
}
