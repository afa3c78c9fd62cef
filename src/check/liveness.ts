import { assert } from '../core/assert.js';
import type { ExploredGraph } from './explore.js';

/**
 * Liveness on the explored graph, under weak fairness. A property `P ~> Q` fails iff some reachable
 * state satisfying P (for `<>Q`: some initial state) starts a fair behaviour that never reaches Q.
 * In a finite graph such a behaviour ends up looping forever in one strongly connected component
 * (SCC) of the states where Q is false, so the search is: find those SCCs (Tarjan, iterative), keep
 * the fair ones, and ask which P-states can reach one without passing through Q.
 *
 * Steps from a state to itself are stutters (TLA+'s `<A>_vars`): they neither count as taking an
 * action nor make it enabled. A behaviour may also stutter forever, which is fair only where no
 * fair action is enabled. So an SCC C is fair iff for every fair action A, either A is disabled in
 * some state of C, or some edge inside C is an A-step: then one cycle through all of C's states
 * and edges satisfies every fairness condition at once, and if the test fails for some A, every
 * cycle inside C keeps A enabled without taking it. This is exact for weak fairness.
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
  const actionCount = property.fair.length;
  const setWords = Math.max(1, Math.ceil(actionCount / 32));
  const fairSet = new Uint32Array(setWords);
  for (let a = 0; a < actionCount; a++) if (property.fair[a] === 1) fairSet[a >>> 5] = (fairSet[a >>> 5] ?? 0) | (1 << (a & 31));

  const sccs = tarjan(graph, inGoal);
  const accepting = new Uint8Array(sccs.count);
  const canReach = new Uint8Array(sccs.count);
  const enabledAll = new Uint32Array(setWords);
  const taken = new Uint32Array(setWords);
  const enabledHere = new Uint32Array(setWords);
  // SCCs come in reverse topological order: every SCC reachable from C is finished before C.
  for (let c = 0; c < sccs.count; c++) {
    const members = sccs.members.subarray(sccs.start[c] ?? 0, sccs.start[c + 1] ?? 0);
    enabledAll.fill(0xffffffff);
    taken.fill(0);
    let complete = true;
    let reaches = false;
    for (const v of members) {
      if (graph.expanded[v] !== 1) complete = false;
      enabledHere.fill(0);
      const e0 = graph.edgeStart[v] ?? 0;
      const e1 = e0 + (graph.edgeCount[v] ?? 0);
      for (let e = e0; e < e1; e++) {
        const w = graph.edgeTarget[e] ?? 0;
        if (w === v) continue;
        const a = graph.edgeAction[e] ?? 0;
        enabledHere[a >>> 5] = (enabledHere[a >>> 5] ?? 0) | (1 << (a & 31));
        if (inGoal(w)) continue;
        const cw = sccs.component[w] ?? 0;
        if (cw === c) taken[a >>> 5] = (taken[a >>> 5] ?? 0) | (1 << (a & 31));
        else if (canReach[cw] === 1) reaches = true;
      }
      for (let k = 0; k < setWords; k++) enabledAll[k] = (enabledAll[k] ?? 0) & (enabledHere[k] ?? 0);
    }
    let fair = complete;
    for (let k = 0; k < setWords && fair; k++) {
      const mustTake = (enabledAll[k] ?? 0) & (fairSet[k] ?? 0);
      if ((mustTake & ~(taken[k] ?? 0)) !== 0) fair = false;
    }
    accepting[c] = fair ? 1 : 0;
    canReach[c] = fair || reaches ? 1 : 0;
  }

  let trigger = -1;
  for (let v = 0; v < n && trigger < 0; v++) {
    if (inGoal(v)) continue;
    const triggered = property.trigger === 'initial'
      ? v < graph.initialCount
      : ((graph.predicates[v] ?? 0) & (1 << property.trigger)) !== 0;
    if (triggered && canReach[sccs.component[v] ?? 0] === 1) trigger = v;
  }
  if (trigger < 0) return null;
  return buildLasso(graph, trigger, inGoal, sccs, accepting, property.fair);
}

/** Strongly connected components of the subgraph of states outside the goal. */
interface Components {
  readonly count: number;
  /** Per state: its component (meaningless for goal states). */
  readonly component: Int32Array;
  /** Members of component c are members[start[c] .. start[c + 1]). */
  readonly members: Uint32Array;
  readonly start: Uint32Array;
}

