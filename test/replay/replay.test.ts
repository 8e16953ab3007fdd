/**
 * Replays every recorded history in test/replay/histories/ (written by
 * `npm run record-histories`) against the CURRENT workflow code. A failure means a change
 * would break workflows already running in production (nondeterminism): make it compatible
 * (e.g. `patched()`), or consciously re-record the histories.
 *
 * The negative case proves the check can fail: the same histories against a copy of the
 * workflows whose incident and change workflows schedule one extra activity must all be
 * rejected.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, makeTelemetryFilterString, type InjectedSinks, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TransitionSinks } from '../../activities/record-transition';
import { DeterminismViolationError } from '@temporalio/workflow';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { quietRuntime, sharedBundle } from '../support/temporal';
import * as registeredWorkflows from '../../workflows';
import { MAX_UNCONFIRMED } from '../../workflows/kernel/record-keeper';
import { BASELINE, BASELINE_PATCHES } from '../../workflows/kernel/versions';
import { localActivities } from '../support/history-events';
import { WEBHOOK_QUEUE_PATCH, webhookDeliveryQueue } from '../../workflows/contracts/webhook-delivery';

const DIR = path.join(__dirname, 'histories');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

/**
 * `historyFromJSON` of @temporalio/common, or the same conversion done with the protobufjs
 * copy that @temporalio/proto's types come from: with this lockfile npm installs separate
 * copies of protobufjs 8 under common, proto and worker, and common's `protojson.fromJson`
 * rejects proto's types ("type must be a Type") — as does `Worker.runReplayHistory` when
 * handed JSON, since it calls `historyFromJSON`. So the test always hands it a decoded History.
 */
function loadHistory(file: string): History {
  const json = JSON.parse(readFileSync(path.join(DIR, file), 'utf8'));
  try {
    return historyFromJSON(json);
  } catch (e) {
    if (!(e instanceof TypeError) || !/type must be a Type/.test(e.message)) throw e;
    const protojson = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as {
      fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): History | null;
    };
    const history = protojson.fromJson(temporal.api.history.v1.History, json, { ignoreUnknownFields: true });
    if (!history) throw new Error(`${file}: not a history`);
    return history;
  }
}

/** The recordings are made with the file name as workflow id; the workflows' commands never depend on it. */
const workflowIdOf = (file: string) => path.basename(file, '.json');
const workflowTypeOf = (h: History) => h.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

beforeAll(() => {
  // The negative cases make Core log a WARN per rejected workflow task: keep Core to errors.
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } } });
  } catch {
    quietRuntime(); // a runtime is already installed in this process
  }
});

test('at least five recorded histories exist, covering every workflow type', () => {
  expect(FILES.length).toBeGreaterThanOrEqual(5);
  const types = new Set(FILES.map((f) => workflowTypeOf(loadHistory(f))));
  // Every workflow the worker registers (workflows/index.ts), so a new process cannot skip its recording.
  expect(types).toEqual(new Set(Object.keys(registeredWorkflows)));
  const continued = FILES.map(loadHistory).filter((h) => h.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes);
  expect(continued.length).toBeGreaterThanOrEqual(1);
});

test("both sides of the change workflow's patched() reschedule are recorded", () => {
  // change-freeze-held-rescheduled predates patched('reassess-on-reschedule'); -reassessed has its marker.
  const markers = (file: string) => (loadHistory(file).events ?? []).filter((e) => e.markerRecordedEventAttributes).length;
  expect(markers('change-freeze-held-rescheduled.json')).toBe(0);
  expect(markers('change-rescheduled-reassessed.json')).toBeGreaterThan(0);
});

/** How many patch markers with this id a recorded history holds (a marker's details carry its id). */
const patchMarkers = (file: string, patchId: string) =>
  (loadHistory(file).events ?? []).filter((e) => {
    const details = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return details && Buffer.from(details).toString('utf8').includes(patchId);
  }).length;
/** Recorded after the kernel, for the patches problem management added to incidents and changes. */
const AFTER_KERNEL = ['incident-known-error-matched.json', 'change-rejected-tells-problem.json', 'incident-p1-breach-escalation-routed.json', 'incident-ola-uc-clocks.json', 'incident-outage.json', 'incident-security.json', 'incident-time-logged.json', 'incident-adopted.json', 'incident-major-problem.json', 'incident-major-problem-held.json'];

