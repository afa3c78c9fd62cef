import { assert } from '../core/assert.js';
import type { ExploredGraph } from './explore.js';

/**
 * Liveness on the explored graph, under weak and strong fairness. A property `P ~> Q` fails iff
 * some reachable state satisfying P (for `<>Q`: some initial state) starts a fair behaviour that
 * never reaches Q. In a finite graph such a behaviour ends up looping forever in one strongly
 * connected component (SCC) of the states where Q is false, so the search is: find those SCCs
 * (Tarjan, iterative), find the fair cycles inside them, and ask which P-states can reach one
 * without passing through Q.
 *
 * Steps from a state to itself are stutters (TLA+'s `<A>_vars`): they neither count as taking an
 * action nor make it enabled. A behaviour may also stutter forever, which is fair only where no
 * fair action is enabled.
 *
 * Weak fairness of A (if A stays enabled, it is taken): an SCC C holds a fair cycle for A iff A is
 * disabled in some state of C or some edge inside C is an A-step. Strong fairness of A (if A is
 * enabled again and again, it is taken): iff some edge inside C is an A-step or A is enabled in no
 * state of C. When every fair action passes its test, one cycle through all of C's states and
 * edges satisfies every condition at once. When a weakly fair action fails, every cycle inside C
 * keeps it enabled without taking it, and so does every cycle inside any part of C: C holds no
 * fair cycle. When only strongly fair actions fail, a fair cycle inside C can still exist, but it
 * must avoid every state where a failing action is enabled (it never takes one): those states are
 * removed and the SCCs of what is left are judged the same way, until a part passes or nothing is
 * left (the Streett-style refinement of Emerson and Lei). This is exact for both kinds of fairness.
 *
 * States cut off by a constraint or the depth bound have unknown successors and are never part
 * of a counterexample.
 */

/** A liveness property on the explored graph, in terms of graph predicate bits. */
export interface GraphProperty {
  /** Bit of the trigger predicate P, or 'initial' for `<>Q` (triggered by initial states). */
  readonly trigger: number | 'initial';
  /** Bit of the goal predicate Q. */
  readonly goal: number;
  /** Whether each action (by index) is weakly fair. */
  readonly fair: Uint8Array;
  /** Whether each action (by index) is strongly fair (default: none). Strong fairness implies weak. */
  readonly strong?: Uint8Array;
}

/**
 * A counterexample: a path of edges (each as its source state and position among the source's
 * edges, i.e. the successor ordinal) from a trigger state to the cycle's first state, then the
 * cycle's edges back to it (none: the behaviour stutters there forever).
 */
export interface Lasso {
  /** The trigger state (a P-state, or an initial state for `<>Q`). */
  readonly trigger: number;
  /** Edges from the trigger state to the first state of the cycle. */
  readonly approach: readonly LassoEdge[];
  /** The first state of the cycle. */
  readonly loopState: number;
  /** Edges of the cycle, from `loopState` back to it; empty when it stutters forever. */
  readonly cycle: readonly LassoEdge[];
}

/** One edge of a lasso: from state `from`, its `ordinal`-th successor. */
export interface LassoEdge {
  readonly from: number;
  readonly ordinal: number;
}

