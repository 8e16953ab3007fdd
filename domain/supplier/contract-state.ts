/**
 * A supplier contract's states. A contract is live until it expires or is terminated; a supplier
 * with a live contract cannot be retired.
 */
export const CONTRACT_STATES = ['active', 'renewal_due', 'escalated', 'expired', 'terminated'] as const;
export type ContractState = (typeof CONTRACT_STATES)[number];
export const ENDED_CONTRACT_STATES: readonly ContractState[] = ['expired', 'terminated'];
export const isLiveContract = (state: string) => !(ENDED_CONTRACT_STATES as readonly string[]).includes(state);