test("both sides of the record kernel's patch are recorded for every incident and change scenario", () => {
  const kernelMarkers = (file: string) => patchMarkers(file, 'record-kernel-v2');
  const v2 = FILES.filter((f) => f.endsWith('-kernel-v2.json'));
  const older = FILES.filter((f) => /^(incident|change)-/.test(f) && !/-(kernel-v[2345]|baseline)\.json$/.test(f) && !AFTER_KERNEL.includes(f));
  expect(v2.length).toBeGreaterThanOrEqual(15);
  for (const f of older) {
    expect([f, kernelMarkers(f)]).toEqual([f, 0]);
    if (!f.includes('create-timeout')) expect(FILES).toContain(f.replace(/\.json$/, '-kernel-v2.json'));
  }
  for (const f of v2.filter((f) => !f.includes('create-timeout'))) expect([f, kernelMarkers(f)]).toEqual([f, 1]);
});

test("both sides of the kernel's v3 patch (timers kept, search attributes upserted on change) are recorded", () => {
  const v3 = FILES.filter((f) => f.endsWith('-kernel-v3.json'));
  for (const f of ['incident-full-lifecycle-auto-close', 'incident-p1-breach-escalation', 'incident-impact-reprioritise', 'incident-continue-as-new', 'change-normal-approved-implemented', 'change-cab-timeout']) {
    expect(v3).toContain(`${f}-kernel-v3.json`);
  }
  for (const f of v3) expect([f, patchMarkers(f, 'record-kernel-v3')]).toEqual([f, 1]);
  for (const f of FILES.filter((f) => f.endsWith('-kernel-v2.json'))) expect([f, patchMarkers(f, 'record-kernel-v3')]).toEqual([f, 0]);
});

test("both sides of the kernel's v4 patch (one timer per deadline) and the incident's one escalation lookup are recorded", () => {
  const v4 = FILES.filter((f) => f.endsWith('-kernel-v4.json'));
  for (const f of ['incident-p1-breach-escalation', 'incident-full-lifecycle-auto-close', 'incident-continue-as-new', 'change-cab-timeout']) {
    expect(v4).toContain(`${f}-kernel-v4.json`);
  }
  for (const f of v4) expect([f, patchMarkers(f, 'record-kernel-v4')]).toEqual([f, 1]);
  for (const f of FILES.filter((f) => /-kernel-v[23]\.json$/.test(f))) expect([f, patchMarkers(f, 'record-kernel-v4')]).toEqual([f, 0]);
  expect(patchMarkers('incident-p1-breach-escalation-kernel-v4.json', 'incident-one-escalation-lookup')).toBe(1);
  expect(patchMarkers('incident-p1-breach-escalation-kernel-v3.json', 'incident-one-escalation-lookup')).toBe(0);
});

test("both sides of the kernel's v5 patch (transitions written by the worker's sink, confirmed once) are recorded", () => {
  const v5 = FILES.filter((f) => f.endsWith('-kernel-v5.json'));
  for (const f of ['incident-p1-breach-escalation', 'incident-full-lifecycle-auto-close', 'incident-continue-as-new', 'change-cab-timeout']) {
    expect(v5).toContain(`${f}-kernel-v5.json`);
  }
  for (const f of v5) expect([f, patchMarkers(f, 'record-kernel-v5')]).toEqual([f, 1]);
  for (const f of FILES.filter((f) => /-kernel-v[234]\.json$/.test(f))) expect([f, patchMarkers(f, 'record-kernel-v5')]).toEqual([f, 0]);
  const localActivitiesOf = (file: string) => localActivities(loadHistory(file).events ?? []);
  // Before: one write per transition. After: the first transition's write, then one confirmation before the run ends.
  const before = localActivitiesOf('incident-full-lifecycle-auto-close-kernel-v4.json').filter((t) => t === 'recordTransition').length;
  expect(before).toBeGreaterThan(3);
  const after = localActivitiesOf('incident-full-lifecycle-auto-close-kernel-v5.json');
  expect(after.filter((t) => t === 'recordTransition')).toHaveLength(1);
  // One confirmation before the run ends, and one each time MAX_UNCONFIRMED writes were waiting.
  const confirms = after.filter((t) => t === 'confirmTransitions').length;
  expect(confirms).toBeGreaterThanOrEqual(1);
  expect(confirms).toBeLessThanOrEqual(Math.floor((before - 1) / MAX_UNCONFIRMED) + 1);
});

