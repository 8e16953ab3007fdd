/**
 * The service outage an incident records (availability management): which service was down,
 * from when, until when (null: still down). Recorded by the desk with `POST …/outage`; a later
 * call corrects it, the fields it leaves out keeping their value.
 *
 * Rules (the API checks all of them, naming the field; the workflow re-checks those that do not
 * depend on the clock, so a command racing another cannot store an outage that ends before it starts):
 *   - the service: the body's, else the one already recorded, else the incident's; none is a 400;
 *   - `start` is required the first time; `end` must be after `start`;
 *   - neither may be in the future (an outage is recorded as it happens, not planned: planned
 *     downtime comes from changes);
 *   - `start` may precede the incident (outages are noticed after they begin), by at most
 *     OUTAGE_LEAD_DAYS: anything earlier is another failure, not this incident's.
 * A resolved or cancelled incident's outage still open ends then: the service counts as restored
 * when its incident is resolved, unless the desk recorded an earlier end.
 */
import type { Priority } from '../priority';
import type { IncidentState } from './state-machine';

export interface IncidentOutage {
  serviceId: string;
  start: number;
  end: number | null;
  /** Who first recorded it (the Outage row's createdBy; the history names who changed it). */
  recordedBy?: string;
}

/** As the command carries it: ISO timestamps; `end: null` reopens an outage ended too early. */
export interface OutageBody {
  serviceId?: string;
  start?: string;
  end?: string | null;
}

export interface FieldError {
  path: string;
  message: string;
}

export const OUTAGE_LEAD_DAYS = 7;
const DAY = 86_400_000;

/** The outage after the command, or what is wrong with it. `now` absent: the clock-free rules only. */
export function outageAfter(
  current: IncidentOutage | null | undefined,
  incident: { serviceId: string | null; openedAt: number },
  body: OutageBody,
  now?: number,
): { outage: IncidentOutage; errors: [] } | { outage: null; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const serviceId = body.serviceId ?? current?.serviceId ?? incident.serviceId;
  const start = body.start !== undefined ? Date.parse(body.start) : current?.start;
  const end = body.end === undefined ? (current?.end ?? null) : body.end === null ? null : Date.parse(body.end);
  if (!serviceId) errors.push({ path: 'serviceId', message: 'required when the incident has no service' });
  if (start === undefined) errors.push({ path: 'start', message: 'required when no outage is recorded yet' });
  if (start !== undefined && end !== null && end <= start) errors.push({ path: 'end', message: `must be after start (${new Date(start).toISOString()})` });
  if (now !== undefined) {
    if (body.start !== undefined && start! > now) errors.push({ path: 'start', message: 'must not be in the future' });
    if (body.end && end! > now) errors.push({ path: 'end', message: 'must not be in the future' });
    if (body.start !== undefined && start! < incident.openedAt - OUTAGE_LEAD_DAYS * DAY) {
      errors.push({ path: 'start', message: `must be at most ${OUTAGE_LEAD_DAYS} days before the incident was opened (${new Date(incident.openedAt).toISOString()})` });
    }
  }
  return errors.length ? { outage: null, errors } : { outage: { ...current, serviceId: serviceId!, start: start!, end }, errors: [] };
}

/** An outage still open ends when its incident is resolved or cancelled. */
export function endedWith(outage: IncidentOutage | null | undefined, now: number): IncidentOutage | null {
  if (!outage) return null;
  return outage.end === null ? { ...outage, end: Math.max(now, outage.start) } : outage;
}

const WITH_OUTAGE: readonly IncidentState[] = ['new', 'assigned', 'in_progress', 'on_hold', 'resolved'];

/** A P1 on a service asks for its outage to be recorded, while the desk still works on it. */
export function outageRequested(s: { priority: Priority; serviceId: string | null; state: IncidentState }, outage: IncidentOutage | null | undefined): boolean {
  return s.priority === 'P1' && s.serviceId !== null && !outage && WITH_OUTAGE.includes(s.state);
}

export function outageView(o: IncidentOutage | null | undefined) {
  return o ? { serviceId: o.serviceId, start: new Date(o.start).toISOString(), end: o.end === null ? null : new Date(o.end).toISOString() } : null;
}
