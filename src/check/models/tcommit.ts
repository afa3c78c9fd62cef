import type { SpecMachine } from '../../framework/spec.js';

/**
 * Lamport's TCommit (the spec TwoPhase refines): each resource manager is working, prepared,
 * committed or aborted; an RM may prepare; a prepared RM may commit once every RM is prepared or
 * committed; a working or prepared RM may abort while none has committed.
 *
 * A spec state is the vector of RM states packed two bits per RM into one number (RM i in bits
 * 2i..2i+1), so that abstracting TwoPhase states costs no allocation.
 */

/** An RM's state, with its two-bit code. */
export const rmStates = ['working', 'prepared', 'committed', 'aborted'] as const;
/** The two-bit code of "working". */
export const working = 0;
/** The two-bit code of "prepared". */
export const prepared = 1;
/** The two-bit code of "committed". */
export const committed = 2;
/** The two-bit code of "aborted". */
export const aborted = 3;

/** RM `i`'s state code in the packed vector `s`. */
export function rmStateOf(s: number, i: number): number {
  return (s >>> (2 * i)) & 3;
}

/** TCommit for `rms` resource managers. */
export function tcommitSpec(rms: number): SpecMachine<number> {
  const all = (s: number, ok: (state: number) => boolean): boolean => {
    for (let i = 0; i < rms; i++) if (!ok(rmStateOf(s, i))) return false;
    return true;
  };
  const canCommit = (s: number): boolean => all(s, (x) => x === prepared || x === committed);
  const notCommitted = (s: number): boolean => all(s, (x) => x !== committed);
  return {
    name: 'TCommit',
    init: (s) => all(s, (x) => x === working),
    next: (s, t) => {
      // Exactly one RM changes, by Prepare(rm) or Decide(rm).
      let changed = -1;
      for (let i = 0; i < rms; i++) {
        if (rmStateOf(s, i) === rmStateOf(t, i)) continue;
        if (changed >= 0) return false;
        changed = i;
      }
      if (changed < 0) return false;
      const from = rmStateOf(s, changed);
      const to = rmStateOf(t, changed);
      if (from === working && to === prepared) return true;
      if (from === prepared && to === committed) return canCommit(s);
      if ((from === working || from === prepared) && to === aborted) return notCommitted(s);
      return false;
    },
    equal: (a, b) => a === b,
    show: (s) => `[${Array.from({ length: rms }, (_, i) => `r${i + 1}: ${rmStates[rmStateOf(s, i)] ?? '?'}`).join(', ')}]`,
  };
}