test('both sides of the patch baseline are recorded: a run started since records its one marker (and one version upsert) where it recorded one per patch', () => {
  const baseline = FILES.filter((f) => f.endsWith('-baseline.json'));
  const allPatchMarkers = (file: string) => (loadHistory(file).events ?? []).filter((e) => e.markerRecordedEventAttributes?.details?.['patch-data']).length;
  const versionUpserts = (file: string) => (loadHistory(file).events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.TemporalChangeVersion).length;
  for (const f of ['incident-p1-breach-escalation', 'incident-full-lifecycle-auto-close', 'incident-continue-as-new', 'incident-continue-as-new-second-run', 'incident-major-problem', 'incident-ola-uc-clocks', 'incident-known-error-matched', 'change-cab-timeout', 'change-rescheduled-reassessed', 'change-rejected-tells-problem']) {
    expect(baseline).toContain(`${f}-baseline.json`);
  }
  for (const f of baseline) expect([f, patchMarkers(f, BASELINE), allPatchMarkers(f), versionUpserts(f)]).toEqual([f, 1, 1, 1]);
  // The old side: every patch of the baseline recorded under its own marker, and none with the baseline's.
  for (const patch of BASELINE_PATCHES) expect([patch, FILES.some((f) => patchMarkers(f, `${patch}"`) > 0)]).toEqual([patch, true]);
  for (const f of FILES.filter((f) => !f.endsWith('-baseline.json'))) expect([f, patchMarkers(f, BASELINE)]).toEqual([f, 0]);
  // What it saves: the same lifecycle, two events per patch fewer.
  const events = (file: string) => (loadHistory(file).events ?? []).length;
  const before = allPatchMarkers('incident-full-lifecycle-auto-close-kernel-v5.json');
  expect(before).toBeGreaterThanOrEqual(6);
  expect(events('incident-full-lifecycle-auto-close-kernel-v5.json') - events('incident-full-lifecycle-auto-close-baseline.json')).toBe(2 * (before - 1));
});

test("both sides of the major-incident raise's hold are recorded: a run that ended with the raise pending, one that ended once it had", () => {
  const raise = (file: string) => {
    const events = loadHistory(file).events ?? [];
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'raiseProblemForMajorIncident');
    const done = events.findIndex((e) => e.activityTaskCompletedEventAttributes && Number(e.activityTaskCompletedEventAttributes.scheduledEventId) === Number(scheduled?.eventId));
    return { scheduled: !!scheduled, doneBeforeEnd: done >= 0 && done < events.findIndex((e) => e.workflowExecutionCompletedEventAttributes) };
  };
  for (const f of ['incident-major-problem.json', 'incident-major-problem-held.json']) expect([f, patchMarkers(f, 'incident-major-problem"')]).toEqual([f, 1]);
  expect(patchMarkers('incident-major-problem.json', 'incident-major-problem-held')).toBe(0);
  expect(raise('incident-major-problem.json')).toEqual({ scheduled: true, doneBeforeEnd: false });
  expect(patchMarkers('incident-major-problem-held.json', 'incident-major-problem-held')).toBe(1);
  expect(raise('incident-major-problem-held.json')).toEqual({ scheduled: true, doneBeforeEnd: true });
});

test('an incident the API wrote itself is recorded: its workflow adopts the stored first transition (no create Update) and hands it on', () => {
  const events = loadHistory('incident-adopted.json').events ?? [];
  const updates = events.flatMap((e) => (e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ? [e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest.input.name] : []));
  expect(updates).toEqual(['assign', 'acknowledge', 'resolve', 'close']);
  const activities = events.flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
  expect(activities).toContain('settleTransition');
  expect(patchMarkers('incident-adopted.json', 'record-kernel-v3')).toBe(1);
});

test('both sides of the problem-management patches are recorded: known-error matching at incident creation, a rejected change telling its problem', () => {
  for (const f of AFTER_KERNEL) expect(FILES).toContain(f);
  expect(patchMarkers('incident-known-error-matched.json', 'incident-known-error-matching')).toBe(1);
  expect(patchMarkers('incident-update-with-start-kernel-v2.json', 'incident-known-error-matching')).toBe(0);
  expect(patchMarkers('change-rejected-tells-problem.json', 'tell-problem-every-outcome')).toBe(1);
  expect(patchMarkers('change-emergency-rejected-kernel-v2.json', 'tell-problem-every-outcome')).toBe(0);
});

