import type { SlaFact } from '../../domain/reports/sla-report';
import * as clock from '../../domain/sla/clock';

/** A fact as the report reads it: the clock's columns (what the incident row stores) and its instants. */
export function slaFact(number: string, c: clock.SlaClock, over: Partial<SlaFact> = {}): SlaFact {
  const cols = clock.clockColumns(c);
  return {
    number,
    serviceId: 'svc-mail',
    priority: 'P2',
    group: 'service-desk',
    slaId: 'sla-1',
    open: c.resolutionMetAt === null,
    openedAt: c.openedAt,
    responseDueAt: cols.responseDueAt,
    respondedAt: cols.respondedAt,
    resolutionDueAt: cols.resolutionDueAt,
    resolvedAt: c.resolutionMetAt,
    pausedMs: cols.pausedMs,
    responseBusinessMs: cols.responseBusinessMs,
    resolutionBusinessMs: cols.resolutionBusinessMs,
    ...over,
  };
}
