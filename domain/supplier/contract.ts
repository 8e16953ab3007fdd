/**
 * A supplier contract's lifecycle: renewal reminders to its owner at (notice deadline − N days)
 * for each N configured, escalation to the owner group's manager when a manual renewal is still
 * undecided at the notice deadline (end − notice period), and at the end either a new term
 * (auto renewal not terminated: the same length as the one ending) or expiry. Commands: renew
 * (a new end, maybe a new value), terminate (only before the notice deadline), amend.
 */
import type { Deadline, Effect, NotificationRequest } from '../record';
import { dueLabel } from '../record';
import type { ContractCommandBody, ContractCommandName, ContractSnapshot, ContractView } from '../schemas/contract';
import { isLiveContract, type ContractState } from './contract-state';

const DAY = 86_400_000;
/** Days before the notice deadline the owner is reminded, when config names none. */
export const DEFAULT_REMINDER_DAYS = [30, 7];

export type ContractAlarm = `reminder_${number}` | 'escalation' | 'end';

export const noticeDeadline = (s: Pick<ContractSnapshot, 'endDate' | 'noticeDays'>) => s.endDate - s.noticeDays * DAY;
export const reminderAt = (s: Pick<ContractSnapshot, 'endDate' | 'noticeDays'>, days: number) => noticeDeadline(s) - days * DAY;
export const isTerminal = (state: string) => !isLiveContract(state);

/**
 * The reminders a term starting to be watched at `now` no longer needs: all whose instant has
 * passed but the latest of them, which is sent at once (one reminder, not a burst of stale ones).
 */
export function remindersAlreadyPast(s: Pick<ContractSnapshot, 'endDate' | 'noticeDays' | 'reminderDays'>, now: number): number[] {
  if (noticeDeadline(s) <= now) return [...s.reminderDays];
  const past = s.reminderDays.filter((d) => reminderAt(s, d) <= now).sort((a, b) => a - b);
  return past.slice(1);
}

export interface NewContract {
  id: string;
  number: string;
  workflowId: string;
  supplierId: string;
  title: string;
  value: number;
  currency: string;
  startDate: number;
  endDate: number;
  noticeDays: number;
  renewal: ContractSnapshot['renewal'];
  ownerGroup: string;
  owner: string | null;
  slaId: string | null;
  serviceId: string | null;
  reminderDays: number[];
}

export function newContract(c: NewContract, actor: string, now: number): ContractSnapshot {
  const reminderDays = [...new Set(c.reminderDays)].sort((a, b) => b - a);
  const base = { ...c, reminderDays, state: 'active' as const, escalated: false, terms: [], terminatedAt: null, terminationReason: null, endedAt: null, createdBy: actor, createdAt: now, updatedAt: now };
  return { ...base, remindersDone: remindersAlreadyPast(base, now) };
}

/** Where a command may not go: renew and amend while live, terminate only before the notice deadline. */
export function commandRefusal(s: ContractSnapshot, name: ContractCommandName, body: Record<string, unknown>, now: number): string | null {
  if (!isLiveContract(s.state)) return `cannot ${name} a contract in state '${s.state}'`;
  if (name === 'terminate' && now >= noticeDeadline(s)) return `the notice deadline ${new Date(noticeDeadline(s)).toISOString()} has passed: the contract can no longer be terminated`;
  if (name === 'renew' && Date.parse(String(body.endDate)) <= s.endDate) return `the new end must be after the current end ${new Date(s.endDate).toISOString()}`;
  if (name === 'amend' && typeof body.noticeDays === 'number' && s.endDate - body.noticeDays * DAY <= s.startDate) return 'the notice period must fit in the term';
  return null;
}

/** Reminders go to the owner, or the owner group when the contract has no owner. */
const toOwner = (s: ContractSnapshot, kind: string, message: string): NotificationRequest[] => [{ recipient: s.owner ? `user:${s.owner}` : `group:${s.ownerGroup}`, kind, message }];

/** A new term from the current end: reminders and escalation start over. */
function nextTerm(s: ContractSnapshot, end: number, value: number, now: number): ContractSnapshot {
  const next = { ...s, state: 'active' as ContractState, terms: [...s.terms, { start: s.startDate, end: s.endDate, value: s.value }], startDate: s.endDate, endDate: end, value, escalated: false };
  return { ...next, remindersDone: remindersAlreadyPast(next, now) };
}

