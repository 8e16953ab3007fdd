import { z } from 'zod';
import { ROLES, type Role } from '../domain/access';
import type { ConfigurationItem, CmdbVerification, DiscoverySnapshot, OutboxEvent, Sla, User, WebhookSubscription } from '../generated/prisma-sqlite/client';
import { CiRecord } from '../domain/schemas/ci';
import { Discrepancy, SnapshotItem, StoredVerificationSummary, VERIFICATION_STATUSES } from '../domain/schemas/discovery';
import { CalendarSchema, PauseOnSchema, SlaEscalationSchema, SlaKind, SlaTargetsSchema } from '../domain/schemas/sla';
import { CreateWebhookBody, WebhookEventPayload } from '../domain/schemas/webhook';
import { parseJson, parseStored } from './json';
import { escalationRulesWithDefaults, type SlaPolicy } from '../domain/sla/policy';

/**
 * The JSON columns of the CMDB's smaller tables, read back through the schema that wrote
 * them: a value that does not match is a CorruptRecordError naming the row and the field,
 * never a default.
 */
const column = <S extends z.ZodType>(recordType: string, field: string, schema: S) => (id: string, text: string): z.output<S> =>
  parseJson(schema, text, { recordType, recordId: id, field });

const slaColumns = {
  calendar: column('sla', 'calendar', CalendarSchema),
  targets: column('sla', 'targets', SlaTargetsSchema),
  escalation: column('sla', 'escalation', SlaEscalationSchema),
  pauseOn: column('sla', 'pauseOn', PauseOnSchema),
};

export const slaKindOf = (row: Pick<Sla, 'id' | 'kind'>) => parseStored(SlaKind, row.kind, { recordType: 'sla', recordId: row.id, field: 'kind' });
export const slaCalendarOf = (row: Pick<Sla, 'id' | 'calendar'>) => slaColumns.calendar(row.id, row.calendar);

/** An SLA's terms: calendar, targets per priority, escalation rules as stored (partial), hold reasons that pause. */
export function slaTermsOf(row: Pick<Sla, 'id' | 'calendar' | 'targets' | 'escalation' | 'pauseOn'>) {
  return {
    calendar: slaCalendarOf(row),
    targets: slaColumns.targets(row.id, row.targets),
    escalation: slaColumns.escalation(row.id, row.escalation),
    pauseOn: slaColumns.pauseOn(row.id, row.pauseOn),
  };
}

/** An agreement's terms as a policy: what an incident's clocks run on. */
export function slaPolicyOf(sla: Sla): SlaPolicy {
  const terms = slaTermsOf(sla);
  return { slaId: sla.id, version: sla.version, name: sla.name, ...terms, escalation: escalationRulesWithDefaults(terms.escalation) };
}

const RoleEnum = z.enum(ROLES);
export const userRoleOf = (row: Pick<User, 'id' | 'role'>): Role => parseStored(RoleEnum, row.role, { recordType: 'user', recordId: row.id, field: 'role' });

const subscriptionEvents = column('webhook subscription', 'events', CreateWebhookBody.shape.events);
export const subscriptionEventsOf = (row: Pick<WebhookSubscription, 'id' | 'events'>): string[] => subscriptionEvents(row.id, row.events);

const eventData = column('outbox event', 'data', WebhookEventPayload.shape.data);
export const eventDataOf = (row: Pick<OutboxEvent, 'id' | 'data'>): Record<string, unknown> => eventData(row.id, row.data);

const ciAttributes = column('ci', 'attributes', CiRecord.shape.attributes);
export const ciAttributesOf = (row: Pick<ConfigurationItem, 'id' | 'attributes'>): Record<string, unknown> => ciAttributes(row.id, row.attributes);
/** The group that owns a CI: its column, else a service's `ownerGroup` attribute (how services record it). */
export function ownerGroupOf(row: Pick<ConfigurationItem, 'id' | 'attributes' | 'ownerGroup'>): string | null {
  if (row.ownerGroup) return row.ownerGroup;
  const attr = ciAttributesOf(row).ownerGroup;
  return typeof attr === 'string' ? attr : null;
}

const snapshotItems = column('discovery snapshot', 'items', z.array(SnapshotItem));
export const snapshotItemsOf = (row: Pick<DiscoverySnapshot, 'id' | 'items'>) => snapshotItems(row.id, row.items);

const verificationSummary = column('cmdb verification', 'summary', StoredVerificationSummary);
const verificationDiscrepancies = column('cmdb verification', 'discrepancies', z.array(Discrepancy));
export const verificationSummaryOf = (row: Pick<CmdbVerification, 'id' | 'summary'>) => verificationSummary(row.id, row.summary);
const VerificationStatus = z.enum(VERIFICATION_STATUSES);
export const verificationStatusOf = (row: Pick<CmdbVerification, 'id' | 'status'>) => parseStored(VerificationStatus, row.status, { recordType: 'cmdb verification', recordId: row.id, field: 'status' });
export const verificationDiscrepanciesOf = (row: Pick<CmdbVerification, 'id' | 'discrepancies'>) => verificationDiscrepancies(row.id, row.discrepancies);
