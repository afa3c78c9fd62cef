import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SpecMachine } from '../framework/spec.js';
import type { CheckOptions, CheckResult } from './check.js';
import { check } from './check.js';
import { fingerprintString, newFingerprint, stableKeyEncoding } from './fingerprint.js';
import { GrowableNat } from './growable.js';
import type { Model } from './model.js';
import { formatResult, resultJson } from './report.js';
import { stableKey, stableKeyProblem } from './stable.js';
import { permutationSymmetry } from './symmetry.js';
import { twoPhaseModel } from './models/twophase.js';

/** The example models of docs/check.md, kept here so the page stays true. */
const counters: Model<readonly number[]> = {
  name: 'counters',
  actions: ['inc(0)', 'inc(1)'],
  initial: (emit) => emit([0, 0]),
  successors: (s, emit) => {
    s.forEach((c, i) => {
      if (c < 3) emit(i, s.map((x, j) => (j === i ? x + 1 : x)));
    });
  },
  invariants: [{ name: 'Bounded', holds: (s) => s.every((c) => c <= 3) }],
};

const countersChecked: Model<readonly number[]> = {
  ...counters,
  bounds: 'counters <= 3',
  liveness: [{ kind: 'eventually', name: 'BothFull', holds: (s) => s.every((c) => c === 3), fairness: ['inc(*)'] }],
  symmetry: permutationSymmetry<readonly number[]>({
    processes: 2,
    permute: (s, perm) => {
      const t = [0, 0];
      s.forEach((c, i) => (t[perm[i] ?? 0] = c));
      return t;
    },
  }),
  view: (s) => ({ first: s[0], second: s[1] }),
};

describe('the documented example models', () => {
  it('have 16 states, 10 classes under symmetry, and their properties hold', () => {
    const minimal = run(counters);
    expect(minimal.distinctStates).toBe(16);
    expect(formatResult(minimal)).toContain('result: no violation; model-checked up to bounds (as model counters sets them)');
    const plain = run(countersChecked);
    expect(plain.distinctStates).toBe(16);
    expect(plain.properties.map((p) => p.status)).toEqual(['ok', 'ok']);
    const reduced = run(countersChecked, { symmetry: true, liveness: false });
    expect(reduced.distinctStates).toBe(10);
    expect(reduced.depth).toBe(6);
  });

  it('refuses symmetry on a model without one', () => {
    expect(check(counters, { symmetry: true, liveness: false }).ok).toBe(false);
  });

  it('keeps a hand-written object encoding working', () => {
    const r = run({ ...counters, encoding: { kind: 'object', fingerprint: (s, out) => fingerprintString(s.join(','), out) } });
    expect(r.distinctStates).toBe(16);
  });
});

describe('trace replay', () => {
  it('refuses to print a trace when the model emits successors in an order that is not fixed by the state', () => {
    // Impure: once the search has found the violation, the two successors come in the other order.
    let reversed = false;
    const flaky: Model<number> = {
      name: 'flaky', bounds: 'x <= 4', actions: ['a', 'b'],
      encoding: { kind: 'object', fingerprint: (x, out) => fingerprintString(String(x), out) },
      initial: (emit) => emit(0),
      successors: (x, emit) => {
        if (x >= 4) return;
        for (const d of reversed ? [2, 1] : [1, 2]) emit(d - 1, x + d);
      },
      invariants: [{
        name: 'BelowFour',
        holds: (x) => {
          if (x >= 4) reversed = true;
          return x < 4;
        },
      }],
      view: (x) => x,
    };
    expect(() => check(flaky)).toThrow(/order fixed by the state alone/);
  });
});

describe('GrowableNat', () => {
  it('starts one byte wide and widens only when a value needs it, keeping every value', () => {
    const a = new GrowableNat();
    const values = [0, 255, 7, 256, 65535, 65536, 2 ** 32 - 1, 3];
    for (let i = 0; i < 5000; i++) a.push(i % 200);
    expect(a.values()).toBeInstanceOf(Uint8Array);
    for (const v of values) a.push(v);
    expect(a.values()).toBeInstanceOf(Uint32Array);
    expect(a.length).toBe(5000 + values.length);
    expect([...a.values().subarray(5000)]).toEqual(values);
    expect(a.values()[4999]).toBe(4999 % 200);
  });
});

