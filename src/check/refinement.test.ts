import { describe, expect, it } from 'vitest';
import type { SpecMachine } from '../framework/spec.js';
import { check } from './check.js';
import { fingerprintString } from './fingerprint.js';
import type { Model } from './model.js';
import { stableKey } from './stable.js';

/** The spec: a counter that starts at 0 and goes up by one. */
const counterSpec: SpecMachine<number> = {
  name: 'Counter',
  init: (n) => n === 0,
  next: (n, m) => m === n + 1,
  equal: (a, b) => a === b,
  show: (n) => `count ${n}`,
};

interface Impl {
  readonly count: number;
  /** Bookkeeping invisible to the spec. */
  readonly ticks: number;
}

/**
 * An implementation of the counter: `inc` adds one; `tick` only changes bookkeeping (a stutter of
 * the spec). With `jumpAt` set, `jump` adds two from that count: not a spec step.
 */
function counter(options: { start?: number; jumpAt?: number; max?: number } = {}): Model<Impl> {
  const max = options.max ?? 6;
  return {
    name: 'counter',
    bounds: `count <= ${max}`,
    actions: ['inc', 'tick', 'jump'],
    encoding: { kind: 'object', fingerprint: (s, out) => fingerprintString(stableKey(s), out) },
    initial: (emit) => emit({ count: options.start ?? 0, ticks: 0 }),
    successors: (s, emit) => {
      if (s.count < max) emit(0, { ...s, count: s.count + 1 });
      if (s.ticks < 2) emit(1, { ...s, ticks: s.ticks + 1 });
      if (s.count === options.jumpAt) emit(2, { ...s, count: s.count + 2 });
    },
    refinement: { spec: counterSpec, abstract: (s: Impl) => s.count },
    view: (s) => s,
  };
}

describe('refinement', () => {
  it('accepts steps that map to spec steps or stutters', () => {
    const r = check(counter());
    expect(r.ok && r.value.violation).toBeNull();
    expect(r.ok && r.value.distinctStates).toBe(7 * 3);
    expect(r.ok && r.value.properties).toEqual([{ kind: 'refinement', name: 'Counter', status: 'ok' }]);
  });

  it('reports a step that maps to no spec step, with the shortest trace to it', () => {
    const r = check(counter({ jumpAt: 3 }));
    if (!r.ok) throw new Error(r.error);
    const v = r.value.violation;
    expect(v?.kind).toBe('refinement');
    expect(v?.property).toBe('Counter');
    expect(v?.trace.steps.map((s) => s.action)).toEqual([null, 'inc', 'inc', 'inc', 'jump']);
    expect(v?.message).toContain('count 3 -> count 5');
    expect(v?.trace.steps[4]?.changes).toEqual(['count: 3 -> 5']);
  });

  it('reports an initial state that maps to no initial spec state', () => {
    const r = check(counter({ start: 1 }));
    if (!r.ok) throw new Error(r.error);
    expect(r.value.violation?.kind).toBe('refinement');
    expect(r.value.violation?.trace.steps.length).toBe(1);
    expect(r.value.violation?.message).toContain('count 1');
  });
});