/** Decides `property` on `graph`; returns a lasso when it fails, null when it holds. */
export function checkLiveness(graph: ExploredGraph, property: GraphProperty): Lasso | null {
  const n = graph.states;
  const goalMask = 1 << property.goal;
  const inGoal = (v: number): boolean => ((graph.predicates[v] ?? 0) & goalMask) !== 0;
  const fairness = fairnessSets(property);
  const scratch = tarjanScratch(n);

  let outside = 0;
  for (let v = 0; v < n; v++) if (!inGoal(v)) outside++;
  const roots = new Uint32Array(outside);
  for (let v = 0, k = 0; v < n; v++) if (!inGoal(v)) roots[k++] = v;
  // Each state's SCC among the states outside the goal (-1 for goal states).
  const top = new Int32Array(n).fill(-1);
  const sccs = tarjan(graph, roots, (v) => !inGoal(v), scratch, top, 0);
  // Each state's current part: its SCC at first, then the part of it that strong fairness leaves
  // (-1 for goal states and states removed). Fair parts keep the id they were judged with.
  const owner = Int32Array.from(top);
  let nextId = sccs.count;
  const fairParts = new Map<number, Uint32Array>();
  const canReach = new Uint8Array(sccs.count);
  // SCCs come in reverse topological order: every SCC reachable from C is finished before C.
  for (let c = 0; c < sccs.count; c++) {
    const members = sccs.members.subarray(sccs.start[c] ?? 0, sccs.start[c + 1] ?? 0);
    let reaches = false;
    for (const v of members) {
      const e0 = graph.edgeStart[v] ?? 0;
      const e1 = e0 + (graph.edgeCount[v] ?? 0);
      for (let e = e0; e < e1 && !reaches; e++) {
        const cw = top[graph.edgeTarget[e] ?? 0] ?? -1;
        if (cw >= 0 && cw !== c && canReach[cw] === 1) reaches = true;
      }
      if (reaches) break;
    }
    let fair = false;
    const work: { id: number; members: Uint32Array }[] = [{ id: c, members }];
    while (work.length > 0 && !fair) {
      const part = work.pop();
      if (part === undefined) break;
      const verdict = judge(graph, part.members, (w) => owner[w] === part.id, fairness);
      if (verdict === 'fair') {
        fairParts.set(part.id, part.members);
        fair = true;
      } else if (verdict !== 'unfair') {
        const kept = part.members.filter((v) => {
          const keep = !enablesAny(graph, v, verdict);
          if (!keep) owner[v] = -1;
          return keep;
        });
        const parts = tarjan(graph, kept, (w) => owner[w] === part.id, scratch, owner, nextId);
        for (let k = 0; k < parts.count; k++) {
          work.push({ id: nextId + k, members: parts.members.subarray(parts.start[k] ?? 0, parts.start[k + 1] ?? 0) });
        }
        nextId += parts.count;
      }
    }
    canReach[c] = fair || reaches ? 1 : 0;
  }

  let trigger = -1;
  for (let v = 0; v < n && trigger < 0; v++) {
    if (inGoal(v)) continue;
    const triggered = property.trigger === 'initial'
      ? v < graph.initialCount
      : ((graph.predicates[v] ?? 0) & (1 << property.trigger)) !== 0;
    if (triggered && canReach[top[v] ?? 0] === 1) trigger = v;
  }
  if (trigger < 0) return null;
  return buildLasso(graph, trigger, inGoal, owner, fairParts, fairness);
}

/** The fair actions as bit sets over action indices. */
interface FairnessSets {
  readonly words: number;
  /** Weakly or strongly fair: each must pass the weak test. */
  readonly weak: Uint32Array;
  readonly strong: Uint32Array;
  readonly isWeak: (a: number) => boolean;
  readonly isStrong: (a: number) => boolean;
}

function fairnessSets(property: GraphProperty): FairnessSets {
  const actions = Math.max(property.fair.length, property.strong?.length ?? 0);
  const words = Math.max(1, Math.ceil(actions / 32));
  const weak = new Uint32Array(words);
  const strong = new Uint32Array(words);
  const isStrong = (a: number): boolean => property.strong?.[a] === 1;
  const isWeak = (a: number): boolean => property.fair[a] === 1 || isStrong(a);
  for (let a = 0; a < actions; a++) {
    if (isWeak(a)) setBit(weak, a);
    if (isStrong(a)) setBit(strong, a);
  }
  return { words, weak, strong, isWeak, isStrong };
}

function setBit(set: Uint32Array, a: number): void {
  set[a >>> 5] = (set[a >>> 5] ?? 0) | (1 << (a & 31));
}

