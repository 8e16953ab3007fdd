import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Set by the Schedule on every run it starts (backfills too): the run's nominal time. */
const ScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * A Schedule-started run's scheduled time: the Schedule's search attribute, else the time it
 * appends to the workflow id. A run started by hand names no time: it fails with `failureType`,
 * since no retry of the workflow task could find one.
 */
export function scheduledTime(failureType: string): number {
  const info = workflowInfo();
  const at = info.typedSearchAttributes.get(ScheduledStartTime);
  if (at) return at.getTime();
  const suffix = /-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d))$/.exec(info.workflowId);
  if (suffix) return Date.parse(suffix[1]);
  throw ApplicationFailure.nonRetryable(`${info.workflowId} was not started by a Schedule and names no time`, failureType);
}
