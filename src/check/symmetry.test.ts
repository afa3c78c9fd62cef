import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { check } from './check.js';
import type { CheckResult } from './check.js';
import type { Model } from './model.js';
import { twoPhaseModel } from './models/twophase.js';
import { stableKey } from './stable.js';
import { permutationProcessesMax, permutationSymmetry } from './symmetry.js';

function run<S>(model: Model<S>, symmetry = true): CheckResult {
  const r = check(model, { symmetry });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** Nibble `i` of a packed TwoPhase state: 0 is the TM, 1 + r is RM r. */
function nibble(w: Uint32Array, i: number): number {
  return ((w[i >>> 3] ?? 0) >>> ((i & 7) << 2)) & 15;
}

/** TwoPhase's state with RM r moved to position perm[r]; the TM stays. */
function permuteRms(s: Uint32Array, perm: readonly number[]): Uint32Array {
  const t = new Uint32Array(s.length);
  const put = (i: number, v: number): void => {
    const k = i >>> 3;
    t[k] = ((t[k] ?? 0) | (v << ((i & 7) << 2))) >>> 0;
  };
  put(0, nibble(s, 0));
  perm.forEach((to, from) => put(to + 1, nibble(s, from + 1)));
  return t;
}

/** TwoPhase with its hand-written symmetry replaced by the helper's. */
function twoPhaseWithHelper(rms: number, signature: boolean): Model<Uint32Array> {
  const model = twoPhaseModel({ rms });
  const symmetry = permutationSymmetry<Uint32Array>({
    processes: rms,
    permute: permuteRms,
    ...(signature ? { signature: (s: Uint32Array, r: number) => nibble(s, r + 1) } : {}),
  });
  return { ...model, symmetry };
}

describe('permutationSymmetry', () => {
  it("gives TwoPhase the same classes as its hand-written symmetry (80 for 3 RMs, 314 for 5), with and without a signature", () => {
    for (const signature of [false, true]) {
      expect(run(twoPhaseWithHelper(3, signature)).distinctStates).toBe(80);
      expect(run(twoPhaseWithHelper(5, signature)).distinctStates).toBe(314);
    }
    expect(run(twoPhaseModel({ rms: 5 })).distinctStates).toBe(314);
  });

  it('still finds the commit-early bug, with a concrete trace', () => {
    const buggy = twoPhaseModel({ rms: 4, bug: 'commit-early', refinement: false });
    const symmetry = permutationSymmetry<Uint32Array>({ processes: ['r1', 'r2', 'r3', 'r4'], permute: permuteRms });
    const r = run({ ...buggy, symmetry });
    expect(r.violation?.property).toBe('TCConsistent');
    expect(r.violation?.trace.steps.length).toBe(4);
  });

  it('is a canonical form: equivalent states get equal forms, and each form is equivalent to its state', () => {
    // States: per process a small record, plus a set of messages naming processes.
    type State = { readonly procs: readonly number[]; readonly msgs: readonly (readonly [number, number])[] };
    const n = 4;
    const permute = (s: State, perm: readonly number[]): State => {
      const procs = new Array<number>(n).fill(0);
      s.procs.forEach((x, i) => {
        procs[perm[i] ?? 0] = x;
      });
      const msgs = s.msgs.map(([a, b]) => [perm[a] ?? 0, perm[b] ?? 0] as const);
      return { procs, msgs: [...msgs].sort((x, y) => stableKey(x).localeCompare(stableKey(y))) };
    };
    const plain = permutationSymmetry<State>({ processes: n, permute });
    const signed = permutationSymmetry<State>({ processes: n, permute, signature: (s, i) => s.procs[i] ?? 0 });
    const proc = fc.integer({ min: 0, max: 2 });
    const state = fc.record({
      procs: fc.array(proc, { minLength: n, maxLength: n }),
      msgs: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), {
        maxLength: 4, selector: (m) => `${m[0]},${m[1]}`,
      }),
    }).map((s) => permute(s, [0, 1, 2, 3]));
    const perm = fc.shuffledSubarray([0, 1, 2, 3], { minLength: n, maxLength: n });
    fc.assert(fc.property(state, perm, (s, p) => {
      const moved = permute(s, p);
      for (const canon of [plain, signed]) {
        expect(stableKey(canon(moved))).toBe(stableKey(canon(s)));
        // The form is some permutation of s.
        const form = stableKey(canon(s));
        expect(allPermutations(n).some((q) => stableKey(permute(s, q)) === form)).toBe(true);
      }
    }), { seed: 7, numRuns: 200 });
  });

  it(`accepts 1 to ${permutationProcessesMax} processes`, () => {
    expect(() => permutationSymmetry<number>({ processes: permutationProcessesMax + 1, permute: (s) => s })).toThrow(/between 1 and 8 processes/);
    expect(() => permutationSymmetry<number>({ processes: 0, permute: (s) => s })).toThrow(/between 1 and 8 processes/);
    expect(permutationSymmetry<number>({ processes: 1, permute: (s) => s })(5)).toBe(5);
  });
});

function allPermutations(n: number): number[][] {
  if (n === 0) return [[]];
  return allPermutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}
