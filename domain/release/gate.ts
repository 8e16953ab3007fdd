import type { GateAnswer, ReleaseSnapshot } from '../schemas/release';

/** What the gate reads from the other records at the moment of asking. */
export interface GateChange {
  id: string;
  number: string;
  type: string;
  state: string;
  plannedStart: number;
  plannedEnd: number;
  holdReason: string | null;
  heldUntil: number | null;
}
export interface GateFreeze {
  id: string;
  name: string;
  start: number;
  end: number;
}
export interface GateFacts {
  changes: GateChange[];
  freezes: GateFreeze[];
}

export interface GateVerdict extends GateAnswer {
  /** When the answer may change by the clock alone (a window opening, a freeze ending); null: only another record can change it. */
  recheckAt: number | null;
}

const utc = (ms: number) => new Date(ms).toISOString();
const AWAITING_APPROVAL = new Set(['submitted', 'assessing', 'cab_review', 'approved']);
const ENDED = new Set(['rejected', 'cancelled', 'failed', 'implemented', 'reviewed', 'closed']);

/** The environment that needs the release manager's approval: the last one (production). */
export const approvalEnvironment = (s: Pick<ReleaseSnapshot, 'environments'>) => s.environments[s.environments.length - 1];

/**
 * May the release deploy to `environment` now? The same answer for the workflow (which waits
 * while it is `awaiting`) and for external CI/CD tools (`GET …/gate`). Every reason is
 * listed, not only the first, so a release manager sees all that is in the way.
 */
export function evaluateGate(s: ReleaseSnapshot, environment: string, facts: GateFacts, now: number): GateVerdict {
  const index = s.environments.indexOf(environment);
  if (index < 0) return { state: 'invalid', reasons: [`'${environment}' is not one of ${s.number}'s environments (${s.environments.join(', ')})`], recheckAt: null };
  if (['cancelled', 'failed', 'rolled_back', 'rolling_back'].includes(s.state)) return { state: 'prevented', reasons: [`${s.number} is ${s.state.replace('_', ' ')}`], recheckAt: null };
  if (s.deployed.includes(environment)) return { state: 'allowed', reasons: [`${environment} is deployed`], recheckAt: null };
  if (s.current?.action === 'deploy' && s.current.environment === environment) return { state: 'allowed', reasons: [`deployment to ${environment} is in progress`], recheckAt: null };

  const awaiting: string[] = [];
  const prevented: string[] = [];
  let recheckAt: number | null = null;
  const recheck = (at: number) => (recheckAt = recheckAt === null ? at : Math.min(recheckAt, at));

  const tested = s.stages.some((st) => st.stage === 'test' && st.status === 'succeeded');
  if (!tested) awaiting.push('the release has not passed its tests');
  const previous = s.environments[index - 1];
  if (previous !== undefined && !s.deployed.includes(previous)) awaiting.push(`${previous} must be deployed and verified first`);

  for (const c of facts.changes) {
    if (ENDED.has(c.state)) prevented.push(`${c.number} is ${c.state}`);
    else if (AWAITING_APPROVAL.has(c.state)) awaiting.push(`${c.number} is not approved yet (${c.state.replace('_', ' ')})`);
    else if (c.state === 'held') {
      awaiting.push(`${c.number} is held: ${c.holdReason ?? 'change freeze'}`);
      if (c.heldUntil !== null) recheck(c.heldUntil);
    } else if (c.state === 'scheduled') {
      if (now < c.plannedStart) {
        awaiting.push(`${c.number}'s window opens at ${utc(c.plannedStart)}`);
        recheck(c.plannedStart);
      } else if (now >= c.plannedEnd) prevented.push(`${c.number}'s window ended at ${utc(c.plannedEnd)}: reschedule the change`);
    }
    // implementing: the release itself started it; the deployment goes on.
  }

  const emergencyOnly = facts.changes.length > 0 && facts.changes.every((c) => c.type === 'emergency');
  const frozen = facts.freezes.find((f) => f.start <= now && now < f.end);
  if (frozen && !emergencyOnly) {
    awaiting.push(`change freeze '${frozen.name}' until ${utc(frozen.end)}`);
    recheck(frozen.end);
  }

  if (environment === approvalEnvironment(s) && !s.approval) awaiting.push(`${environment} needs the release manager's approval`);

  if (prevented.length) return { state: 'prevented', reasons: [...prevented, ...awaiting], recheckAt };
  if (awaiting.length) return { state: 'awaiting', reasons: awaiting, recheckAt };
  return { state: 'allowed', reasons: [], recheckAt: null };
}