/** Tarjan's algorithm with explicit stacks, so graph depth is not limited by the call stack. */
function tarjan(graph: ExploredGraph, inGoal: (v: number) => boolean): Components {
  const n = graph.states;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const stack = new Uint32Array(n);
  let stackTop = 0;
  const callNode = new Uint32Array(n);
  const callEdge = new Uint32Array(n);
  let callTop = 0;
  const members = new Uint32Array(n);
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

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1 || inGoal(root)) continue;
    visit(root);
    while (callTop > 0) {
      const v = callNode[callTop - 1] ?? 0;
      const e = callEdge[callTop - 1] ?? 0;
      if (e < (graph.edgeStart[v] ?? 0) + (graph.edgeCount[v] ?? 0)) {
        callEdge[callTop - 1] = e + 1;
        const w = graph.edgeTarget[e] ?? 0;
        if (w === v || inGoal(w)) continue;
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
        const c = starts.length - 1;
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
  return { count: starts.length - 1, component, members, start: Uint32Array.from(starts) };
}

/**
 * Builds the counterexample from `trigger`: the shortest path outside the goal to a fair SCC, then
 * a cycle in that SCC that, for each fair action, visits a state where it is disabled or takes an
 * edge labelled with it.
 */
function buildLasso(
  graph: ExploredGraph, trigger: number, inGoal: (v: number) => boolean, sccs: Components,
  accepting: Uint8Array, fair: Uint8Array,
): Lasso {
  const inAccepting = (v: number): boolean => accepting[sccs.component[v] ?? 0] === 1;
  const approach = shortestPath(graph, trigger, (v) => !inGoal(v), inAccepting);
  assert(approach !== null, 'liveness: no path to the fair component found');
  const loopState = approach.end;
  const c = sccs.component[loopState] ?? 0;
  const inC = (v: number): boolean => !inGoal(v) && sccs.component[v] === c;
  const members = sccs.members.subarray(sccs.start[c] ?? 0, sccs.start[c + 1] ?? 0);

  const enabledAt = (v: number, a: number): boolean => {
    const e0 = graph.edgeStart[v] ?? 0;
    const e1 = e0 + (graph.edgeCount[v] ?? 0);
    for (let e = e0; e < e1; e++) if (graph.edgeAction[e] === a && graph.edgeTarget[e] !== v) return true;
    return false;
  };

  // Walk the cycle greedily: for each fair action not yet satisfied by the walk so far (taken, or
  // disabled in a state visited), go to a state of C where it is disabled, or else take an edge of
  // C labelled with it; finally return to the loop state.
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
  for (let a = 0; a < fair.length; a++) {
    if (fair[a] !== 1 || taken.has(a)) continue;
    let satisfied = false;
    for (const v of visited) if (!enabledAt(v, a)) satisfied = true;
    if (satisfied) continue;
    const disabledAt = members.find((v) => !enabledAt(v, a));
    if (disabledAt !== undefined) {
      walkTo(disabledAt);
      continue;
    }
    let edge: { from: number; ordinal: number; to: number } | null = null;
    for (const v of members) {
      const e0 = graph.edgeStart[v] ?? 0;
      const e1 = e0 + (graph.edgeCount[v] ?? 0);
      for (let e = e0; e < e1 && edge === null; e++) {
        const w = graph.edgeTarget[e] ?? 0;
        if (w !== v && graph.edgeAction[e] === a && inC(w)) edge = { from: v, ordinal: e - e0, to: w };
      }
      if (edge !== null) break;
    }
    assert(edge !== null, 'liveness: fair component without the edge it needs');
    walkTo(edge.from);
    follow([{ from: edge.from, ordinal: edge.ordinal }]);
    at = edge.to;
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
