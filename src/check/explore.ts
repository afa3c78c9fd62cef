import { assert } from '../core/assert.js';
import { classifySpecStep } from '../framework/spec.js';
import { fingerprintWords, newFingerprint } from './fingerprint.js';
import { FingerprintSet } from './fpset.js';
import type { Frontier } from './frontier.js';
import { ObjectFrontier, PackedFrontier } from './frontier.js';
import { Growable, GrowableNat } from './growable.js';
import type { ResolvedModel } from './model.js';
import { showValue } from './show.js';

/**
 * The explicit-state search: breadth-first (or depth-first) from the initial states, visited
 * states kept as fingerprints, the frontier as packed words when the model is packed. For each
 * state it keeps only its parent's index and which successor of the parent it was (the ordinal),
 * which is enough to rebuild any trace by replaying the model (src/check/trace.ts).
 */

/** The parent index of an initial state. */
export const noParent = 0xffffffff;

/** How to search. */
export interface ExploreOptions<S> {
  readonly search: 'bfs' | 'dfs';
  /**
   * Explore canonical forms under `model.symmetry`, checking on every state generated that the
   * invariants and the state constraint give the same answer on it and on its canonical form.
   */
  readonly symmetry: boolean;
  /** States at this depth (steps from an initial state) are not expanded. */
  readonly maxDepth: number;
  /** Keep the explored graph's edges (for liveness) and evaluate these predicates on every state. */
  readonly graphPredicates: readonly ((s: S) => boolean)[] | null;
  /** Called at most every `progressIntervalMs` while searching. */
  readonly progress?: (p: Progress) => void;
  readonly progressIntervalMs: number;
  /** Milliseconds from any fixed origin. */
  readonly now: () => number;
  /** Initial fingerprint table capacity, in slots. */
  readonly initialCapacity: number;
}

/** A progress report while searching. */
export interface Progress {
  readonly generated: number;
  readonly distinct: number;
  readonly queue: number;
  readonly depth: number;
  readonly elapsedMs: number;
}

/** A safety violation found while searching, located by state indexes and successor ordinals. */
export type SafetyViolation =
  | { readonly kind: 'invariant'; readonly name: string; readonly state: number }
  /** An initial state whose abstraction is not an initial state of the spec. */
  | { readonly kind: 'refinementInit'; readonly ordinal: number }
  /** The `ordinal`-th successor of state `from` maps to neither a spec step nor a stutter. */
  | { readonly kind: 'refinementStep'; readonly from: number; readonly ordinal: number }
  /**
   * Under symmetry: a property (`property`, e.g. 'invariant TCConsistent') gave different answers
   * on a state and on its canonical form, both shown (their views, one line each, shortened).
   */
  | { readonly kind: 'symmetry'; readonly property: string; readonly state: string; readonly canonical: string };

/** The most characters of a state shown in a symmetry complaint. */
export const shownStateCharsMax = 400;

/** The explored graph, kept for liveness: per state its edges and predicate bits. */
export interface ExploredGraph {
  readonly states: number;
  /** States with index below this are initial. */
  readonly initialCount: number;
  /** Per state: where its edges start in `edgeTarget`, and how many (0 when not expanded). */
  readonly edgeStart: Uint32Array;
  readonly edgeCount: Uint32Array;
  /** Per edge, in the order successors were emitted: target state index and action index. */
  readonly edgeTarget: Uint32Array;
  readonly edgeAction: Uint16Array;
  /** Per state: 1 if its successors were explored (not cut off by a constraint or depth bound). */
  readonly expanded: Uint8Array;
  /** Per state: bit k set when graph predicate k holds. */
  readonly predicates: Uint32Array;
}

