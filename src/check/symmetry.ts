import { assert } from '../core/assert.js';
import { stableKey } from './stable.js';

/**
 * Symmetry reduction for models whose processes are interchangeable: `permutationSymmetry` builds
 * a model's `symmetry` (a canonical form) from a function that renames processes, so a model
 * author writes how a permutation acts on a state and nothing about canonical forms.
 *
 * The canonical form of `s` is, among the states `permute(s, p)` for the permutations `p`
 * considered, the one with the least key (default: `stableKey`). Equivalent states consider the
 * same set of permuted states, so they get the same canonical form, and it is equivalent to `s`:
 * the form is exact, whatever the state type.
 */

/**
 * The most processes `permutationSymmetry` accepts. In the worst case (no signature, or every
 * process with the same one) each canonical form tries every permutation, n! of them: 8! = 40,320
 * permuted states, each built and serialized, already costs tens of milliseconds per state. For
 * more processes, write the canonical form by hand (TwoPhase sorts its RMs' nibbles).
 */
export const permutationProcessesMax = 8;

/** What `permutationSymmetry` needs to know about a model's processes. */
export interface PermutationSymmetryOptions<S> {
  /** The interchangeable processes: their number, or their list (only its length is used). */
  readonly processes: number | readonly unknown[];
  /**
   * The state with every process `i` renamed to `perm[i]` (`perm` is a permutation of
   * 0..n-1), everywhere it appears: its own fields, and every reference to it in other
   * processes, messages and sets. Must return a new value and leave `s` unchanged; `perm` is
   * reused after the call returns.
   */
  readonly permute: (s: S, perm: readonly number[]) => S;
  /**
   * Optional speed-up: a summary of process `i` in `s` that does not depend on which process is
   * which, so that `signature(permute(s, perm), perm[i])` equals `signature(s, i)` (for example
   * its local state, but not its index or the set of processes it has heard from). Only
   * permutations that order processes by signature are then tried, so states whose processes
   * differ try few permutations. The canonical form stays exact.
   */
  readonly signature?: (s: S, process: number) => string | number;
  /** The key canonical forms are chosen by, the least one winning (default: `stableKey`). */
  readonly key?: (s: S) => string;
}

/**
 * A canonical-form function for `Model.symmetry`: the permuted state with the least key over the
 * permutations of `options.processes` (all of them, or those that order the processes by
 * `signature`). Asserts that there are 1..permutationProcessesMax processes: a model with a
 * variable count checks it against `permutationProcessesMax` before building.
 */
export function permutationSymmetry<S>(options: PermutationSymmetryOptions<S>): (s: S) => S {
  const n = typeof options.processes === 'number' ? options.processes : options.processes.length;
  assert(Number.isInteger(n) && n >= 1 && n <= permutationProcessesMax,
    `permutationSymmetry: between 1 and ${permutationProcessesMax} processes (n! permutations per state), got ${n}`);
  const { permute, signature } = options;
  const key = options.key ?? stableKey;
  const all = permutationsOf(n);

  if (signature === undefined) {
    return (s) => {
      let best = s;
      let bestKey: string | null = null;
      for (const perm of all) {
        const t = permute(s, perm);
        const k = key(t);
        if (bestKey === null || k < bestKey) {
          best = t;
          bestKey = k;
        }
      }
      return best;
    };
  }

  // Scratch for the signature-ordered search: processes sorted by signature, and the groups of
  // equal signatures (start index into `order`, and size).
  const order = new Array<number>(n);
  const sigs = new Array<string | number>(n);
  const perm = new Array<number>(n);
  return (s) => {
    for (let i = 0; i < n; i++) {
      order[i] = i;
      sigs[i] = signature(s, i);
    }
    order.sort((a, b) => compareSignatures(sigs[a] ?? 0, sigs[b] ?? 0));
    const groups: { start: number; size: number }[] = [];
    for (let j = 0; j < n; j++) {
      const last = groups[groups.length - 1];
      if (last !== undefined && compareSignatures(sigs[order[last.start] ?? 0] ?? 0, sigs[order[j] ?? 0] ?? 0) === 0) last.size++;
      else groups.push({ start: j, size: 1 });
    }
    let best = s;
    let bestKey: string | null = null;
    // Every permutation that sends the processes of each group onto that group's positions, in
    // any order: the product of the groups' own permutations.
    const visit = (g: number): void => {
      const group = groups[g];
      if (group === undefined) {
        const t = permute(s, perm);
        const k = key(t);
        if (bestKey === null || k < bestKey) {
          best = t;
          bestKey = k;
        }
        return;
      }
      for (const p of permutationsOf(group.size)) {
        for (let j = 0; j < group.size; j++) perm[order[group.start + j] ?? 0] = group.start + (p[j] ?? 0);
        visit(g + 1);
      }
    };
    visit(0);
    return best;
  };
}

/** Orders signatures: numbers before strings, each in its natural order. */
function compareSignatures(a: string | number, b: string | number): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// Permutations by size, built once: every canonical form of a model walks the same lists.
const permutationsBySize = new Map<number, readonly (readonly number[])[]>();

/** Every permutation of 0..n-1, the identity first (built once per n and shared). */
export function permutationsOf(n: number): readonly (readonly number[])[] {
  let cached = permutationsBySize.get(n);
  if (cached !== undefined) return cached;
  const out: number[][] = [];
  const current: number[] = [];
  const used = new Array<boolean>(n).fill(false);
  const extend = (): void => {
    if (current.length === n) {
      out.push([...current]);
      return;
    }
    for (let i = 0; i < n; i++) {
      if (used[i] === true) continue;
      used[i] = true;
      current.push(i);
      extend();
      current.pop();
      used[i] = false;
    }
  };
  extend();
  cached = out;
  permutationsBySize.set(n, cached);
  return cached;
}
