import { describe, expect, it } from 'vitest';
import type { CheckResult } from './check.js';
import { check } from './check.js';
import type { LivenessProperty, Model } from './model.js';
import { newFingerprint, permute64 } from './fingerprint.js';

/** A toy model over small integers: `edges[x]` lists [action name, next x]. */
function toy(
  name: string, edges: Readonly<Record<number, readonly (readonly [string, number])[]>>, liveness: LivenessProperty<number>[],
): Model<number> {
  const actions = [...new Set(Object.values(edges).flatMap((es) => es.map(([a]) => a)))];
  return {
    name,
    bounds: 'toy',
    actions,
    encoding: { kind: 'object', fingerprint: (x, out) => permute64(0, x, out) },
    initial: (emit) => emit(0),
    successors: (x, emit) => {
      for (const [a, y] of edges[x] ?? []) emit(actions.indexOf(a), y);
    },
    liveness,
    view: (x) => ({ x }),
  };
}

function run(model: Model<number>): CheckResult {
  const r = check(model);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const xs = (r: CheckResult): unknown[] => (r.violation?.trace.steps ?? []).map((s) => (s.state as { x: number }).x);

describe('eventually (<>P) under weak fairness', () => {
  // 0 and 1 spin back and forth; from either, `finish` reaches 2, where P holds.
  const spin = { 0: [['spin', 1], ['finish', 2]], 1: [['spin', 0], ['finish', 2]] } as const;
  const eventually2 = (fairness: string[]): LivenessProperty<number> => ({ kind: 'eventually', name: 'Done', holds: (x) => x === 2, fairness });

  it('fails without fairness: the behaviour may stutter in the initial state forever', () => {
    const r = run(toy('spin', spin, [eventually2([])]));
    expect(r.violation?.kind).toBe('liveness');
    expect(r.violation?.trace.loop).toEqual({ start: 0, stutter: true });
    expect(xs(r)).toEqual([0]);
  });

  it('fails under fairness of spin alone, by a cycle 0 -> 1 -> 0 that never finishes (a lasso)', () => {
    const r = run(toy('spin', spin, [eventually2(['spin'])]));
    expect(r.violation?.kind).toBe('liveness');
    expect(r.violation?.trace.loop).toEqual({ start: 0, stutter: false });
    expect(xs(r)).toEqual([0, 1, 0]);
    expect(r.violation?.trace.steps.map((s) => s.action)).toEqual([null, 'spin', 'spin']);
  });

  it('holds under weak fairness of finish, which stays enabled along the cycle', () => {
    const r = run(toy('spin', spin, [eventually2(['finish'])]));
    expect(r.violation).toBeNull();
    expect(r.properties[0]?.status).toBe('ok');
    expect(run(toy('spin', spin, [eventually2(['*'])])).violation).toBeNull();
  });

  it('needs more than weak fairness when finish is enabled only on part of the cycle', () => {
    const flicker = { 0: [['spin', 1], ['finish', 2]], 1: [['spin', 0]] } as const;
    const r = run(toy('flicker', flicker, [eventually2(['*'])]));
    expect(r.violation?.trace.loop?.stutter).toBe(false);
    expect(xs(r)).toEqual([0, 1, 0]);
  });

  it('fails at a deadlock where P is false, even with every action fair', () => {
    const stuck = { 0: [['go', 1]], 1: [] } as const;
    const r = run(toy('stuck', stuck, [eventually2(['*'])]));
    expect(r.violation?.trace.loop).toEqual({ start: 1, stutter: true });
    expect(xs(r)).toEqual([0, 1]);
  });

  it('ignores self-loops: a fair action that changes nothing is not progress', () => {
    const idle = { 0: [['idle', 0], ['finish', 2]] } as const;
    expect(run(toy('idle', idle, [eventually2(['idle'])])).violation?.trace.loop?.stutter).toBe(true);
    expect(run(toy('idle', idle, [eventually2(['finish'])])).violation).toBeNull();
  });

  it('does not judge behaviours through states cut off by the depth bound', () => {
    const chain = { 0: [['go', 1]], 1: [['go', 2]] } as const;
    const r = check(toy('chain', chain, [eventually2(['*'])]), { maxDepth: 1 });
    expect(r.ok && r.value.violation).toBeNull();
  });
});

describe('leads to (P ~> Q)', () => {
  // 0 -request-> 1 -grant-> 2 -release-> 0, and from 1 the server may defer to 3, then resume to 1.
  const server = { 0: [['request', 1]], 1: [['grant', 2], ['defer', 3]], 2: [['release', 0]], 3: [['resume', 1]] } as const;
  const noDefer = { 0: [['request', 1]], 1: [['grant', 2]], 2: [['release', 0]] } as const;
  const granted = (fairness: string[]): LivenessProperty<number> => ({
    kind: 'leadsTo', name: 'RequestGranted', p: (x) => x === 1, q: (x) => x === 2, fairness,
  });

  it('fails under weak fairness when grant is disabled at every other step of a cycle', () => {
    const r = run(toy('server', server, [granted(['grant', 'defer', 'resume'])]));
    expect(r.violation?.kind).toBe('liveness');
    expect(xs(r)).toEqual([0, 1, 3, 1]);
    expect(r.violation?.trace.loop).toEqual({ start: 1, stutter: false });
    expect(r.violation?.message).toContain('where P holds');
  });

  it('holds under weak fairness of grant when nothing disables it', () => {
    expect(run(toy('server', noDefer, [granted(['grant'])])).violation).toBeNull();
  });

  it('fails without fairness, by stuttering at a requested state', () => {
    const r = run(toy('server', noDefer, [granted([])]));
    expect(xs(r)).toEqual([0, 1]);
    expect(r.violation?.trace.loop).toEqual({ start: 1, stutter: true });
  });

  it('rejects a fairness pattern that names no action', () => {
    expect(check(toy('server', noDefer, [granted(['grnt'])])).ok).toBe(false);
  });
});

describe('strongly connected components', () => {
  it('handles a 200,000-state chain without recursion (iterative Tarjan)', () => {
    const n = 200_000;
    const model: Model<number> = {
      name: 'chain', bounds: `${n} states`, actions: ['step'],
      encoding: { kind: 'object', fingerprint: (x, out) => permute64(1, x, out) },
      initial: (emit) => emit(0),
      successors: (x, emit) => {
        if (x < n - 1) emit(0, x + 1);
      },
      liveness: [{ kind: 'eventually', name: 'End', holds: (x) => x === n - 1, fairness: ['step'] }],
      view: (x) => x,
    };
    const r = run(model);
    expect(r.distinctStates).toBe(n);
    expect(r.violation).toBeNull();
  });

  it('finds a long cycle and reports it as a lasso that returns to its start', () => {
    const n = 500;
    const model: Model<number> = {
      name: 'ring', bounds: `${n} states`, actions: ['step'],
      encoding: { kind: 'object', fingerprint: (x, out) => permute64(2, x, out) },
      initial: (emit) => emit(0),
      successors: (x, emit) => emit(0, (x + 1) % n),
      liveness: [{ kind: 'eventually', name: 'Never', holds: () => false, fairness: ['*'] }],
      view: (x) => ({ x }),
    };
    const r = run(model);
    const steps = r.violation?.trace.steps ?? [];
    expect(steps.length).toBe(n + 1);
    expect(steps[n]?.state).toEqual(steps[0]?.state);
    expect(r.violation?.trace.loop).toEqual({ start: 0, stutter: false });
  });

  it('fingerprints small integers distinctly in these toys', () => {
    const f = newFingerprint();
    const g = newFingerprint();
    permute64(0, 1, f);
    permute64(0, 2, g);
    expect([f.hi, f.lo]).not.toEqual([g.hi, g.lo]);
  });
});
