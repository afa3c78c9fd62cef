import { assert } from '../core/assert.js';
import { Prng } from '../core/prng.js';
import { OpSet, VisitedSet } from './cache.js';
import type { ResolvedModel } from './model.js';
import { illegal } from './model.js';
import type { Operation } from './types.js';

/**
 * The linearizability search for one independent part of a history: Wing & Gong's search with
 * Lowe's "just-in-time linearization" and cache of configurations, as in Porcupine.
 *
 * The calls and returns of all operations sit in one list in real-time order. The search walks it
 * from the front: at a call it tries to linearize that operation now (the model step must accept
 * its output); if that works and the configuration (linearized set, state) is new, the operation's
 * call and return leave the list and the walk restarts from the front. Reaching a return means the
 * operation that returned there must have been linearized before everything still ahead, so the
 * last choice is undone and the walk moves past it. Operations that never returned have no return
 * in the list: they may be linearized anywhere after their call, and need not be linearized at all.
 */

/** Limits on one search. */
export interface SearchLimits {
  /** The clock, in milliseconds. */
  readonly now: () => number;
  /** The search gives up (verdict unknown) when `now()` passes this. */
  readonly deadlineMs: number;
  /** The search gives up (verdict unknown) when its cache holds about this many bytes. */
  readonly cacheBytesMax: number;
  /**
   * The search gives up (verdict unknown) after this many steps (loop iterations). A budget that
   * depends on the history alone, never on the machine's speed or load.
   */
  readonly stepsMax: number;
}

/** Counts from one search, for reports and benchmarks. */
export interface SearchCounts {
  /** Iterations of the search loop: linearization attempts plus backtracks. */
  readonly steps: number;
  /** Configurations held in the cache at the end. */
  readonly cacheEntries: number;
}

/** What the search concluded about one part of a history; operations are indices into it. */
export type SearchOutcome<S> =
  | { readonly kind: 'linearizable'; readonly order: readonly number[]; readonly counts: SearchCounts }
  | {
    readonly kind: 'notLinearizable';
    /**
     * The longest linearizable prefix found (by returned operations in it; the first such found),
     * in linearization order.
     */
    readonly prefix: readonly number[];
    /** The model state after `prefix`. */
    readonly stateAfterPrefix: S;
    readonly counts: SearchCounts;
  }
  | { readonly kind: 'unknown'; readonly reason: SearchLimitReason; readonly counts: SearchCounts };

/** Which limit stopped a search: the clock, the cache's bytes, or the budget of steps. */
export type SearchLimitReason = 'timeLimit' | 'memoryLimit' | 'stepLimit';

/** How many loop iterations pass between looks at the clock. */
const clockCheckIntervalSteps = 1024;

/** The per-operation random words whose xor is the hash of a linearized set (Zobrist hashing). */
function zobristWords(n: number): Int32Array {
  const prng = new Prng(0x11ea_5eed);
  const words = new Int32Array(n);
  for (let i = 0; i < n; i++) words[i] = prng.nextU32() | 0;
  return words;
}

/**
 * An upper bound on the steps the search takes on one part of a history, from the part's shape:
 * `operations` in it; `concurrency`, the most operations open at one instant (called and not yet
 * returned, or never returning; see `maxConcurrency`); and `states`, the most distinct model
 * states in which the linearizations of one set of operations can end (a register: concurrency +
 * 1, the maximal writes overlap pairwise so at most `concurrency` of them can come last, or none;
 * a counter: 1).
 *
 * Why it holds. The search tries an operation only when every operation that returned before its
 * call is linearized, so every linearized set it reaches is closed under real-time order. Such a
 * set is fixed by the returned operation outside it that returns first (or none) and by which of
 * the operations open at that return are in it (all that returned earlier are in, all called
 * later are out): at most (operations + 1) * 2^concurrency sets, each cached with at most
 * `states` states, which bounds the pushes; backtracks are no more than pushes. Between two
 * pushes or backtracks the walk passes only calls ahead of the first return in its list, and
 * those operations are open at that return: at most `concurrency` of them.
 */
export function searchStepsBound(shape: { readonly operations: number; readonly concurrency: number; readonly states: number }): number {
  const { operations, concurrency, states } = shape;
  return (2 * (operations + 1) * 2 ** concurrency * states + 1) * (concurrency + 1);
}

