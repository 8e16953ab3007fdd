/**
 * The release lifecycle of api.md. A release moves forward through its stages by itself
 * (results reported by build, test and deployment systems); people only approve production
 * and cancel. `awaiting_approval` is also where a release waits between environments when
 * the next environment's gate (change approval, window, freeze, manager approval) is closed.
 */
export const RELEASE_STATES = [
  'planned',
  'building',
  'testing',
  'awaiting_approval',
  'deploying',
  'deployed',
  'failed',
  'rolling_back',
  'rolled_back',
  'cancelled',
] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

export type ReleaseCommand = 'approve' | 'cancel' | 'stage-result';

export function isTerminal(state: ReleaseState): boolean {
  return state === 'deployed' || state === 'failed' || state === 'rolled_back' || state === 'cancelled';
}

/** Before production has begun: approval can still be given, the release can still be withdrawn. */
const OPEN: readonly ReleaseState[] = ['planned', 'building', 'testing', 'awaiting_approval', 'deploying'];

const RULES: Record<ReleaseCommand, readonly ReleaseState[]> = {
  approve: OPEN,
  cancel: OPEN,
  'stage-result': ['building', 'testing', 'awaiting_approval', 'deploying', 'rolling_back'],
};

export function checkReleaseCommand(state: ReleaseState, command: ReleaseCommand): { ok: true } | { ok: false; reason: string } {
  if (RULES[command].includes(state)) return { ok: true };
  return { ok: false, reason: `cannot ${command === 'stage-result' ? 'report a stage result for' : command} a release in state '${state}' (allowed from: ${RULES[command].join(', ')})` };
}
