/**
 * The change (RFC) lifecycle of api.md: which command is allowed in which state.
 * `held` (a normal change whose window hits a change freeze) is this product's addition,
 * so a held change shows a clear state and reason instead of sitting in `approved`.
 */
export const CHANGE_STATES = [
  'submitted',
  'assessing',
  'cab_review',
  'approved',
  'rejected',
  'held',
  'scheduled',
  'implementing',
  'implemented',
  'failed',
  'reviewed',
  'closed',
  'cancelled',
] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];

export type ChangeCommand = 'start' | 'complete' | 'review' | 'close' | 'cancel' | 'reschedule';

/** Before implementation begins: the window can still move and the change can be withdrawn. */
export const PRE_IMPLEMENTATION: readonly ChangeState[] = ['submitted', 'assessing', 'cab_review', 'approved', 'held', 'scheduled'];

/** `null` target: decided by the command (complete → implemented | failed; reschedule → scheduled | held). */
const RULES: Record<ChangeCommand, { from: readonly ChangeState[]; to: ChangeState | null }> = {
  start: { from: ['scheduled'], to: 'implementing' },
  complete: { from: ['implementing'], to: null },
  // A failed change must be reviewed before it can close; a successful one may close directly.
  review: { from: ['implemented', 'failed'], to: 'reviewed' },
  close: { from: ['implemented', 'reviewed'], to: 'closed' },
  cancel: { from: PRE_IMPLEMENTATION, to: 'cancelled' },
  reschedule: { from: ['approved', 'held', 'scheduled'], to: null },
};

export function isTerminal(state: ChangeState): boolean {
  return state === 'closed' || state === 'cancelled' || state === 'rejected';
}

/** States in which a change still references its CIs (blocks their retirement). */
export const OPEN_CHANGE_STATES: readonly ChangeState[] = CHANGE_STATES.filter((s) => !isTerminal(s));

export function allowedFrom(command: ChangeCommand): readonly ChangeState[] {
  return RULES[command].from;
}

export function checkCommand(state: ChangeState, command: ChangeCommand): { ok: true; to: ChangeState | null } | { ok: false; reason: string } {
  const rule = RULES[command];
  if (!rule.from.includes(state)) {
    const hint = command === 'close' && state === 'failed' ? '; a failed change needs a post-implementation review first' : '';
    return { ok: false, reason: `cannot ${command} a change in state '${state}' (allowed from: ${rule.from.join(', ')})${hint}` };
  }
  return { ok: true, to: rule.to };
}