function hasBit(set: Uint32Array, a: number): boolean {
  return ((set[a >>> 5] ?? 0) & (1 << (a & 31))) !== 0;
}

/**
 * Whether the part `members` (a strongly connected set of states, or one state) holds a cycle
 * fair to every fair action: 'fair', 'unfair', or the strongly fair actions that are enabled in
 * it but never taken inside it, whose states a fair cycle must avoid.
 */
function judge(
  graph: ExploredGraph, members: Uint32Array, inPart: (w: number) => boolean, fairness: FairnessSets,
): 'fair' | 'unfair' | Uint32Array {
  const words = fairness.words;
  const enabledAll = new Uint32Array(words).fill(0xffffffff);
  const enabledAny = new Uint32Array(words);
  const enabledHere = new Uint32Array(words);
  const taken = new Uint32Array(words);
  for (const v of members) {
    if (graph.expanded[v] !== 1) return 'unfair';
    enabledHere.fill(0);
    const e0 = graph.edgeStart[v] ?? 0;
    const e1 = e0 + (graph.edgeCount[v] ?? 0);
    for (let e = e0; e < e1; e++) {
      const w = graph.edgeTarget[e] ?? 0;
      if (w === v) continue;
      const a = graph.edgeAction[e] ?? 0;
      setBit(enabledHere, a);
      if (inPart(w)) setBit(taken, a);
    }
    for (let k = 0; k < words; k++) {
      enabledAll[k] = (enabledAll[k] ?? 0) & (enabledHere[k] ?? 0);
      enabledAny[k] = (enabledAny[k] ?? 0) | (enabledHere[k] ?? 0);
    }
  }
  const avoid = new Uint32Array(words);
  let mustAvoid = false;
  for (let k = 0; k < words; k++) {
    if (((enabledAll[k] ?? 0) & (fairness.weak[k] ?? 0) & ~(taken[k] ?? 0)) !== 0) return 'unfair';
    avoid[k] = (enabledAny[k] ?? 0) & (fairness.strong[k] ?? 0) & ~(taken[k] ?? 0);
    if (avoid[k] !== 0) mustAvoid = true;
  }
  return mustAvoid ? avoid : 'fair';
}

/** Whether some action in `actions` is enabled in state `v` (by an edge that is not a stutter). */
function enablesAny(graph: ExploredGraph, v: number, actions: Uint32Array): boolean {
  const e0 = graph.edgeStart[v] ?? 0;
  const e1 = e0 + (graph.edgeCount[v] ?? 0);
  for (let e = e0; e < e1; e++) {
    if (graph.edgeTarget[e] !== v && hasBit(actions, graph.edgeAction[e] ?? 0)) return true;
  }
  return false;
}

/** Strongly connected components found by one run of `tarjan`. */
interface Components {
  readonly count: number;
  /** Members of component c are members[start[c] .. start[c + 1]). */
  readonly members: Uint32Array;
  readonly start: Uint32Array;
}

/** Work arrays of `tarjan`, one per state, allocated once and shared by every run. */
interface TarjanScratch {
  readonly index: Int32Array;
  readonly low: Int32Array;
  readonly onStack: Uint8Array;
  readonly stack: Uint32Array;
  readonly callNode: Uint32Array;
  readonly callEdge: Uint32Array;
}

function tarjanScratch(n: number): TarjanScratch {
  return {
    index: new Int32Array(n).fill(-1), low: new Int32Array(n), onStack: new Uint8Array(n),
    stack: new Uint32Array(n), callNode: new Uint32Array(n), callEdge: new Uint32Array(n),
  };
}

/**
 * Tarjan's algorithm with explicit stacks, so graph depth is not limited by the call stack: the
 * SCCs of the subgraph of states satisfying `allowed`, which must be exactly `roots`. Writes each
 * state's component, numbered from `firstId`, into `component`; components come in reverse
 * topological order.
 */
