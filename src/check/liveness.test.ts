import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CheckResult } from './check.js';
import { check } from './check.js';
import type { ExploredGraph } from './explore.js';
import type { GraphProperty, Lasso } from './liveness.js';
import { checkLiveness } from './liveness.js';
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

describe('strong fairness', () => {
  const eventually2 = (fairness: string[], strongFairness: string[]): LivenessProperty<number> => ({
    kind: 'eventually', name: 'Done', holds: (x) => x === 2, fairness, strongFairness,
  });

  it('holds where weak fairness fails: finish is enabled again and again along the cycle, so it is taken', () => {
    // 0 and 1 spin back and forth; finish is enabled at 0 only. Under weak fairness the cycle
    // 0 -> 1 -> 0 is fair (finish is not enabled continuously); under strong fairness it is not.
    const flicker = { 0: [['spin', 1], ['finish', 2]], 1: [['spin', 0]] } as const;
    expect(run(toy('flicker', flicker, [eventually2(['spin', 'finish'], [])])).violation?.trace.loop?.stutter).toBe(false);
    const r = run(toy('flicker', flicker, [eventually2(['spin'], ['finish'])]));
    expect(r.violation).toBeNull();
    expect(r.properties[0]?.detail).toBe('<>Done under weak fairness of spin and strong fairness of finish');
  });

  it('still allows stopping where the strongly fair action is disabled', () => {
    const flicker = { 0: [['spin', 1], ['finish', 2]], 1: [['spin', 0]] } as const;
    const r = run(toy('flicker', flicker, [eventually2([], ['finish'])]));
    expect(r.violation?.trace.loop).toEqual({ start: 1, stutter: true });
    expect(xs(r)).toEqual([0, 1]);
  });

  it('finds a fair cycle inside a component once the states enabling the action are removed', () => {
    // One component {0, 1, 3}; finish is enabled at 0 only. The cycle 1 -> 3 -> 1 avoids 0, so it
    // is fair under strong fairness of finish: the lasso reaches it through 0.
    const detour = { 0: [['hop', 1], ['finish', 2]], 1: [['spin', 3], ['hop', 0]], 3: [['spin', 1]] } as const;
    const r = run(toy('detour', detour, [eventually2(['spin'], ['finish'])]));
    expect(r.violation?.trace.loop).toEqual({ start: 1, stutter: false });
    expect(xs(r)).toEqual([0, 1, 3, 1]);
    // With hop strongly fair too, 1 is removed next (hop is enabled there and never taken inside
    // {1, 3}), and {3} alone keeps spin enabled without taking it: no fair cycle is left.
    expect(run(toy('detour', detour, [eventually2(['spin'], ['finish', 'hop'])])).violation).toBeNull();
    // Weak fairness of both is not enough: hop is taken in the whole component, and finish is
    // disabled at 1 and 3.
    expect(run(toy('detour', detour, [eventually2(['spin', 'hop', 'finish'], [])])).violation?.trace.loop?.stutter).toBe(false);
  });

  it('makes a request granted where weak fairness lets the server defer forever (leads to)', () => {
    const server = { 0: [['request', 1]], 1: [['grant', 2], ['defer', 3]], 2: [['release', 0]], 3: [['resume', 1]] } as const;
    const granted = (fairness: string[], strongFairness: string[]): LivenessProperty<number> => ({
      kind: 'leadsTo', name: 'RequestGranted', p: (x) => x === 1, q: (x) => x === 2, fairness, strongFairness,
    });
    expect(run(toy('server', server, [granted(['grant', 'defer', 'resume'], [])])).violation?.kind).toBe('liveness');
    expect(run(toy('server', server, [granted(['defer', 'resume'], ['grant'])])).violation).toBeNull();
  });

  it('rejects a strong fairness pattern that names no action', () => {
    const stuck = { 0: [['go', 1]] } as const;
    const r = check(toy('stuck', stuck, [eventually2([], ['og'])]));
    expect(r.ok ? null : r.error).toContain("fairness pattern 'og' matches no action");
  });

  it('agrees with a brute-force search for fair cycles on small random graphs, and its lassos are fair', () => {
    fc.assert(fc.property(smallGraph, (g) => {
      const lasso = checkLiveness(g.graph, g.property);
      expect(lasso !== null).toBe(bruteForceFails(g.graph, g.property));
      if (lasso !== null) expect(lassoIsFair(g.graph, g.property, lasso)).toBe(true);
    }), { seed: 20150901, numRuns: 400 });
  });
});

/** Actions in the random graphs, each not, weakly or (more often) strongly fair. */
const randomActions = 3;

