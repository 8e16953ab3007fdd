import { formatIsoDuration } from '../duration';
import type { KnownErrorState, ProblemSnapshot, ProblemView } from '../schemas/problem';

export type { ProblemSnapshot } from '../schemas/problem';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function knownErrorView(k: KnownErrorState) {
  return { ...k, validUntil: iso(k.validUntil), publishedAt: new Date(k.publishedAt).toISOString(), retiredAt: iso(k.retiredAt) };
}

/** The public shape of a problem (the API's ProblemRecord, references by id: api/routes/problems.ts adds their numbers). */
export function problemView(s: ProblemSnapshot, _now: number): ProblemView {
  const method = s.rca.at(-1)?.method ?? null;
  return {
    id: s.id,
    number: s.number,
    title: s.title,
    description: s.description,
    state: s.state,
    serviceId: s.serviceId,
    ciId: s.ciId,
    category: s.category,
    incidentIds: s.incidents.map((i) => i.id),
    incidents: s.incidents.map((i) => ({ id: i.id, number: i.number, linkedAt: new Date(i.linkedAt).toISOString() })),
    impact: s.impact,
    rca: { method, entries: s.rca.map((e) => ({ ...e, at: new Date(e.at).toISOString() })), waived: s.rcaWaived },
    knownErrorId: s.knownError?.id ?? null,
    knownErrorNumber: s.knownError?.number ?? null,
    knownError: s.knownError ? knownErrorView(s.knownError) : null,
    changeIds: s.changes.map((c) => c.id),
    changes: s.changes.map((c) => ({ ...c, requestedAt: new Date(c.requestedAt).toISOString(), reportedAt: iso(c.reportedAt) })),
    resolutionCode: s.resolutionCode,
    resolutionNotes: s.resolutionNotes,
    duplicateOf: s.duplicateOf,
    observationPeriod: formatIsoDuration(s.observationMs),
    observationUntil: iso(s.observationUntil),
    reopenCount: s.reopenCount,
    openedAt: new Date(s.openedAt).toISOString(),
    resolvedAt: iso(s.resolvedAt),
    closedAt: iso(s.closedAt),
    createdBy: s.createdBy,
    workflowId: s.workflowId,
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}
export type { ProblemView } from '../schemas/problem';
