import { formatIsoDuration } from '../duration';
import type { ReleaseRecord, ReleaseSnapshot } from '../schemas/release';

export type { ReleaseSnapshot } from '../schemas/release';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The public shape of a release (the API's ReleaseRecord). */
export function releaseView(s: ReleaseSnapshot, _now: number): ReleaseRecord {
  return {
    id: s.id,
    number: s.number,
    name: s.name,
    version: s.version,
    description: s.description,
    type: s.type,
    state: s.state,
    unitId: s.unit?.id ?? null,
    unitNumber: s.unit?.number ?? null,
    unit: s.unit,
    ciIds: s.cis.map((c) => c.id),
    cis: s.cis,
    changeIds: s.changes.map((c) => c.id),
    changes: s.changes,
    artifactIds: s.artifacts.map((a) => a.id),
    artifacts: s.artifacts,
    dhsItems: s.dhsItems,
    environments: s.environments,
    buildRequired: s.buildRequired,
    healthChecks: s.healthChecks,
    stageTimeouts: {
      build: formatIsoDuration(s.timeouts.build),
      test: formatIsoDuration(s.timeouts.test),
      deploy: formatIsoDuration(s.timeouts.deploy),
      verify: formatIsoDuration(s.timeouts.verify),
    },
    stages: s.stages.map((st) => ({ ...st, startedAt: new Date(st.startedAt).toISOString(), endedAt: iso(st.endedAt) })),
    deployed: s.deployed,
    current: s.current,
    gate: s.gate ? { ...s.gate, checkedAt: new Date(s.gate.checkedAt).toISOString() } : null,
    approval: s.approval ? { ...s.approval, at: new Date(s.approval.at).toISOString() } : null,
    rollback: s.rollback,
    changesStartedAt: iso(s.changesStartedAt),
    failure: s.failure,
    cancelReason: s.cancelReason,
    createdBy: s.createdBy,
    createdAt: new Date(s.createdAt).toISOString(),
    deployedAt: iso(s.deployedAt),
    endedAt: iso(s.endedAt),
    workflowId: s.workflowId,
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}
export type ReleaseView = ReleaseRecord;