/** A random graph of up to 7 states, with goal bit 0, trigger bit 1, and random fairness. */
const smallGraph = fc.integer({ min: 1, max: 7 }).chain((n) => fc.record({
  edges: fc.array(fc.array(fc.tuple(fc.nat(n - 1), fc.nat(randomActions - 1)), { minLength: 1, maxLength: 3 }), { minLength: n, maxLength: n }),
  unexpanded: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  goal: fc.array(fc.nat(6), { minLength: n, maxLength: n }),
  trigger: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  leadsTo: fc.boolean(),
  fairness: fc.array(fc.constantFrom(0, 1, 2, 2), { minLength: randomActions, maxLength: randomActions }),
})).map((r) => {
  const n = r.edges.length;
  const edgeStart = new Uint32Array(n);
  const edgeCount = new Uint32Array(n);
  const targets: number[] = [];
  const actions: number[] = [];
  const expanded = new Uint8Array(n);
  const predicates = new Uint32Array(n);
  for (let v = 0; v < n; v++) {
    // Unexpanded states have no edges, as when the checker cuts them off.
    const cut = r.unexpanded[v] === true && v > 0;
    expanded[v] = cut ? 0 : 1;
    edgeStart[v] = targets.length;
    const out = cut ? [] : r.edges[v] ?? [];
    edgeCount[v] = out.length;
    for (const [w, a] of out) {
      targets.push(w);
      actions.push(a);
    }
    predicates[v] = (r.goal[v] === 0 ? 1 : 0) | (r.trigger[v] === true ? 2 : 0);
  }
  const graph: ExploredGraph = {
    states: n, initialCount: 1, edgeStart, edgeCount, edgeTarget: Uint32Array.from(targets),
    edgeAction: Uint16Array.from(actions), expanded, predicates,
  };
  const property: GraphProperty = {
    trigger: r.leadsTo ? 1 : 'initial', goal: 0,
    fair: Uint8Array.from(r.fairness.map((f) => (f === 1 ? 1 : 0))),
    strong: Uint8Array.from(r.fairness.map((f) => (f === 2 ? 1 : 0))),
  };
  return { graph, property };
});

function outEdges(g: ExploredGraph, v: number): [number, number][] {
  const out: [number, number][] = [];
  const e0 = g.edgeStart[v] ?? 0;
  for (let e = e0; e < e0 + (g.edgeCount[v] ?? 0); e++) out.push([g.edgeTarget[e] ?? 0, g.edgeAction[e] ?? 0]);
  return out;
}

const enabled = (g: ExploredGraph, v: number, a: number): boolean => outEdges(g, v).some(([w, b]) => w !== v && b === a);
const isGoal = (g: ExploredGraph, v: number): boolean => ((g.predicates[v] ?? 0) & 1) !== 0;

/**
 * Whether some set of states outside the goal, reachable from a trigger state without the goal,
 * can be the states a fair behaviour visits forever: strongly connected by its inner edges (one
 * state without any: stuttering there), all expanded, and fair with every inner edge taken.
 */
function bruteForceFails(g: ExploredGraph, p: GraphProperty): boolean {
  const n = g.states;
  const triggered = (v: number): boolean => !isGoal(g, v) && (p.trigger === 'initial' ? v < g.initialCount : ((g.predicates[v] ?? 0) & 2) !== 0);
  const reachable = new Set<number>();
  const queue = [...Array(n).keys()].filter(triggered);
  for (const v of queue) reachable.add(v);
  for (let i = 0; i < queue.length; i++) {
    for (const [w] of outEdges(g, queue[i] ?? 0)) {
      if (!isGoal(g, w) && !reachable.has(w)) {
        reachable.add(w);
        queue.push(w);
      }
    }
  }
  for (let mask = 1; mask < 1 << n; mask++) {
    const set = [...Array(n).keys()].filter((v) => (mask & (1 << v)) !== 0);
    if (!set.every((v) => reachable.has(v) && g.expanded[v] === 1)) continue;
    const inner = (v: number): [number, number][] => outEdges(g, v).filter(([w]) => w !== v && (mask & (1 << w)) !== 0);
    const reach = (from: number): Set<number> => {
      const seen = new Set([from]);
      const stack = [from];
      while (stack.length > 0) for (const [w] of inner(stack.pop() ?? 0)) if (!seen.has(w)) { seen.add(w); stack.push(w); }
      return seen;
    };
    if (set.length > 1 && !set.every((v) => reach(v).size === set.length)) continue;
    const taken = new Set(set.flatMap((v) => inner(v).map(([, a]) => a)));
    let fair = true;
    for (let a = 0; a < p.fair.length; a++) {
      if (p.strong?.[a] === 1) fair &&= taken.has(a) || set.every((v) => !enabled(g, v, a));
      else if (p.fair[a] === 1) fair &&= taken.has(a) || set.some((v) => !enabled(g, v, a));
    }
    if (fair) return true;
  }
  return false;
}

/** Whether `lasso` is a behaviour outside the goal whose cycle meets every fairness condition. */
function lassoIsFair(g: ExploredGraph, p: GraphProperty, lasso: Lasso): boolean {
  let at = lasso.trigger;
  const follow = (edges: readonly { from: number; ordinal: number }[]): { states: number[]; actions: number[] } | null => {
    const states = [at];
    const actions: number[] = [];
    for (const edge of edges) {
      if (edge.from !== at) return null;
      const [w, a] = outEdges(g, at)[edge.ordinal] ?? [-1, -1];
      if (w < 0 || w === at || isGoal(g, w)) return null;
      states.push(w);
      actions.push(a);
      at = w;
    }
    return { states, actions };
  };
  if (follow(lasso.approach) === null || at !== lasso.loopState) return false;
  const cycle = follow(lasso.cycle);
  if (cycle === null || at !== lasso.loopState || g.expanded[at] !== 1) return false;
  for (let a = 0; a < p.fair.length; a++) {
    const takenInCycle = cycle.actions.includes(a);
    if (p.strong?.[a] === 1 && !takenInCycle && cycle.states.some((v) => enabled(g, v, a))) return false;
    if (p.fair[a] === 1 && !takenInCycle && cycle.states.every((v) => enabled(g, v, a))) return false;
  }
  return true;
}