test('both sides of the routing patch are recorded: incidents created unassigned before assignment rules, routed after', () => {
  expect(patchMarkers('incident-p1-breach-escalation-routed.json', 'incident-routing')).toBe(1);
  expect(patchMarkers('incident-p1-breach-escalation-kernel-v2.json', 'incident-routing')).toBe(0);
});

test('both sides of the service-level patches are recorded: incidents without OLA/UC clocks or agreement versions, and one with both', () => {
  expect(patchMarkers('incident-ola-uc-clocks.json', 'incident-agreement-clocks')).toBe(1);
  expect(patchMarkers('incident-ola-uc-clocks.json', 'incident-sla-versions')).toBe(1);
  expect(patchMarkers('incident-impact-reprioritise-kernel-v2.json', 'incident-sla-versions')).toBe(0);
  expect(patchMarkers('incident-full-lifecycle-auto-close-kernel-v2.json', 'incident-agreement-clocks')).toBe(0);
});

/** The worker's sinks, as a replay sees them: never called while replaying (registered so that the SDK does not log each call as unregistered). */
const REPLAY_SINKS: InjectedSinks<TransitionSinks> = { transitions: { write: { fn: () => undefined, callDuringReplay: false } } };

test("both sides of the webhook deliveries' own queue are recorded: attempts on the records' queue before the patch, on the deliveries' queue since; the failure mark on the records' queue either way", () => {
  const queues = (file: string) =>
    (loadHistory(file).events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [[e.activityTaskScheduledEventAttributes.activityType?.name, e.activityTaskScheduledEventAttributes.taskQueue?.name]] : []));
  for (const scenario of ['webhook-delivery-retried', 'webhook-delivery-not-found']) {
    const [before, since] = [`${scenario}.json`, `${scenario}-own-queue.json`];
    expect([patchMarkers(before, WEBHOOK_QUEUE_PATCH), patchMarkers(since, WEBHOOK_QUEUE_PATCH)]).toEqual([0, 1]);
    const marks = scenario.endsWith('not-found') ? [['markWebhookFailed', 'record-histories']] : [];
    expect(queues(before)).toEqual([['deliverWebhook', 'record-histories'], ...marks]);
    expect(queues(since)).toEqual([['deliverWebhook', webhookDeliveryQueue('record-histories')], ...marks]);
  }
});

describe('recorded histories replay against the current workflow code', () => {
  let bundle: Awaited<ReturnType<typeof sharedBundle>>;
  beforeAll(async () => {
    bundle = await sharedBundle();
  });

  // An empty folder still yields one (failing) case rather than a silently empty table.
  test.each(FILES.length > 0 ? FILES : ['<no histories recorded>'])('%s', async (file) => {
    const history = loadHistory(file);
    expect(history.events?.length).toBeGreaterThan(0);
    await expect(Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'replay-current', sinks: REPLAY_SINKS }, history, workflowIdOf(file))).resolves.toBeUndefined();
  });
});

describe('the replay check catches an incompatible change', () => {
  let altered: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    altered = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'altered', 'index.ts'), logger: silent as never });
  });

  test('one history against the altered incident workflow throws a DeterminismViolationError', async () => {
    const file = 'incident-p1-breach-escalation.json';
    expect(FILES).toContain(file);
    const error = await Worker.runReplayHistory({ workflowBundle: altered, replayName: 'replay-altered', sinks: REPLAY_SINKS }, loadHistory(file), workflowIdOf(file)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect((error as Error).message).toMatch(/nondeterminism/i);
  });

  test('every incident and change history fails against it, while the untouched workflows still replay', async () => {
    const inputs = FILES.map((file) => ({ file, history: loadHistory(file) }));
    const results: { file: string; type: string | null | undefined; error: string | null }[] = [];
    const replay = Worker.runReplayHistories(
      { workflowBundle: altered, replayName: 'replay-altered-all', sinks: REPLAY_SINKS },
      inputs.map(({ file, history }) => ({ workflowId: workflowIdOf(file), history })),
    );
    let i = 0;
    for await (const r of replay) {
      const { file, history } = inputs[i++];
      results.push({ file, type: workflowTypeOf(history), error: r.error ? r.error.constructor.name : null });
    }
    expect(results).toHaveLength(FILES.length);
    for (const r of results) {
      expect([r.file, r.error]).toEqual([r.file, r.type === 'incidentWorkflow' || r.type === 'changeWorkflow' ? 'DeterminismViolationError' : null]);
    }
  });
});
