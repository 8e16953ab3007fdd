/**
 * The worker's logs are one stream: the SDK's and the workflows' (`log` from
 * @temporalio/workflow) go through the process's logger as JSON lines, at LOG_LEVEL. This file
 * installs the runtime with a capturing logger before the bed starts (the bed then keeps it).
 */
import { incidentWorkflow } from '../../workflows/incident';
import { createIncidentUpdate } from '../../workflows/contracts/incident';
import type { CreateIncidentBody } from '../../domain/schemas/incident';
import { createLogger } from '../../infra/logger';
import { installRuntimeLogger, plainFields, writeSdkEntry } from '../../temporal/runtime';
import { workflowTestBed } from '../support/workflow-bed';

const lines: Record<string, unknown>[] = [];
const log = createLogger('info', { service: 'worker' }, (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
const installed = installRuntimeLogger(log, 'info');
const TQ = 'runtime-logger';

async function eventually<T>(find: () => T | undefined, ms = 5000): Promise<T | undefined> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
    const found = find();
    if (found !== undefined) return found;
  }
  return find();
}
const bed = workflowTestBed(TQ);

test('a workflow log line reaches the process logger as JSON with its workflow context; the runtime is installed once', async () => {
  expect(installed).toBe(true);
  // A second install (another embedding, a test harness) keeps the first runtime and says so.
  expect(installRuntimeLogger(createLogger('silent'), 'silent')).toBe(false);
  const workflowId = `incident-runtime-logger-${Date.now()}`;
  const handle = await bed.env.client.workflow.start(incidentWorkflow, {
    taskQueue: TQ,
    workflowId,
    args: [{ id: 'inc-rl-1', number: 'INC9800001', config: { autoCloseMs: 86_400_000, continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } }],
  });
  bed.track(handle);
  await handle.executeUpdate(createIncidentUpdate, {
    args: [{ actor: 'tester', body: { title: 'logged', type: 'incident', impact: 'low', urgency: 'low', serviceId: 'svc-std' } as CreateIncidentBody }],
  });
  // With Core's lines forwarded, the SDK holds each line briefly to interleave both streams in time order.
  const recorded = await eventually(() => lines.find((l) => l.msg === 'transition recorded' && l.workflowId === workflowId));
  expect(recorded).toMatchObject({ level: 'info', service: 'worker', sdkComponent: 'workflow', workflowType: 'incidentWorkflow', action: 'create', to: 'new' });
  expect(typeof recorded?.time).toBe('string');
  // The SDK's own lines come the same way (the worker announces its state changes).
  expect(lines.some((l) => l.sdkComponent === 'worker' && l.msg === 'Worker state changed')).toBe(true);
  // Core's, forwarded rather than printed to stderr: its warning that the test server is older than heartbeat details need.
  expect(await eventually(() => lines.find((l) => l.sdkComponent === 'core'))).toMatchObject({ level: 'warn' });
});

test('SDK levels map onto the logger, which drops what LOG_LEVEL does not let through', () => {
  const got: Record<string, unknown>[] = [];
  const warnOnly = createLogger('warn', {}, (line) => got.push(JSON.parse(line) as Record<string, unknown>));
  for (const level of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const) writeSdkEntry(warnOnly, { level, message: level.toLowerCase() });
  expect(got.map((l) => [l.level, l.msg])).toEqual([
    ['warn', 'warn'],
    ['error', 'error'],
  ]);
});

test('fields are JSON-safe: errors keep their name and message, bigints their digits, a cycle keeps the plain fields', () => {
  const failure = new TypeError('bad input', { cause: 'upstream' });
  expect(plainFields({ error: failure, nanos: 12n, nested: { e: new Error('inner') } })).toEqual({
    error: { name: 'TypeError', message: 'bad input', cause: 'upstream' },
    nanos: '12',
    nested: { e: { name: 'Error', message: 'inner' } },
  });
  const cyclic: Record<string, unknown> = { workflowId: 'w', attempt: 2, ok: true };
  cyclic.self = cyclic;
  expect(plainFields(cyclic)).toEqual({ workflowId: 'w', attempt: 2, ok: true });
  expect(plainFields(undefined)).toEqual({});
});