/** What a search found. */
export interface Exploration {
  /** Successors computed, including initial states, duplicates and stutters (as TLC counts). */
  readonly generated: number;
  readonly distinct: number;
  /** Greatest depth (steps from an initial state) of a discovered state. */
  readonly depth: number;
  /** States still waiting when the search stopped (0 after a complete search). */
  readonly queueLeft: number;
  /** States whose successors were computed. */
  readonly expanded: number;
  /** States not expanded because of the state constraint or the depth bound. */
  readonly cutOff: number;
  /** Expanded states with no successor other than themselves. */
  readonly terminal: number;
  readonly elapsedMs: number;
  readonly tableSlots: number;
  readonly tableBytes: number;
  /** Bytes of every typed array the search held at its end (table, parents, frontier peak, graph). */
  readonly checkerBytes: number;
  readonly parents: Uint32Array;
  /** Per state: which of its parent's successors it was (for an initial state, which initial state). */
  readonly ordinals: Uint8Array | Uint16Array | Uint32Array;
  readonly graph: ExploredGraph | null;
  readonly violation: SafetyViolation | null;
}

/** Explores `model` and returns what was found; stops at the first safety violation. */
export function explore<S>(model: ResolvedModel<S>, options: ExploreOptions<S>): Exploration {
  const encoding = model.encoding;
  const symmetry = options.symmetry ? model.symmetry : undefined;
  assert(!options.symmetry || symmetry !== undefined, `model ${model.name} has no symmetry`);
  const graphPredicates = options.graphPredicates;
  const keepGraph = graphPredicates !== null;
  assert(!keepGraph || graphPredicates.length <= 32, 'at most 32 graph predicates');
  assert(model.actions.length <= 0xffff, 'at most 65535 actions');
  const invariants = model.invariants ?? [];
  const constraint = model.constraint;
  const refinement = model.refinement;
  const maxDepth = options.maxDepth;
  const lifo = options.search === 'dfs';

  const fp = newFingerprint();
  const table = new FingerprintSet(options.initialCapacity, keepGraph);
  const parents = new Growable(Uint32Array, 4096);
  const ordinals = new GrowableNat();
  const edgeStart = new Growable(Uint32Array, keepGraph ? 4096 : 1);
  const edgeCount = new Growable(Uint32Array, keepGraph ? 4096 : 1);
  const expandedFlags = new Growable(Uint8Array, keepGraph ? 4096 : 1);
  const predicateBits = new Growable(Uint32Array, keepGraph ? 4096 : 1);
  const edgeTarget = new Growable(Uint32Array, keepGraph ? 16384 : 1);
  const edgeAction = new Growable(Uint16Array, keepGraph ? 16384 : 1);

  let frontier: Frontier<S>;
  let fingerprint: (s: S) => void;
  // Whether two packed states have the same words (unused for object states).
  let sameWords: (a: S, b: S) => boolean = () => false;
  // Whether the last successor is the current state (a stutter). For object states this leaves
  // the successor's fingerprint in `fp`, so it is not computed twice.
  let sameAsCurrent: (t: S) => boolean;
  const fpOfSuccessorReady = encoding.kind === 'object';
  let currentWords: Uint32Array | null = null;
  let currentFpHi = 0;
  let currentFpLo = 0;
  if (encoding.kind === 'packed') {
    const words = encoding.words;
    frontier = new PackedFrontier(encoding, lifo);
    fingerprint = (s) => fingerprintWords(encoding.toWords(s), words, fp);
    sameWords = (a, b) => {
      const x = encoding.toWords(a);
      const y = encoding.toWords(b);
      for (let i = 0; i < words; i++) if (x[i] !== y[i]) return false;
      return true;
    };
    sameAsCurrent = (t) => {
      const a = encoding.toWords(t);
      const b = currentWords;
      if (b === null) return false;
      for (let i = 0; i < words; i++) if (a[i] !== b[i]) return false;
      return true;
    };
  } else {
    frontier = new ObjectFrontier<S>(lifo);
    fingerprint = (s) => encoding.fingerprint(s, fp);
    sameAsCurrent = (t) => {
      encoding.fingerprint(t, fp);
      return fp.hi === currentFpHi && fp.lo === currentFpLo;
    };
  }

  let generated = 0;
  let distinct = 0;
  let depthMax = 0;
  let expanded = 0;
  let cutOff = 0;
  let terminal = 0;
  let violation: SafetyViolation | null = null;
  let current: S | undefined;
  let currentIndex = noParent;
  let currentDepth = 0;
  let ordinal = 0;
  let nonStutter = 0;
  let currentAbstract: unknown;
  let currentAbstractReady = false;

  /**
   * Under symmetry, the first property that tells `t` from its canonical form `c` (they are
   * equivalent, so a sound property cannot), or null. When `cHolds`, `c` was found before, so
   * every invariant holds on it and only `t` is evaluated. Refinement steps are compared when a
   * violation's trace is replayed (src/check/check.ts): a step has no canonical form here.
   */
  const asymmetry = (t: S, c: S, initial: boolean, cHolds: boolean): SafetyViolation | null => {
    let property: string | null = null;
    for (const inv of invariants) {
      if (inv.holds(t) !== (cHolds || inv.holds(c))) {
        property = `invariant ${inv.name}`;
        break;
      }
    }
    if (property === null && constraint !== undefined && constraint(t) !== constraint(c)) property = 'the state constraint';
    if (property === null && initial && refinement !== undefined &&
      refinement.spec.init(refinement.abstract(t)) !== refinement.spec.init(refinement.abstract(c))) {
      property = `the refinement abstraction to ${refinement.spec.name}`;
    }
    if (property === null) return null;
    const shown = (x: S): string => {
      const line = showValue(model.view(x));
      return line.length <= shownStateCharsMax ? line : `${line.slice(0, shownStateCharsMax)}...`;
    };
    return { kind: 'symmetry', property, state: shown(t), canonical: shown(c) };
  };

  /** Records a newly discovered state: invariants, graph predicates, then the frontier. */
  const discovered = (c: S, index: number, depth: number): void => {
    if (depth > depthMax) depthMax = depth;
    for (const inv of invariants) {
      if (!inv.holds(c)) {
        violation = { kind: 'invariant', name: inv.name, state: index };
        return;
      }
    }
    if (graphPredicates !== null) {
      let bits = 0;
      for (let k = 0; k < graphPredicates.length; k++) if (graphPredicates[k]?.(c) === true) bits |= 1 << k;
      predicateBits.set(index, bits >>> 0);
    }
    if (depth >= maxDepth || (constraint !== undefined && !constraint(c))) {
      cutOff++;
      return;
    }
    frontier.push(c, index, depth);
  };

  const emitInitial = (s: S): void => {
    if (violation !== null) return;
    generated++;
    const ord = ordinal++;
    if (refinement !== undefined && !refinement.spec.init(refinement.abstract(s))) {
      violation = { kind: 'refinementInit', ordinal: ord };
      return;
    }
    const c = symmetry !== undefined ? symmetry(s) : s;
    if (c !== s) {
      violation = asymmetry(s, c, true, false);
      if (violation !== null) return;
    }
    fingerprint(c);
    if (table.insert(fp.hi, fp.lo, distinct) >= 0) return;
    const index = distinct++;
    parents.push(noParent);
    ordinals.push(ord);
    discovered(c, index, 0);
  };

  const emit = (action: number, t: S): void => {
    if (violation !== null) return;
    generated++;
    const ord = ordinal++;
    if (sameAsCurrent(t)) {
      if (keepGraph) {
        edgeTarget.push(currentIndex);
        edgeAction.push(action);
      }
      return;
    }
    nonStutter++;
    if (refinement !== undefined) {
      if (!currentAbstractReady && current !== undefined) {
        currentAbstract = refinement.abstract(current);
        currentAbstractReady = true;
      }
      if (classifySpecStep(refinement.spec, currentAbstract, refinement.abstract(t)) === 'violation') {
        violation = { kind: 'refinementStep', from: currentIndex, ordinal: ord };
        return;
      }
    }
    const c = symmetry !== undefined ? symmetry(t) : t;
    // For object states `fp` holds t's fingerprint here (see sameAsCurrent).
    const tFpHi = fp.hi;
    const tFpLo = fp.lo;
    if (c !== t || !fpOfSuccessorReady) fingerprint(c);
    const found = table.insert(fp.hi, fp.lo, distinct);
    // A state already in canonical form cannot be told from it; any other is checked.
    if (c !== t && !(fpOfSuccessorReady ? fp.hi === tFpHi && fp.lo === tFpLo : sameWords(t, c))) {
      violation = asymmetry(t, c, false, found >= 0);
      if (violation !== null) return;
    }
    if (found >= 0) {
      if (keepGraph) {
        edgeTarget.push(found);
        edgeAction.push(action);
      }
      return;
    }
    const index = distinct++;
    parents.push(currentIndex);
    ordinals.push(ord);
    if (keepGraph) {
      edgeTarget.push(index);
      edgeAction.push(action);
    }
    discovered(c, index, currentDepth + 1);
  };

  const started = options.now();
  let lastProgress = started;
  const report = (now: number): void => {
    options.progress?.({ generated, distinct, queue: frontier.size, depth: depthMax, elapsedMs: now - started });
  };

  model.initial(emitInitial);
  const initialCount = distinct;

  while (violation === null && frontier.next()) {
    const s = frontier.state;
    current = s;
    currentIndex = frontier.index;
    currentDepth = frontier.depth;
    currentAbstractReady = false;
    if (encoding.kind === 'packed') currentWords = encoding.toWords(s);
    else {
      encoding.fingerprint(s, fp);
      currentFpHi = fp.hi;
      currentFpLo = fp.lo;
    }
    ordinal = 0;
    nonStutter = 0;
    if (keepGraph) {
      edgeStart.set(currentIndex, edgeTarget.length);
      expandedFlags.set(currentIndex, 1);
    }
    model.successors(s, emit);
    if (keepGraph) edgeCount.set(currentIndex, edgeTarget.length - (edgeStart.data[currentIndex] ?? 0));
    expanded++;
    if (nonStutter === 0) terminal++;
    if ((expanded & 1023) === 0 && options.progress !== undefined) {
      const now = options.now();
      if (now - lastProgress >= options.progressIntervalMs) {
        lastProgress = now;
        report(now);
      }
    }
  }
  const elapsedMs = options.now() - started;

  let graph: ExploredGraph | null = null;
  if (keepGraph) {
    // Per-state arrays are set sparsely; size them to every state.
    for (const g of [edgeStart, edgeCount, expandedFlags, predicateBits]) g.reserve(distinct);
    graph = {
      states: distinct,
      initialCount,
      edgeStart: edgeStart.data.subarray(0, distinct),
      edgeCount: edgeCount.data.subarray(0, distinct),
      edgeTarget: edgeTarget.data.subarray(0, edgeTarget.length),
      edgeAction: edgeAction.data.subarray(0, edgeAction.length),
      expanded: expandedFlags.data.subarray(0, distinct),
      predicates: predicateBits.data.subarray(0, distinct),
    };
  }
  const graphBytes = keepGraph
    ? edgeStart.bytes + edgeCount.bytes + expandedFlags.bytes + predicateBits.bytes + edgeTarget.bytes + edgeAction.bytes
    : 0;
  return {
    generated,
    distinct,
    depth: depthMax,
    queueLeft: frontier.size,
    expanded,
    cutOff,
    terminal,
    elapsedMs,
    tableSlots: table.capacity,
    tableBytes: table.bytes,
    checkerBytes: table.bytes + parents.bytes + ordinals.bytes + frontier.bytesPeak + graphBytes,
    parents: parents.data.subarray(0, parents.length),
    ordinals: ordinals.values(),
    graph,
    violation,
  };
}

/**
 * The successor ordinals that lead from an initial state to state `index`: the initial state's
 * ordinal among `Model.initial`'s emissions, then one ordinal per step.
 */
export function pathTo(exploration: Pick<Exploration, 'parents' | 'ordinals'>, index: number): number[] {
  const path: number[] = [];
  let i = index;
  while (true) {
    path.push(exploration.ordinals[i] ?? 0);
    const parent = exploration.parents[i] ?? noParent;
    if (parent === noParent) break;
    i = parent;
  }
  return path.reverse();
}
