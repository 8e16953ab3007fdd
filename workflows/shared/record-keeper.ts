import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DomainEvent, NotificationRequest, TransitionWrite } from '../../activities/record-transition';

/**
 * The one way any process workflow records a transition: persist (snapshot + audit +
 * outbox + notifications in one transaction), then mirror the searchable fields.
 * Commands from callers use a short retry budget so they fail visibly; transitions the
 * workflow makes by itself (timers) retry until the database is back.
 */
const commandWrites = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s' },
});
const systemWrites = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export interface Transition<K extends TransitionWrite['recordType']> {
  actor: string;
  action: string;
  from: string | null;
  to: string | null;
  data?: Record<string, unknown>;
  snapshot: TransitionWrite<K>['snapshot'];
  events?: DomainEvent[];
  notifications?: NotificationRequest[];
}

export class RecordKeeper<K extends TransitionWrite['recordType']> {
  constructor(
    private readonly recordType: K,
    private readonly recordId: string,
    public seq: number,
    /** null where the server has no custom search attributes (the time-skipping test server). */
    private readonly searchAttributes: ((s: TransitionWrite<K>['snapshot']) => SearchAttributeUpdatePair[]) | null,
  ) {}

  async record(t: Transition<K>, origin: 'command' | 'system'): Promise<void> {
    const seq = this.seq + 1;
    const activities = origin === 'command' ? commandWrites : systemWrites;
    await activities.recordTransition({
      recordType: this.recordType,
      recordId: this.recordId,
      seq,
      at: Date.now(),
      actor: t.actor,
      action: t.action,
      from: t.from,
      to: t.to,
      data: t.data ?? {},
      snapshot: t.snapshot,
      events: t.events ?? [],
      notifications: t.notifications ?? [],
    } as TransitionWrite);
    this.seq = seq;
    if (this.searchAttributes) upsertSearchAttributes(this.searchAttributes(t.snapshot));
  }
}