function run<S>(model: Model<S>, options: CheckOptions = {}): CheckResult {
  const r = check(model, options);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function refusal<S>(model: Model<S>, options: CheckOptions = {}): string {
  const r = check(model, options);
  if (r.ok) throw new Error('expected the check to be refused');
  return r.error;
}

type Pc = 'idle' | 'waiting' | 'critical';
interface MutexState {
  readonly pc: readonly Pc[];
  readonly lock: number | null;
}

/**
 * A minimal model: no bounds, encoding or view. Two processes take a lock in two steps (test,
 * then set), so with `atomic` false both can pass the test before either sets it.
 */
function mutex(atomic: boolean): Model<MutexState> {
  const actions: string[] = [];
  for (const a of ['test', 'enter', 'exit']) for (const i of [0, 1]) actions.push(`${a}(${i})`);
  return {
    name: 'mutex',
    actions,
    initial: (emit) => emit({ pc: ['idle', 'idle'], lock: null }),
    successors: (s, emit) => {
      const at = (i: number, pc: Pc, lock: number | null): MutexState => ({ pc: s.pc.map((x, j) => (j === i ? pc : x)), lock });
      s.pc.forEach((pc, i) => {
        if (pc === 'idle' && s.lock === null) emit(i, atomic ? at(i, 'critical', i) : at(i, 'waiting', s.lock));
        if (pc === 'waiting') emit(2 + i, at(i, 'critical', i));
        if (pc === 'critical') emit(4 + i, at(i, 'idle', null));
      });
    },
    invariants: [{ name: 'MutualExclusion', holds: (s) => s.pc.filter((pc) => pc === 'critical').length <= 1 }],
  };
}

describe('a minimal model (no bounds, encoding or view)', () => {
  it('is checked end to end: states fingerprinted by stableKey, the trace shows the states themselves', () => {
    const r = run(mutex(false));
    expect(r.bounds).toBe('');
    expect(r.violation?.property).toBe('MutualExclusion');
    const steps = r.violation?.trace.steps ?? [];
    expect(steps.map((s) => s.action)).toEqual([null, 'test(0)', 'test(1)', 'enter(0)', 'enter(1)']);
    expect(steps[0]?.changes).toEqual(['pc: ["idle", "idle"]', 'lock: null']);
    expect(steps[1]?.changes).toEqual(['pc[0]: "idle" -> "waiting"']);
    expect(steps[4]?.changes).toEqual(['pc[1]: "waiting" -> "critical"', 'lock: 0 -> 1']);
    const text = formatResult(r).join('\n');
    expect(text).toMatch(/^model mutex: breadth-first search, symmetry off$/m);
    const json = JSON.parse(resultJson(r)) as { violation: { trace: { steps: { state: unknown }[] } } };
    expect(json.violation.trace.steps[4]?.state).toEqual({ pc: ['critical', 'critical'], lock: 1 });
  });

  it('says it was checked up to the bounds the model sets when it names none', () => {
    const r = run(mutex(true));
    expect(r.violation).toBeNull();
    expect(r.distinctStates).toBe(3);
    expect(formatResult(r)).toContain('result: no violation; model-checked up to bounds (as model mutex sets them)');
    expect(formatResult(run(mutex(true), { maxDepth: 1 }))).toContain('result: no violation; model-checked up to bounds (depth <= 1)');
  });

  it('takes the symmetry helper, and shows typed-array states as arrays', () => {
    const symmetric: Model<MutexState> = {
      ...mutex(false),
      symmetry: permutationSymmetry<MutexState>({
        processes: 2,
        permute: (s, perm) => {
          const pc: Pc[] = ['idle', 'idle'];
          s.pc.forEach((x, i) => {
            pc[perm[i] ?? 0] = x;
          });
          return { pc, lock: s.lock === null ? null : perm[s.lock] ?? 0 };
        },
      }),
    };
    const reduced = run(symmetric, { symmetry: true });
    expect(reduced.violation?.trace.steps.length).toBe(5);
    const counter: Model<Uint32Array> = {
      name: 'words', actions: ['inc'],
      initial: (emit) => emit(new Uint32Array([0, 7])),
      successors: (s, emit) => {
        if ((s[0] ?? 0) < 2) emit(0, new Uint32Array([(s[0] ?? 0) + 1, 7]));
      },
      invariants: [{ name: 'BelowTwo', holds: (s) => (s[0] ?? 0) < 2 }],
    };
    const trace = run(counter).violation?.trace;
    expect(trace?.steps.map((s) => s.changes)).toEqual([['[0, 7]'], ['[0]: 0 -> 1'], ['[0]: 1 -> 2']]);
    expect(trace?.steps[2]?.state).toEqual([2, 7]);
  });

  it('refuses initial states that stableKey cannot serialize, saying where', () => {
    class Clock {
      constructor(readonly ms: number) {}
    }
    const model: Model<{ readonly clock: Clock }> = {
      name: 'clocked', actions: ['tick'], initial: (emit) => emit({ clock: new Clock(0) }), successors: () => {},
    };
    expect(refusal(model)).toMatch(/model clocked gives no encoding.*initial state 0\.clock is an instance of Clock/);
    expect(stableKeyProblem({ a: [1, { f: () => 1 }] }, 's')).toBe('s.a[1].f is a function');
    expect(stableKeyProblem(new Map([['h1', { x: new Set([1]) }]]), 's')).toBeNull();
  });
});

describe('the default encoding', () => {
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.integer(), fc.string(), fc.boolean(), fc.constant(null),
      fc.array(tie('v'), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 3 }), tie('v'), { maxKeys: 3 }),
      fc.array(fc.tuple(fc.string({ maxLength: 2 }), tie('v')), { maxLength: 3 }).map((e) => new Map(e)),
    ),
  })).v;

  it('fingerprints equal values alike, whatever their insertion order', () => {
    const encoding = stableKeyEncoding<unknown>();
    fc.assert(fc.property(value, (v) => {
      const copy: unknown = structuredClone(v);
      const f = newFingerprint();
      const g = newFingerprint();
      encoding.fingerprint(v, f);
      encoding.fingerprint(copy, g);
      expect([f.hi, f.lo]).toEqual([g.hi, g.lo]);
    }), { seed: 11, numRuns: 100 });
    const f = newFingerprint();
    const g = newFingerprint();
    encoding.fingerprint({ a: 1, m: new Map([['x', 1], ['y', 2]]) }, f);
    encoding.fingerprint({ m: new Map([['y', 2], ['x', 1]]), a: 1 }, g);
    expect([f.hi, f.lo]).toEqual([g.hi, g.lo]);
    encoding.fingerprint({ a: 1, m: new Map([['y', 1], ['x', 2]]) }, g);
    expect([f.hi, f.lo]).not.toEqual([g.hi, g.lo]);
  });

  it('tells typed arrays of different element types apart', () => {
    expect(stableKey(new Uint32Array([1, 2]))).not.toBe(stableKey(new Int32Array([1, 2])));
    expect(stableKey(new Uint32Array([1, 2]))).not.toBe(stableKey([1, 2]));
  });
});

