import { evaluateGate, type GateChange, type GateFacts } from '../../domain/release/gate';
import {
  beginEffect,
  buildOrTestResult,
  cancelEffect,
  deploymentOutcomeEffect,
  newRelease,
  releaseDeadlines,
  rollbackOutcomeEffect,
  rollbackQueue,
  stageReport,
  stepReportedEffect,
  type ReleaseSubmission,
} from '../../domain/release/lifecycle';
import type { ReleaseSnapshot } from '../../domain/schemas/release';

const T0 = Date.UTC(2026, 11, 3, 12);
const MIN = 60_000;
const HOUR = 60 * MIN;

const submission: ReleaseSubmission = {
  name: 'Shop',
  version: '2.0.0',
  description: null,
  type: 'full',
  unit: { id: 'ci_app', number: 'CI0000001', name: 'shop', class: 'application' },
  cis: [{ id: 'ci_api', number: 'CI0000002', name: 'shop-api', class: 'software' }],
  changes: [{ id: 'chg_1', number: 'CHG0000001' }],
  artifacts: [{ id: 'art_1', name: 'shop', version: '2.0.0', sha256: 'a'.repeat(64), url: 'http://x/api/v1/dsl/artifacts/art_1/content' }],
  environments: ['test', 'staging', 'production'],
  buildRequired: true,
  healthChecks: {},
  timeouts: { build: HOUR, test: HOUR, deploy: HOUR, verify: HOUR },
};

const fresh = () => newRelease({ id: 'rel_1', number: 'REL0000001', workflowId: 'release-REL0000001' }, 'usr-rm', submission, T0);
const tested = (): ReleaseSnapshot => {
  let s = beginEffect(fresh(), T0).effect.snapshot;
  s = buildOrTestResult(s, 'build', 'succeeded', null, 'bot', T0).effect.snapshot;
  return buildOrTestResult(s, 'test', 'succeeded', null, 'bot', T0).effect.snapshot;
};
const scheduled = (over: Partial<GateChange> = {}): GateChange => ({ id: 'chg_1', number: 'CHG0000001', type: 'normal', state: 'scheduled', plannedStart: T0 - HOUR, plannedEnd: T0 + 4 * HOUR, holdReason: null, heldUntil: null, ...over });
const facts = (over: Partial<GateChange> = {}, freezes: GateFacts['freezes'] = []): GateFacts => ({ changes: [scheduled(over)], freezes });

describe('the release gate', () => {
  test('allowed once tested, the change scheduled in its window and no freeze; production also needs approval', () => {
    const s = tested();
    expect(evaluateGate(s, 'test', facts(), T0)).toEqual({ state: 'allowed', reasons: [], recheckAt: null });
    expect(evaluateGate(s, 'staging', facts(), T0).reasons).toEqual(['test must be deployed and verified first']);
    const deployed = { ...s, deployed: ['test', 'staging'] };
    expect(evaluateGate(deployed, 'production', facts(), T0)).toEqual({ state: 'awaiting', reasons: ["production needs the release manager's approval"], recheckAt: null });
    expect(evaluateGate({ ...deployed, approval: { by: 'usr-rm', at: T0, comment: null } }, 'production', facts(), T0).state).toBe('allowed');
  });

  test('a change not yet approved or held waits; rejected, failed or a missed window prevents; each reason listed', () => {
    const s = tested();
    expect(evaluateGate(s, 'test', facts({ state: 'cab_review' }), T0)).toMatchObject({ state: 'awaiting', reasons: ['CHG0000001 is not approved yet (cab review)'] });
    expect(evaluateGate(s, 'test', facts({ state: 'held', holdReason: 'freeze Xmas', heldUntil: T0 + HOUR }), T0)).toMatchObject({ state: 'awaiting', recheckAt: T0 + HOUR });
    expect(evaluateGate(s, 'test', facts({ state: 'rejected' }), T0).state).toBe('prevented');
    expect(evaluateGate(s, 'test', facts({ plannedStart: T0 - 4 * HOUR, plannedEnd: T0 - HOUR }), T0)).toMatchObject({ state: 'prevented', reasons: [expect.stringContaining('reschedule the change')] });
    const early = evaluateGate(s, 'test', facts({ plannedStart: T0 + 2 * HOUR }), T0);
    expect(early).toMatchObject({ state: 'awaiting', recheckAt: T0 + 2 * HOUR });
    expect(evaluateGate(fresh(), 'staging', facts({ state: 'rejected' }), T0).reasons).toEqual(['CHG0000001 is rejected', 'the release has not passed its tests', 'test must be deployed and verified first']);
  });

  test('a freeze in force holds normal changes until it ends, not emergencies; unknown environments are invalid; ended releases prevented', () => {
    const s = tested();
    const freeze = [{ id: 'frz', name: 'Xmas', start: T0 - HOUR, end: T0 + 2 * HOUR }];
    expect(evaluateGate(s, 'test', facts({}, freeze), T0)).toMatchObject({ state: 'awaiting', recheckAt: T0 + 2 * HOUR, reasons: [expect.stringContaining("change freeze 'Xmas'")] });
    expect(evaluateGate(s, 'test', facts({ type: 'emergency' }, freeze), T0).state).toBe('allowed');
    expect(evaluateGate(s, 'qa', facts(), T0).state).toBe('invalid');
    expect(evaluateGate({ ...s, state: 'rolled_back' }, 'test', facts(), T0).state).toBe('prevented');
  });
});

