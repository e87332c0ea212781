/**
 * @module The deployment phase: how far VolGuard may act on its own (INTERFACE.md `PHASE`).
 *
 * SHADOW fills proposals on paper only; SEMI_AUTO waits for a human approval per entry; FULL_AUTO trades alone.
 */

export type Phase = 'SHADOW' | 'SEMI_AUTO' | 'FULL_AUTO';
/** In order of autonomy. */
export const PHASES: readonly Phase[] = ['SHADOW', 'SEMI_AUTO', 'FULL_AUTO'];
