import { describe, expect, it } from 'vitest';
import { check } from './check.js';
import { fingerprintString } from './fingerprint.js';
import { GrowableNat } from './growable.js';
import type { Model } from './model.js';

/** The example model of docs/check.md, kept here so the page stays true. */
const counters: Model<readonly number[]> = {
  name: 'counters',
  bounds: 'counters <= 3',
  actions: ['inc(0)', 'inc(1)'],
  encoding: { kind: 'object', fingerprint: (s, out) => fingerprintString(s.join(','), out) },
  initial: (emit) => emit([0, 0]),
  successors: (s, emit) => {
    s.forEach((c, i) => {
      if (c < 3) emit(i, s.map((x, j) => (j === i ? x + 1 : x)));
    });
  },
  invariants: [{ name: 'Bounded', holds: (s) => s.every((c) => c <= 3) }],
  liveness: [{ kind: 'eventually', name: 'BothFull', holds: (s) => s.every((c) => c === 3), fairness: ['inc(*)'] }],
  symmetry: (s) => [...s].sort((a, b) => a - b),
  view: (s) => ({ first: s[0], second: s[1] }),
};

describe('the documented example model', () => {
  it('has 16 states, 10 classes under symmetry, and its properties hold', () => {
    const plain = check(counters);
    if (!plain.ok) throw new Error(plain.error);
    expect(plain.value.distinctStates).toBe(16);
    expect(plain.value.properties.map((p) => p.status)).toEqual(['ok', 'ok']);
    const reduced = check(counters, { symmetry: true, liveness: false });
    if (!reduced.ok) throw new Error(reduced.error);
    expect(reduced.value.distinctStates).toBe(10);
    expect(reduced.value.depth).toBe(6);
  });

  it('refuses symmetry on a model without one', () => {
    const { symmetry: _unused, ...asymmetric } = counters;
    expect(check(asymmetric, { symmetry: true, liveness: false }).ok).toBe(false);
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
