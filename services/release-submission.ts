import type { ConfigurationItem } from '../generated/prisma-sqlite/client';
import { findCi } from '../db/ci-store';
import type { Db } from '../db/client';
import { impactOfClasses } from '../db/impact';
import { parseIsoDuration } from '../domain/duration';
import type { ReleaseSubmission } from '../domain/release/lifecycle';
import { isTerminal as isTerminalRelease, type ReleaseState } from '../domain/release/state-machine';
import { PRE_IMPLEMENTATION, type ChangeState } from '../domain/change/state-machine';
import { changeFromRow } from '../db/change-store';
import { dslContentPath } from '../db/dsl-store';
import { DEFAULT_ENVIRONMENTS, type CreateReleaseBody, type ReleaseSnapshot } from '../domain/schemas/release';
import { ValidationFailed, type FieldIssue } from './errors';

/** What a release unit consists of: the software it depends on, however deep (a unit is an application or a service). */
const UNIT_CLASSES = ['service', 'application'];
const COMPONENT_CLASSES = ['software', 'application'];
const UNIT_DEPTH = 6;

export interface ReleaseDefaults {
  timeouts: ReleaseSnapshot['timeouts'];
  /** Base URL deployment systems use to fetch artifacts (PUBLIC_URL). */
  publicUrl: string;
}

type CiRef = { id: string; number: string; name: string; class: string };
const ref = (c: ConfigurationItem): CiRef => ({ id: c.id, number: c.number, name: c.name, class: c.class });

/** The software components of a release unit, from the CMDB (what the unit depends on). */
export async function unitComponents(db: Db, unitId: string): Promise<CiRef[]> {
  const rows = await impactOfClasses(db, unitId, { depth: UNIT_DEPTH, direction: 'upstream' }, ['software']);
  return rows.filter((r) => r.status !== 'retired').map((r) => ({ id: r.id, number: r.number, name: r.name, class: r.class }));
}

/** Components whose CMDB history moved since the unit's last deployed release (by another hand than that release). */
async function changedSince(db: Db, unitId: string, cis: CiRef[]): Promise<{ since: { number: string; at: Date } | null; changed: Set<string> }> {
  const last = await db.release.findFirst({ where: { unitId, state: 'deployed', deployedAt: { not: null } }, orderBy: { deployedAt: 'desc' }, select: { number: true, deployedAt: true } });
  if (!last?.deployedAt) return { since: null, changed: new Set(cis.map((c) => c.id)) };
  const versions = await db.ciVersion.findMany({
    where: { ciId: { in: cis.map((c) => c.id) }, at: { gt: last.deployedAt }, OR: [{ via: null }, { via: { not: last.number } }] },
    select: { ciId: true },
  });
  return { since: { number: last.number, at: last.deployedAt }, changed: new Set(versions.map((v) => v.ciId)) };
}

/**
 * A release request checked against the CMDB, the changes and the DSL; every problem named
 * by field: the unit and the type's rule on its components, changes that exist, are still
 * to be implemented and cover the release's CIs, and artifacts verified in the library.
 */
