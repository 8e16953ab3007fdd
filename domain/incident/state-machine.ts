/**
 * The incident lifecycle: which command is allowed in which state and where it leads.
 * Used by the workflow's Update validators (so a rejected command never enters history)
 * and mirrored by the API's 409 responses.
 */
export type IncidentState = 'new' | 'assigned' | 'in_progress' | 'on_hold' | 'resolved' | 'closed' | 'cancelled';
export const INCIDENT_STATES: readonly IncidentState[] = ['new', 'assigned', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled'];

export type IncidentAction =
  | 'assign'
  | 'acknowledge'
  | 'hold'
  | 'resume'
  | 'resolve'
  | 'reopen'
  | 'close'
  | 'cancel'
  | 'escalate'
  | 'notes'
  | 'impact'
  | 'restrict'
  | 'outage'
  | 'review';

const OPEN: readonly IncidentState[] = ['new', 'assigned', 'in_progress', 'on_hold'];

/** `null` target: the command keeps the current state. */
const RULES: Record<IncidentAction, { from: readonly IncidentState[]; to: IncidentState | null }> = {
  assign: { from: ['new', 'assigned', 'in_progress', 'on_hold'], to: 'assigned' },
  acknowledge: { from: ['new', 'assigned'], to: 'in_progress' },
  hold: { from: ['assigned', 'in_progress'], to: 'on_hold' },
  resume: { from: ['on_hold'], to: 'in_progress' },
  // First-contact resolution at the service desk resolves straight from new or assigned.
  resolve: { from: OPEN, to: 'resolved' },
  reopen: { from: ['resolved'], to: 'in_progress' },
  close: { from: ['resolved'], to: 'closed' },
  cancel: { from: ['new', 'assigned'], to: 'cancelled' },
  escalate: { from: OPEN, to: null },
  notes: { from: [...OPEN, 'resolved'], to: null },
  impact: { from: OPEN, to: null },
  restrict: { from: [...OPEN, 'resolved'], to: null },
  // A resolved incident's outage can still be corrected (its real end is often known later).
  outage: { from: [...OPEN, 'resolved'], to: null },
  // A security incident's post-incident review, usually once resolved; it can be redone until closed.
  review: { from: [...OPEN, 'resolved'], to: null },
};

export function isTerminal(state: IncidentState): boolean {
  return state === 'closed' || state === 'cancelled';
}

export function allowedFrom(action: IncidentAction): readonly IncidentState[] {
  return RULES[action].from;
}

/** The next state, or an explanation of why the command is not allowed now. */
export function nextState(
  state: IncidentState,
  action: IncidentAction,
): { ok: true; to: IncidentState } | { ok: false; reason: string } {
  const rule = RULES[action];
  if (!rule.from.includes(state)) {
    return { ok: false, reason: `cannot ${action} an incident in state '${state}' (allowed from: ${rule.from.join(', ')})` };
  }
  return { ok: true, to: rule.to ?? state };
}