function tarjan(
  graph: ExploredGraph, roots: ArrayLike<number>, allowed: (v: number) => boolean, scratch: TarjanScratch,
  component: Int32Array, firstId: number,
): Components {
  const { index, low, onStack, stack, callNode, callEdge } = scratch;
  for (let k = 0; k < roots.length; k++) index[roots[k] ?? 0] = -1;
  let stackTop = 0;
  let callTop = 0;
  const members = new Uint32Array(roots.length);
  let membersEnd = 0;
  const starts: number[] = [0];
  let counter = 0;

  const visit = (v: number): void => {
    index[v] = low[v] = counter++;
    stack[stackTop++] = v;
    onStack[v] = 1;
    callNode[callTop] = v;
    callEdge[callTop] = graph.edgeStart[v] ?? 0;
    callTop++;
  };

  for (let k = 0; k < roots.length; k++) {
    const root = roots[k] ?? 0;
    if (index[root] !== -1) continue;
    visit(root);
    while (callTop > 0) {
      const v = callNode[callTop - 1] ?? 0;
      const e = callEdge[callTop - 1] ?? 0;
      if (e < (graph.edgeStart[v] ?? 0) + (graph.edgeCount[v] ?? 0)) {
        callEdge[callTop - 1] = e + 1;
        const w = graph.edgeTarget[e] ?? 0;
        if (w === v || !allowed(w)) continue;
        if (index[w] === -1) visit(w);
        else if (onStack[w] === 1 && (index[w] ?? 0) < (low[v] ?? 0)) low[v] = index[w] ?? 0;
        continue;
      }
      callTop--;
      if (callTop > 0) {
        const u = callNode[callTop - 1] ?? 0;
        if ((low[v] ?? 0) < (low[u] ?? 0)) low[u] = low[v] ?? 0;
      }
      if (low[v] === index[v]) {
        const c = firstId + starts.length - 1;
        while (true) {
          const w = stack[--stackTop] ?? 0;
          onStack[w] = 0;
          component[w] = c;
          members[membersEnd++] = w;
          if (w === v) break;
        }
        starts.push(membersEnd);
      }
    }
  }
  return { count: starts.length - 1, members, start: Uint32Array.from(starts) };
}

/**
 * Builds the counterexample from `trigger`: the shortest path outside the goal to a fair part,
 * then a cycle in that part that, for each weakly fair action, visits a state where it is disabled
 * or takes an edge labelled with it, and for each strongly fair action enabled in the part, takes
 * an edge labelled with it.
 */