export async function resolveReleaseSubmission(db: Db, body: CreateReleaseBody, defaults: ReleaseDefaults): Promise<ReleaseSubmission> {
  const errors: FieldIssue[] = [];

  let unit: CiRef | null = null;
  let components: CiRef[] = [];
  if (body.unitId) {
    const row = await findCi(db, body.unitId);
    if (!row) errors.push({ path: 'unitId', message: `no configuration item ${body.unitId}` });
    else if (!UNIT_CLASSES.includes(row.class)) errors.push({ path: 'unitId', message: `${row.number} is a ${row.class}; a release unit is a service or an application` });
    else {
      unit = ref(row);
      components = await unitComponents(db, row.id);
      if (components.length === 0) errors.push({ path: 'unitId', message: `${row.number} depends on no software CI in the CMDB: nothing to release` });
    }
  }

  let cis: CiRef[] = [];
  if (body.ciIds) {
    const rows = await Promise.all(body.ciIds.map((r) => findCi(db, r)));
    rows.forEach((row, i) => {
      if (!row) errors.push({ path: `ciIds.${i}`, message: `no configuration item ${body.ciIds![i]}` });
      else if (row.status === 'retired') errors.push({ path: `ciIds.${i}`, message: `${row.number} is retired` });
      else if (!COMPONENT_CLASSES.includes(row.class)) errors.push({ path: `ciIds.${i}`, message: `${row.number} is a ${row.class}; a release deploys software or application CIs` });
      else if (!cis.some((c) => c.id === row.id)) cis.push(ref(row));
    });
  }

  if (unit && components.length) {
    const inUnit = new Set(components.map((c) => c.id));
    const outside = cis.filter((c) => !inUnit.has(c.id));
    if (body.type !== 'package' && outside.length) errors.push({ path: 'ciIds', message: `not components of ${unit.number}: ${outside.map((c) => c.number).join(', ')}` });
    if (body.type === 'full') {
      if (!body.ciIds) cis = components;
      const listed = new Set(cis.map((c) => c.id));
      const missing = components.filter((c) => !listed.has(c.id));
      if (missing.length) errors.push({ path: 'ciIds', message: `a full release of ${unit.number} includes every component; missing ${missing.map((c) => c.number).join(', ')}` });
    }
    if (body.type === 'delta') {
      const { since, changed } = await changedSince(db, unit.id, components);
      if (!body.ciIds) cis = components.filter((c) => changed.has(c.id));
      const unchanged = cis.filter((c) => inUnit.has(c.id) && !changed.has(c.id));
      if (unchanged.length) errors.push({ path: 'ciIds', message: `unchanged since ${since?.number ?? 'the last release'} (${since?.at.toISOString() ?? ''}): ${unchanged.map((c) => c.number).join(', ')}` });
      if (cis.length === 0 && !unchanged.length) errors.push({ path: 'ciIds', message: `no component of ${unit.number} changed since ${since?.number ?? 'its last release'}: nothing to release` });
    }
  }

  const changes: { id: string; number: string }[] = [];
  const covered = new Set<string>();
  for (const [i, r] of body.changeIds.entries()) {
    const row = await db.change.findFirst({ where: { OR: [{ id: r }, { number: r }] } });
    if (!row) {
      errors.push({ path: `changeIds.${i}`, message: `no change ${r}` });
      continue;
    }
    const s = changeFromRow(row);
    if (!PRE_IMPLEMENTATION.includes(s.state as ChangeState)) {
      errors.push({ path: `changeIds.${i}`, message: `${s.number} is ${s.state}; a release needs changes not yet implemented` });
      continue;
    }
    if (s.releaseId) {
      const other = await db.release.findUnique({ where: { id: s.releaseId }, select: { number: true, state: true } });
      if (other && !isTerminalRelease(other.state as ReleaseState)) errors.push({ path: `changeIds.${i}`, message: `${s.number} is already deployed by ${other.number} (${other.state})` });
    }
    if (!changes.some((c) => c.id === s.id)) changes.push({ id: s.id, number: s.number });
    for (const id of s.ciIds) covered.add(id);
  }
  const uncovered = cis.filter((c) => !covered.has(c.id));
  if (changes.length && uncovered.length) errors.push({ path: 'changeIds', message: `the changes do not cover ${uncovered.map((c) => c.number).join(', ')}` });

  const artifacts: ReleaseSubmission['artifacts'] = [];
  for (const [i, r] of body.artifactIds.entries()) {
    const a = await db.dslArtifact.findUnique({ where: { id: r } });
    if (!a) errors.push({ path: `artifactIds.${i}`, message: `no DSL artifact ${r}` });
    else if (a.status !== 'verified') errors.push({ path: `artifactIds.${i}`, message: `${a.name}@${a.version} is ${a.status}; only verified artifacts can be released` });
    else if (!artifacts.some((x) => x.id === a.id)) {
      artifacts.push({ id: a.id, name: a.name, version: a.version, sha256: a.actualSha256 ?? a.sha256, url: `${defaults.publicUrl}${dslContentPath(a.id)}` });
    }
  }

  const dhsItems: CiRef[] = [];
  for (const [i, r] of (body.dhsItemIds ?? []).entries()) {
    const row = await findCi(db, r);
    if (!row) errors.push({ path: `dhsItemIds.${i}`, message: `no configuration item ${r}` });
    else if (row.status !== 'in_store') errors.push({ path: `dhsItemIds.${i}`, message: `${row.number} is ${row.status}, not a spare in the definitive hardware store (in_store)` });
    else if (!dhsItems.some((d) => d.id === row.id)) dhsItems.push(ref(row));
  }

  if (errors.length) throw new ValidationFailed('the release request is invalid', errors);
  const t = body.stageTimeouts ?? {};
  return {
    name: body.name,
    version: body.version,
    description: body.description ?? null,
    type: body.type,
    unit,
    cis,
    changes,
    artifacts,
    dhsItems,
    environments: body.environments ?? [...DEFAULT_ENVIRONMENTS],
    buildRequired: body.buildRequired ?? true,
    healthChecks: body.healthChecks ?? {},
    timeouts: {
      build: t.build ? parseIsoDuration(t.build) : defaults.timeouts.build,
      test: t.test ? parseIsoDuration(t.test) : defaults.timeouts.test,
      deploy: t.deploy ? parseIsoDuration(t.deploy) : defaults.timeouts.deploy,
      verify: t.verify ? parseIsoDuration(t.verify) : defaults.timeouts.verify,
    },
  };
}