describe('release stages and the rollback saga', () => {
  test('begin builds, or skips the build for prebuilt artifacts; build and test timeouts are deadlines', () => {
    expect(beginEffect(fresh(), T0).effect.snapshot).toMatchObject({ state: 'building', stages: [{ stage: 'build', status: 'running' }] });
    const prebuilt = beginEffect({ ...fresh(), buildRequired: false }, T0).effect.snapshot;
    expect(prebuilt.stages.map((x) => `${x.stage}=${x.status}`)).toEqual(['build=skipped', 'test=running']);
    expect(releaseDeadlines(prebuilt, null)).toEqual([expect.objectContaining({ kind: 'test_timeout', at: T0 + HOUR })]);
    expect(buildOrTestResult(prebuilt, 'test', 'failed', 'red', 'bot', T0).effect.snapshot).toMatchObject({ state: 'failed', failure: { stage: 'test', reason: 'red' } });
  });

  test('a report is new, a repeat, or refused when never requested or already ended differently', () => {
    const s = beginEffect(fresh(), T0).effect.snapshot;
    expect(stageReport(s, 'build', 'succeeded')).toEqual({ kind: 'new' });
    const built = buildOrTestResult(s, 'build', 'succeeded', null, 'bot', T0).effect.snapshot;
    expect(stageReport(built, 'build', 'succeeded')).toEqual({ kind: 'repeat' });
    expect(stageReport(built, 'build', 'failed').kind).toBe('refused');
    expect(stageReport(built, 'deploy:test', 'succeeded').kind).toBe('refused');
    expect(stageReport(built, 'deploy:qa', 'succeeded').kind).toBe('refused');
    const health = { ...built, healthChecks: { test: 'http://h/health' }, stages: [...built.stages, { stage: 'verify:test', status: 'running' as const, startedAt: T0, endedAt: null, details: null, reportedBy: null }] };
    expect(stageReport(health, 'verify:test', 'succeeded')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('polling') });
  });

  test('what is rolled back: a failed deploy undid itself; a failed verification, a timeout or a cancel is undone first; then the deployed environments in reverse', () => {
    const s = { ...tested(), deployed: ['test', 'staging'] };
    expect(rollbackQueue(s, { environment: 'production', action: 'deploy', stage: 'deploy:production', status: 'failed', details: null })).toEqual(['staging', 'test']);
    expect(rollbackQueue(s, { environment: 'production', action: 'deploy', stage: 'verify:production', status: 'failed', details: null })).toEqual(['production', 'staging', 'test']);
    expect(rollbackQueue(s, { environment: 'production', action: 'deploy', stage: 'deploy:production', status: 'timed_out', details: null })).toEqual(['production', 'staging', 'test']);
    expect(rollbackQueue({ ...s, deployed: [] }, { environment: 'test', action: 'deploy', stage: 'deploy:test', status: 'failed', details: null })).toEqual([]);
  });

  test('the saga ends rolled_back when every rollback succeeded, failed naming the rollback that did not; a stage left open is closed', () => {
    let s: ReleaseSnapshot = { ...tested(), state: 'deploying', deployed: ['test'], current: { environment: 'staging', action: 'deploy', workflowId: 'w' } };
    s = stepReportedEffect({ ...s, stages: [...s.stages, { stage: 'deploy:staging', status: 'running', startedAt: T0, endedAt: null, details: null, reportedBy: null }] }, 'deploy:staging', 'succeeded', null, 'bot', T0).snapshot;
    const failed = deploymentOutcomeEffect(s, { environment: 'staging', action: 'deploy', stage: 'verify:staging', status: 'failed', details: '500s' }, T0);
    expect(failed.queue).toEqual(['staging', 'test']);
    expect(failed.effect.snapshot).toMatchObject({ state: 'rolling_back', rollback: { reason: 'verify:staging failed: 500s', queue: ['staging', 'test'] } });
    let r = failed.effect.snapshot;
    const one = rollbackOutcomeEffect({ ...r, current: { environment: 'staging', action: 'rollback', workflowId: 'w2' } }, { environment: 'staging', action: 'rollback', stage: 'rollback:staging', status: 'succeeded', details: null }, T0);
    expect(one.next).toBe('test');
    r = one.effect.snapshot;
    const end = rollbackOutcomeEffect(r, { environment: 'test', action: 'rollback', stage: 'rollback:test', status: 'failed', details: 'no snapshot' }, T0);
    expect(end.next).toBeNull();
    expect(end.effect.snapshot).toMatchObject({ state: 'failed', failure: { stage: 'rollback:test' }, rollback: { done: ['staging'], failed: ['test'] }, deployed: ['test'] });
    expect(end.effect.notifications?.[0]).toMatchObject({ recipient: 'user:usr-rm', kind: 'release_rollback_failed' });
    const fine = rollbackOutcomeEffect(r, { environment: 'test', action: 'rollback', stage: 'rollback:test', status: 'succeeded', details: null }, T0);
    expect(fine.effect.snapshot).toMatchObject({ state: 'rolled_back', deployed: [] });

    const cancelledInFlight = deploymentOutcomeEffect({ ...s, cancelReason: 'wrong build' }, { environment: 'staging', action: 'deploy', stage: 'deploy:staging', status: 'cancelled', details: 'wrong build' }, T0);
    expect(cancelledInFlight.effect.snapshot.stages.find((x) => x.stage === 'verify:staging')?.status).toBe('cancelled');
  });

  test('cancelling before anything is deployed ends the release and its running stage; later it only records the reason (the saga follows)', () => {
    const building = beginEffect(fresh(), T0).effect.snapshot;
    expect(cancelEffect(building, 'not needed', T0).snapshot).toMatchObject({ state: 'cancelled', stages: [{ stage: 'build', status: 'cancelled' }] });
    const deploying = { ...tested(), state: 'deploying' as const, current: { environment: 'test', action: 'deploy' as const, workflowId: 'w' } };
    expect(cancelEffect(deploying, 'stop', T0).snapshot).toMatchObject({ state: 'deploying', cancelReason: 'stop' });
  });
});
