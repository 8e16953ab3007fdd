/** What tests read out of a workflow history's markers. */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The local activities in these events, by type, in order, from their markers. */
export const localActivities = (events: readonly HistoryEvent[]): string[] =>
  events.flatMap((e) => {
    const p = e.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? e.markerRecordedEventAttributes.details?.data?.payloads?.[0]?.data : undefined;
    return p ? [(JSON.parse(Buffer.from(p).toString()) as { activity_type: string }).activity_type] : [];
  });

/** The ids of the patch markers in these events, in order. */
export const patchIds = (events: readonly HistoryEvent[]): string[] =>
  events.flatMap((e) => {
    const p = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return p ? [(JSON.parse(Buffer.from(p).toString()) as { id: string }).id] : [];
  });
