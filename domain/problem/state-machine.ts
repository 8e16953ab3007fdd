/**
 * The problem lifecycle (ITIL problem management): which command is allowed in which state
 * and where it leads. `resolved` is where a fix lands; the problem then watches for
 * recurrence (`under_observation`) before it closes.
 */
export const PROBLEM_STATES = ['new', 'investigating', 'known_error', 'change_pending', 'resolved', 'under_observation', 'closed', 'cancelled'] as const;
export type ProblemState = (typeof PROBLEM_STATES)[number];

export const PROBLEM_ACTIONS = [
  'link-incidents',
  'investigate',
  'rca',
  'known-error',
  'communicate',
  'request-change',
  'accept-risk',
  'mark-duplicate',
  'resolve',
  'close',
  'cancel',
] as const;
export type ProblemAction = (typeof PROBLEM_ACTIONS)[number];

const OPEN: readonly ProblemState[] = ['new', 'investigating', 'known_error', 'change_pending', 'resolved', 'under_observation'];
const BEFORE_FIX: readonly ProblemState[] = ['new', 'investigating', 'known_error'];

/** `null` target: the command keeps the current state (or, for `link-incidents`, see `linkTarget`). */
const RULES: Record<ProblemAction, { from: readonly ProblemState[]; to: ProblemState | null }> = {
  'link-incidents': { from: OPEN, to: null },
  investigate: { from: ['new', 'known_error'], to: 'investigating' },
  rca: { from: ['new', 'investigating', 'known_error'], to: null },
  'known-error': { from: ['new', 'investigating'], to: 'known_error' },
  communicate: { from: OPEN, to: null },
  'request-change': { from: ['investigating', 'known_error', 'change_pending'], to: 'change_pending' },
  'accept-risk': { from: BEFORE_FIX, to: 'closed' },
  'mark-duplicate': { from: BEFORE_FIX, to: 'closed' },
  resolve: { from: ['investigating', 'known_error', 'change_pending'], to: 'resolved' },
  close: { from: ['resolved', 'under_observation'], to: 'closed' },
  cancel: { from: BEFORE_FIX, to: 'cancelled' },
};

export function isTerminal(state: ProblemState): boolean {
  return state === 'closed' || state === 'cancelled';
}

export function isOpen(state: ProblemState): boolean {
  return OPEN.includes(state);
}

/** The next state, or why the command is not allowed now. */
export function nextProblemState(state: ProblemState, action: ProblemAction): { ok: true; to: ProblemState } | { ok: false; reason: string } {
  const rule = RULES[action];
  if (!rule.from.includes(state)) return { ok: false, reason: `cannot ${action} a problem in state '${state}' (allowed from: ${rule.from.join(', ')})` };
  // Analysis starts with the first piece of evidence.
  if (action === 'rca' && state === 'new') return { ok: true, to: 'investigating' };
  return { ok: true, to: rule.to ?? state };
}

/** A problem watching for recurrence goes back to investigation when an incident recurs. */
export function reopensOnRecurrence(state: ProblemState): boolean {
  return state === 'resolved' || state === 'under_observation';
}