/** Three interchangeable flags, each set once; `extra` adds the properties under test. */
function flags(extra: Partial<Model<readonly boolean[]>> = {}): Model<readonly boolean[]> {
  return {
    name: 'flags',
    actions: ['set(0)', 'set(1)', 'set(2)'],
    initial: (emit) => emit([false, false, false]),
    successors: (s, emit) => s.forEach((f, i) => {
      if (!f) emit(i, s.map((x, j) => x || j === i));
    }),
    symmetry: permutationSymmetry<readonly boolean[]>({
      processes: 3,
      permute: (s, perm) => {
        const t = [false, false, false];
        s.forEach((x, i) => {
          t[perm[i] ?? 0] = x;
        });
        return t;
      },
    }),
    ...extra,
  };
}

const firstFlagSpec: SpecMachine<boolean> = {
  name: 'FlagStaysDown', init: (a) => !a, next: () => false, equal: (a, b) => a === b, show: String,
};

describe('symmetry soundness', () => {
  it('reports an invariant that names one process as telling permuted processes apart, not as a replay failure', () => {
    const model = flags({ invariants: [{ name: 'FirstUnset', holds: (s) => !s[0] }] });
    expect(refusal(model, { symmetry: true })).toMatch(
      /^symmetry reduction is unsound for model flags: invariant FirstUnset tells permuted processes apart \(it gives one answer on \[true, false, false\] and another on its canonical form \[false, false, true\]\)/);
    // Without symmetry it is an ordinary violation.
    expect(run(model).violation?.property).toBe('FirstUnset');
  });

  it('names an asymmetric state constraint', () => {
    expect(refusal(flags({ constraint: (s) => !s[0] }), { symmetry: true })).toMatch(/the state constraint tells permuted processes apart/);
  });

  it('names a refinement abstraction that tells processes apart, at an initial state or when replaying a step', () => {
    const initial = flags({
      initial: (emit) => emit([true, false, false]),
      refinement: { spec: { ...firstFlagSpec, init: (a: unknown) => a === true }, abstract: (s) => s[0] === true },
    });
    expect(refusal(initial, { symmetry: true })).toMatch(/the refinement abstraction to FlagStaysDown tells permuted processes apart \(it gives one answer/);
    // Flags 0 and 2 map to bits 0 and 1; flag 0 may not follow flag 2. Under symmetry the search
    // sets flag 2 first (its canonical form) and then flag 0; the concrete replay set flag 0 first.
    const twoBits: SpecMachine<unknown> = {
      name: 'ZeroBeforeTwo', init: (a) => a === 0, equal: (a, b) => a === b, show: String,
      next: (a, b) => (a === 0 && (b === 1 || b === 2)) || (a === 1 && b === 3),
    };
    const step = flags({ refinement: { spec: twoBits, abstract: (s) => (s[0] === true ? 1 : 0) + (s[2] === true ? 2 : 0) } });
    expect(refusal(step, { symmetry: true })).toMatch(
      /the refinement abstraction to ZeroBeforeTwo tells permuted processes apart \(step 2 \(set\(\d\)\) violates the spec when taken from a canonical form, but no equivalent step/);
    expect(run(step).violation?.message).toMatch(/^step 2 \(set\(0\)\) maps to the spec transition 2 -> 3/);
    // When an equivalent concrete step does violate the spec, the trace shows it.
    const real = flags({ refinement: { spec: firstFlagSpec, abstract: (s) => s[2] === true } });
    expect(run(real, { symmetry: true }).violation?.trace.steps.map((x) => x.action)).toEqual([null, 'set(2)']);
  });

  it('says when the symmetry does not commute with the successors', () => {
    // Only flag 0 can be set, so permuting a state does not permute its successors.
    const model = flags({
      actions: ['set(0)'],
      successors: (s, emit) => {
        if (s[0] === false) emit(0, [true, s[1] === true, s[2] === true]);
      },
      invariants: [{ name: 'NotAllSet', holds: (s) => !s.every((f) => f) }],
    });
    expect(refusal(model, { symmetry: true })).toMatch(/model flags's symmetry is not a symmetry of its successors: at step 2/);
  });
});

describe('validation of the model and the options', () => {
  const good = mutex(true);
  const withLiveness: Model<MutexState> = {
    ...good,
    liveness: [{ kind: 'eventually', name: 'SomeoneEnters', holds: (s) => s.lock !== null, fairness: ['test(*)'] }],
  };

  it.each<[string, CheckOptions, RegExp]>([
    ['search', { search: 'bread' as 'bfs' }, /check option search must be 'bfs' or 'dfs', got "bread"/],
    ['symmetry', { symmetry: 'yes' as unknown as boolean }, /check option symmetry must be true or false, got "yes"/],
    ['liveness', { liveness: 1 as unknown as boolean }, /check option liveness must be true or false, got 1/],
    ['maxDepth fraction', { maxDepth: 2.5 }, /check option maxDepth must be a whole number >= 0 \(leave it out for no bound\), got 2.5/],
    ['maxDepth negative', { maxDepth: -1 }, /maxDepth must be a whole number >= 0.*got -1/],
    ['maxDepth NaN', { maxDepth: NaN }, /maxDepth must be a whole number >= 0.*got NaN/],
    ['maxDepth infinite', { maxDepth: Infinity }, /maxDepth must be a whole number >= 0.*got Infinity/],
    ['progress', { progress: 3 as unknown as () => void }, /check option progress must be a function, got 3/],
    ['now', { now: 'soon' as unknown as () => number }, /check option now must be a function, got "soon"/],
    ['progressIntervalMs zero', { progressIntervalMs: 0 }, /progressIntervalMs must be a number of milliseconds > 0, got 0/],
    ['progressIntervalMs infinite', { progressIntervalMs: Infinity }, /progressIntervalMs must be a number of milliseconds > 0, got Infinity/],
    ['initialCapacity small', { initialCapacity: 8 }, /initialCapacity must be a whole number of slots from 16 to 1073741824, got 8/],
    ['initialCapacity fraction', { initialCapacity: 100.5 }, /initialCapacity must be a whole number of slots.*got 100.5/],
    ['initialCapacity huge', { initialCapacity: 2 ** 31 }, /initialCapacity must be a whole number of slots.*got 2147483648/],
    ['unknown option', { maxdepth: 3 } as CheckOptions, /unknown check option 'maxdepth' \(the options are search, symmetry, maxDepth,/],
  ])('refuses a bad option: %s', (_, options, message) => {
    expect(refusal(good, options)).toMatch(message);
  });

  it('accepts the edges of each option', () => {
    for (const initialCapacity of [16, 100, 4096]) expect(run(good, { initialCapacity }).distinctStates).toBe(3);
    expect(run(good, { maxDepth: 0 }).distinctStates).toBe(1);
    expect(run(good, { progressIntervalMs: 0.5, search: 'dfs', symmetry: false, liveness: false }).distinctStates).toBe(3);
    expect(refusal(good, null as unknown as CheckOptions)).toMatch(/check options must be an object, got null/);
  });

  const broken = (patch: Record<string, unknown>): Model<MutexState> => ({ ...good, ...patch }) as unknown as Model<MutexState>;
  it.each<[string, Model<MutexState>, RegExp]>([
    ['name', broken({ name: '' }), /a model's name must be a non-empty string, got ""/],
    ['bounds', broken({ bounds: 3 }), /model mutex: bounds must be a string, got 3/],
    ['actions', broken({ actions: 'test' }), /model mutex: actions must be an array of names, got "test"/],
    ['empty action name', broken({ actions: ['a', ''] }), /model mutex: action 1 must have a non-empty name, got ""/],
    ['duplicate action', broken({ actions: ['a', 'b', 'a'] }), /model mutex: action names must be distinct, and 'a' appears twice/],
    ['too many actions', broken({ actions: Array.from({ length: 0x10000 }, (_, i) => `a${i}`) }), /model mutex: at most 65535 actions, got 65536/],
    ['initial', broken({ initial: undefined }), /model mutex: initial must be a function, got undefined/],
    ['successors', broken({ successors: [] }), /model mutex: successors must be a function, got an array/],
    ['view', broken({ view: {} }), /model mutex: view must be a function, got an object/],
    ['constraint', broken({ constraint: true }), /model mutex: constraint must be a function, got true/],
    ['encoding kind', broken({ encoding: { kind: 'json' } }), /model mutex: encoding must be \{kind: 'packed', \.\.\.\} or \{kind: 'object', \.\.\.\}/],
    ['packed words', broken({ encoding: { kind: 'packed', words: 0, toWords: () => 0, fromWords: () => 0 } }), /a packed encoding's words must be a whole number >= 1, got 0/],
    ['object fingerprint', broken({ encoding: { kind: 'object' } }), /an object encoding needs a fingerprint function/],
    ['invariants', broken({ invariants: {} }), /model mutex: invariants must be an array, got an object/],
    ['invariant holds', broken({ invariants: [{ name: 'I' }] }), /model mutex: invariant I needs a holds function/],
    ['invariant names', broken({ invariants: [{ name: 'I', holds: () => true }, { name: 'I', holds: () => true }] }), /invariant names must be distinct, and 'I' appears twice/],
    ['refinement', broken({ refinement: { spec: firstFlagSpec } }), /model mutex: refinement needs an abstract function/],
    ['refinement spec', broken({ refinement: { spec: { name: 'S', init: () => true }, abstract: () => 0 } }), /the spec S needs a next function/],
    ['liveness kind', broken({ liveness: [{ kind: 'always', name: 'L', holds: () => true, fairness: [] }] }), /liveness property L: kind must be 'eventually' or 'leadsTo', got "always"/],
    ['liveness predicate', broken({ liveness: [{ kind: 'leadsTo', name: 'L', p: () => true, fairness: [] }] }), /liveness property L needs a q function/],
    ['liveness fairness', broken({ liveness: [{ kind: 'eventually', name: 'L', holds: () => true, fairness: 'test' }] }), /liveness property L: fairness must be an array of action names or patterns, got "test"/],
    ['liveness names', broken({ liveness: [...withLiveness.liveness ?? [], ...withLiveness.liveness ?? []] }), /liveness property names must be distinct, and 'SomeoneEnters' appears twice/],
    ['fairness pattern', broken({ liveness: [{ kind: 'eventually', name: 'L', holds: () => true, fairness: ['take(*)'] }] }), /liveness L: fairness pattern 'take\(\*\)' matches no action of mutex/],
  ])('refuses a malformed model: %s', (_, model, message) => {
    expect(refusal(model)).toMatch(message);
  });

  it('refuses symmetry without a symmetry, and with liveness', () => {
    expect(refusal(good, { symmetry: true })).toBe('model mutex has no symmetry to reduce by');
    expect(refusal({ ...withLiveness, symmetry: (s) => s }, { symmetry: true })).toMatch(/liveness is not checked under symmetry reduction/);
    expect(run({ ...withLiveness, symmetry: (s) => s }, { symmetry: true, liveness: false }).distinctStates).toBe(3);
    expect(run(withLiveness).properties.map((p) => p.status)).toEqual(['ok', 'ok']);
  });

  it('checks the registered models as before', () => {
    expect(run(twoPhaseModel({ rms: 3 }), { initialCapacity: 16 }).distinctStates).toBe(288);
  });
});