export function commandEffect<K extends ContractCommandName>(s: ContractSnapshot, name: K, body: ContractCommandBody<K>, now: number): Effect<ContractSnapshot> {
  const b = body as Record<string, unknown>;
  switch (name) {
    case 'renew': {
      const end = Date.parse(String(b.endDate));
      const value = typeof b.value === 'number' ? b.value : s.value;
      return { snapshot: nextTerm(s, end, value, now), events: ['contract.renewed'], data: { automatic: false, endDate: new Date(end).toISOString(), value } };
    }
    case 'terminate':
      return {
        snapshot: { ...s, state: 'terminated', terminatedAt: now, terminationReason: String(b.reason) },
        events: ['contract.terminated'],
        data: { reason: b.reason, endDate: new Date(s.endDate).toISOString() },
        notifications: toOwner(s, 'contract_terminated', `${s.number} (${s.title}) was terminated; it ends ${new Date(s.endDate).toISOString()}`),
      };
    default: {
      const changes = Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined));
      return { snapshot: { ...s, ...changes }, events: ['contract.amended'], data: { changes } };
    }
  }
}

/** What is still to come this term: reminders while undecided, escalation (manual renewal), the end. */
export function contractDeadlines(s: ContractSnapshot): Deadline<ContractAlarm>[] {
  if (!isLiveContract(s.state)) return [];
  const out: Deadline<ContractAlarm>[] = [];
  const notice = noticeDeadline(s);
  for (const days of s.reminderDays) {
    if (!s.remindersDone.includes(days)) out.push({ kind: `reminder_${days}`, at: reminderAt(s, days), summary: dueLabel(`${s.number} renewal reminder (${days} days before notice)`, reminderAt(s, days)) });
  }
  if (s.renewal === 'manual' && !s.escalated) out.push({ kind: 'escalation', at: notice, summary: dueLabel(`${s.number} renewal decision`, notice) });
  out.push({ kind: 'end', at: s.endDate, summary: dueLabel(`${s.number} end of term`, s.endDate) });
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A deadline's effect. `manager` is the owner group's manager when the escalation fires (read
 * then, so a new manager is the one told).
 */
export function alarmEffect(s: ContractSnapshot, alarm: ContractAlarm, manager: string | null, now: number): Effect<ContractSnapshot> {
  if (alarm === 'escalation') {
    const message = `${s.number} (${s.title}) reached its notice deadline ${iso(noticeDeadline(s))} with no renewal decision; it expires ${iso(s.endDate)}`;
    return {
      snapshot: { ...s, state: 'escalated', escalated: true },
      events: ['contract.escalated'],
      data: { noticeDeadline: iso(noticeDeadline(s)), manager },
      notifications: [{ recipient: manager ? `user:${manager}` : `group:${s.ownerGroup}`, kind: 'contract_escalated', message }],
    };
  }
  if (alarm === 'end') {
    if (s.renewal === 'auto' && s.state !== 'terminated') {
      const renewed = nextTerm(s, s.endDate + (s.endDate - s.startDate), s.value, now);
      return { snapshot: renewed, events: ['contract.renewed'], data: { automatic: true, endDate: iso(renewed.endDate), value: s.value } };
    }
    return {
      snapshot: { ...s, state: 'expired', endedAt: now },
      events: ['contract.expired'],
      data: { endDate: iso(s.endDate) },
      notifications: toOwner(s, 'contract_expired', `${s.number} (${s.title}) expired ${iso(s.endDate)}`),
    };
  }
  const days = Number(alarm.slice('reminder_'.length));
  const what = s.renewal === 'auto' ? 'renews automatically unless terminated' : s.renewal === 'manual' ? 'must be renewed or terminated' : 'expires; renew it';
  return {
    snapshot: { ...s, state: s.state === 'active' ? 'renewal_due' : s.state, remindersDone: [...s.remindersDone, days] },
    events: ['contract.renewal_due'],
    data: { days, noticeDeadline: iso(noticeDeadline(s)), endDate: iso(s.endDate) },
    notifications: toOwner(s, 'contract_renewal_due', `${s.number} (${s.title}) ${what} by its notice deadline ${iso(noticeDeadline(s))} (ends ${iso(s.endDate)})`),
  };
}

export function contractView(s: ContractSnapshot, _now: number): ContractView {
  const next = contractDeadlines(s).filter((d) => d.kind.startsWith('reminder_')).sort((a, b) => a.at - b.at)[0];
  return {
    id: s.id,
    number: s.number,
    supplierId: s.supplierId,
    title: s.title,
    state: s.state,
    value: s.value,
    currency: s.currency,
    startDate: iso(s.startDate),
    endDate: iso(s.endDate),
    noticeDeadline: iso(noticeDeadline(s)),
    noticeDays: s.noticeDays,
    renewal: s.renewal,
    ownerGroup: s.ownerGroup,
    owner: s.owner,
    slaId: s.slaId,
    serviceId: s.serviceId,
    nextReminder: next ? iso(next.at) : null,
    escalated: s.escalated,
    terms: s.terms.map((t) => ({ start: iso(t.start), end: iso(t.end), value: t.value })),
    terminatedAt: s.terminatedAt === null ? null : iso(s.terminatedAt),
    terminationReason: s.terminationReason,
    endedAt: s.endedAt === null ? null : iso(s.endedAt),
    createdBy: s.createdBy,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    workflowId: s.workflowId,
  };
}