function buildLasso(
  graph: ExploredGraph, trigger: number, inGoal: (v: number) => boolean, owner: Int32Array,
  fairParts: ReadonlyMap<number, Uint32Array>, fairness: FairnessSets,
): Lasso {
  const inFairPart = (v: number): boolean => fairParts.has(owner[v] ?? -1);
  const approach = shortestPath(graph, trigger, (v) => !inGoal(v), inFairPart);
  assert(approach !== null, 'liveness: no path to the fair component found');
  const loopState = approach.end;
  const c = owner[loopState] ?? -1;
  const inC = (v: number): boolean => owner[v] === c;
  const members = fairParts.get(c);
  assert(members !== undefined, 'liveness: fair part without members');

  const enabledAt = (v: number, a: number): boolean => {
    const e0 = graph.edgeStart[v] ?? 0;
    const e1 = e0 + (graph.edgeCount[v] ?? 0);
    for (let e = e0; e < e1; e++) if (graph.edgeAction[e] === a && graph.edgeTarget[e] !== v) return true;
    return false;
  };
  const edgeInC = (a: number): { from: number; ordinal: number; to: number } | null => {
    for (const v of members) {
      const e0 = graph.edgeStart[v] ?? 0;
      const e1 = e0 + (graph.edgeCount[v] ?? 0);
      for (let e = e0; e < e1; e++) {
        const w = graph.edgeTarget[e] ?? 0;
        if (w !== v && graph.edgeAction[e] === a && inC(w)) return { from: v, ordinal: e - e0, to: w };
      }
    }
    return null;
  };

  // Walk the cycle greedily: for each weakly fair action not yet satisfied by the walk so far
  // (taken, or disabled in a state visited), go to a state of C where it is disabled, or else take
  // an edge of C labelled with it; for each strongly fair action with an edge in C, take it (the
  // others are enabled nowhere in C); finally return to the loop state.
  const cycle: LassoEdge[] = [];
  const visited = new Set<number>([loopState]);
  const taken = new Set<number>();
  let at = loopState;
  const follow = (edges: readonly LassoEdge[]): void => {
    for (const edge of edges) {
      const e = (graph.edgeStart[edge.from] ?? 0) + edge.ordinal;
      taken.add(graph.edgeAction[e] ?? 0);
      visited.add(graph.edgeTarget[e] ?? 0);
      cycle.push(edge);
    }
  };
  const walkTo = (target: number): void => {
    const path = shortestPath(graph, at, inC, (v) => v === target);
    assert(path !== null, 'liveness: component not strongly connected');
    follow(path.edges);
    at = target;
  };
  const takeEdge = (edge: { from: number; ordinal: number; to: number }): void => {
    walkTo(edge.from);
    follow([{ from: edge.from, ordinal: edge.ordinal }]);
    at = edge.to;
  };
  const actionCount = Math.max(fairness.weak.length, fairness.strong.length) * 32;
  for (let a = 0; a < actionCount; a++) {
    if (!fairness.isWeak(a) || taken.has(a)) continue;
    if (fairness.isStrong(a)) {
      const edge = edgeInC(a);
      if (edge !== null) takeEdge(edge);
      else assert(!members.some((v) => enabledAt(v, a)), 'liveness: strongly fair action enabled but not taken in a fair part');
      continue;
    }
    let satisfied = false;
    for (const v of visited) if (!enabledAt(v, a)) satisfied = true;
    if (satisfied) continue;
    const disabledAt = members.find((v) => !enabledAt(v, a));
    if (disabledAt !== undefined) {
      walkTo(disabledAt);
      continue;
    }
    const edge = edgeInC(a);
    assert(edge !== null, 'liveness: fair component without the edge it needs');
    takeEdge(edge);
  }
  walkTo(loopState);
  return { trigger, approach: approach.edges, loopState, cycle };
}

/**
 * The shortest path (breadth-first) from `from` through states satisfying `allowed` to a state
 * satisfying `isTarget` (possibly `from` itself), skipping stutter edges.
 */
function shortestPath(
  graph: ExploredGraph, from: number, allowed: (v: number) => boolean, isTarget: (v: number) => boolean,
): { edges: LassoEdge[]; end: number } | null {
  if (isTarget(from)) return { edges: [], end: from };
  const visitedFrom = new Map<number, { parent: number; ordinal: number }>();
  visitedFrom.set(from, { parent: -1, ordinal: 0 });
  const queue: number[] = [from];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] ?? 0;
    const e0 = graph.edgeStart[v] ?? 0;
    const e1 = e0 + (graph.edgeCount[v] ?? 0);
    for (let e = e0; e < e1; e++) {
      const w = graph.edgeTarget[e] ?? 0;
      if (w === v || visitedFrom.has(w) || !allowed(w)) continue;
      visitedFrom.set(w, { parent: v, ordinal: e - e0 });
      if (isTarget(w)) {
        const edges: LassoEdge[] = [];
        let x = w;
        while (x !== from) {
          const step = visitedFrom.get(x);
          assert(step !== undefined, 'liveness: broken path');
          edges.push({ from: step.parent, ordinal: step.ordinal });
          x = step.parent;
        }
        return { edges: edges.reverse(), end: w };
      }
      queue.push(w);
    }
  }
  return null;
}