/** Decides whether `ops` (one independent part of a history) is linearizable under `model`. */
export function searchPartition<S, I, O>(
  ops: readonly Operation<I, O>[], model: ResolvedModel<S, I, O>, limits: SearchLimits,
): SearchOutcome<S> {
  const n = ops.length;
  const inputs = ops.map((op) => op.input);
  const outputs = ops.map((op) => op.output);
  const clients = ops.map((op) => op.client);
  const returned = new Uint8Array(n);
  let completedCount = 0;
  for (let i = 0; i < n; i++) {
    if ((ops[i]?.returnAt ?? Infinity) !== Infinity) {
      returned[i] = 1;
      completedCount++;
    }
  }

  // The event list in real-time order: position p holds the call (kind 0) or return (kind 1) of
  // operation opAt[p]. At equal times calls come first, so operations that meet at an instant
  // count as concurrent.
  const entryCount = n + completedCount;
  const order: { at: number; kind: number; op: number }[] = [];
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    if (op === undefined) continue;
    order.push({ at: op.callAt, kind: 0, op: i });
    if (returned[i] === 1) order.push({ at: op.returnAt, kind: 1, op: i });
  }
  order.sort((a, b) => a.at - b.at || a.kind - b.kind || a.op - b.op);
  assert(order.length === entryCount, 'one entry per call and per return');
  const opAt = new Int32Array(entryCount);
  const isReturnAt = new Uint8Array(entryCount);
  const callPos = new Int32Array(n);
  const returnPos = new Int32Array(n).fill(-1);
  order.forEach((e, p) => {
    opAt[p] = e.op;
    isReturnAt[p] = e.kind;
    if (e.kind === 0) callPos[e.op] = p;
    else returnPos[e.op] = p;
  });

  // A doubly linked list over positions, with sentinels head = entryCount and tail = entryCount + 1.
  const head = entryCount;
  const tail = entryCount + 1;
  const next = new Int32Array(entryCount + 2);
  const prev = new Int32Array(entryCount + 2);
  for (let p = 0; p < entryCount; p++) {
    next[p] = p + 1;
    prev[p] = p - 1;
  }
  if (entryCount > 0) prev[0] = head;
  next[head] = entryCount > 0 ? 0 : tail;
  prev[tail] = entryCount > 0 ? entryCount - 1 : head;
  if (entryCount > 0) next[entryCount - 1] = tail;
  next[tail] = tail;
  prev[head] = head;

  const unlink = (p: number): void => {
    const a = prev[p] ?? head;
    const b = next[p] ?? tail;
    next[a] = b;
    prev[b] = a;
  };
  const relink = (p: number): void => {
    next[prev[p] ?? head] = p;
    prev[next[p] ?? tail] = p;
  };
  const lift = (i: number): void => {
    unlink(callPos[i] ?? 0);
    const r = returnPos[i] ?? -1;
    if (r >= 0) unlink(r);
  };
  // Undoes lift(i); correct because lifts are undone in the reverse order they happened.
  const unlift = (i: number): void => {
    const r = returnPos[i] ?? -1;
    if (r >= 0) relink(r);
    relink(callPos[i] ?? 0);
  };

  const zobrist = zobristWords(n);
  const linearized = new OpSet(n);
  const cache = new VisitedSet<S>(model.equal);
  const { step, hash, equal } = model;

  // The stack of linearized operations and the state before each.
  const stackOp = new Int32Array(n);
  const stackState: S[] = [];
  let depth = 0;
  let state = model.init();
  let bitsHash = 0;
  let linearizedCompleted = 0;

  // The first prefix reached with the most returned operations in it. Invariant: stackOp[0,
  // sameAsBest) equals best[0, sameAsBest), so a new record copies only what was pushed since the
  // stack last diverged from it.
  const best = new Int32Array(n);
  let bestLength = 0;
  let bestCompleted = 0;
  let bestState = state;
  let sameAsBest = 0;

  let steps = 0;
  const counts = (): SearchCounts => ({ steps, cacheEntries: cache.size });
  let p = next[head] ?? tail;
  for (;;) {
    if (linearizedCompleted === completedCount) {
      return { kind: 'linearizable', order: Array.from(stackOp.subarray(0, depth)), counts: counts() };
    }
    if (steps >= limits.stepsMax) return { kind: 'unknown', reason: 'stepLimit', counts: counts() };
    steps++;
    if (steps % clockCheckIntervalSteps === 0 && limits.now() > limits.deadlineMs) {
      return { kind: 'unknown', reason: 'timeLimit', counts: counts() };
    }
    if (p < entryCount && isReturnAt[p] === 0) {
      const i = opAt[p] ?? 0;
      const nextState = step(state, inputs[i] as I, outputs[i], clients[i] ?? 0);
      // An operation that never returned and would change nothing here is not linearized here:
      // any order using it at this point stays legal without it, so that branch adds nothing.
      if (nextState !== illegal && (returned[i] === 1 || !equal(nextState, state))) {
        linearized.add(i);
        const nextHash = bitsHash ^ (zobrist[i] ?? 0);
        if (cache.add(nextHash ^ Math.imul(hash(nextState), 0x9e37_79b1), linearized, nextState)) {
          stackOp[depth] = i;
          stackState[depth] = state;
          depth++;
          state = nextState;
          bitsHash = nextHash;
          if (returned[i] === 1) linearizedCompleted++;
          lift(i);
          if (linearizedCompleted > bestCompleted) {
            best.set(stackOp.subarray(sameAsBest, depth), sameAsBest);
            bestLength = depth;
            bestCompleted = linearizedCompleted;
            sameAsBest = depth;
            bestState = state;
          }
          if (cache.bytes > limits.cacheBytesMax) return { kind: 'unknown', reason: 'memoryLimit', counts: counts() };
          p = next[head] ?? tail;
          continue;
        }
        linearized.remove(i);
      }
      p = next[p] ?? tail;
      continue;
    }
    // A return (never the tail: some returned operation is not yet linearized, and its return is
    // still in the list): whatever returned here had to be linearized earlier. Undo the last choice.
    assert(p < entryCount, 'the walk reached the end with returned operations left');
    if (depth === 0) {
      return {
        kind: 'notLinearizable',
        prefix: Array.from(best.subarray(0, bestLength)),
        stateAfterPrefix: bestState,
        counts: counts(),
      };
    }
    depth--;
    const i = stackOp[depth] ?? 0;
    state = stackState[depth] as S;
    if (depth < sameAsBest) sameAsBest = depth;
    linearized.remove(i);
    bitsHash ^= zobrist[i] ?? 0;
    if (returned[i] === 1) linearizedCompleted--;
    unlift(i);
    p = next[callPos[i] ?? 0] ?? tail;
  }
}
