import type { Model } from './model.js';
import { illegal, resolveModel } from './model.js';
import { maxConcurrency } from './operations.js';
import { searchStepsBound } from './search.js';
import type { ClientId, HistoryEvent, OpId, Operation } from './types.js';

/**
 * Helpers for tests of the checker: a compact way to write timed histories by hand, a check that a
 * witness order really linearizes a history, and a brute-force decision procedure to compare the
 * search against on small histories.
 */

/** One operation written by hand: client, input, output (undefined: never returned), call and return times. */
export type OpSpec<I, O> = readonly [client: ClientId, input: I, output: O | undefined, callMs: number, returnMs?: number | undefined];

/** A timed history from operation specs; ids are 1, 2, ... in spec order. */
export function historyOf<I, O>(specs: readonly OpSpec<I, O>[]): HistoryEvent<I, O>[] {
  const timeline: { at: number; kind: number; event: HistoryEvent<I, O> }[] = [];
  specs.forEach(([client, input, output, callMs, returnMs], k) => {
    const id = k + 1;
    timeline.push({ at: callMs, kind: 0, event: { type: 'call', id, client, op: input, time: callMs } });
    if (output !== undefined && returnMs !== undefined) {
      timeline.push({ at: returnMs, kind: 1, event: { type: 'return', id, output, time: returnMs } });
    }
  });
  timeline.sort((a, b) => a.at - b.at || a.kind - b.kind);
  return timeline.map((e) => e.event);
}

/**
 * Whether `order` (ids) linearizes `ops`: it contains every returned operation and perhaps some
 * that never returned, each once, respects real time, and the model accepts it step by step.
 */
export function isWitness<S, I, O>(ops: readonly Operation<I, O>[], order: readonly OpId[], model: Model<S, I, O>): boolean {
  const byId = new Map(ops.map((op) => [op.id, op]));
  const resolved = resolveModel(model);
  const placed = new Set<OpId>();
  let state = resolved.init();
  for (const id of order) {
    const op = byId.get(id);
    if (op === undefined || placed.has(id)) return false;
    // Every operation that returned before this one was called must already be placed.
    for (const other of ops) if (other.returnAt < op.callAt && !placed.has(other.id)) return false;
    const next = resolved.step(state, op.input, op.output, op.client);
    if (next === illegal) return false;
    state = next;
    placed.add(id);
  }
  return ops.every((op) => op.returnAt === Infinity || placed.has(op.id));
}

/** Decides linearizability by trying every order (exponential: for a handful of operations only). */
export function bruteForceLinearizable<S, I, O>(ops: readonly Operation<I, O>[], model: Model<S, I, O>): boolean {
  const resolved = resolveModel(model);
  const placed = new Array<boolean>(ops.length).fill(false);
  const go = (state: S): boolean => {
    if (ops.every((op, i) => placed[i] === true || op.returnAt === Infinity)) return true;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op === undefined || placed[i] === true) continue;
      // op can go next only if no unplaced operation returned before op was called.
      if (ops.some((other, j) => placed[j] !== true && other.returnAt < op.callAt)) continue;
      const next = resolved.step(state, op.input, op.output, op.client);
      if (next === illegal) continue;
      placed[i] = true;
      const found = go(next);
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return go(resolved.init());
}

/**
 * A budget of search steps that checking `ops` against `model` cannot exceed (`searchStepsBound`
 * summed over the model's parts), so a check given it as `stepsMax` never answers unknown.
 * `statesOf(concurrency)` is the model's bound on the states one set of operations can end in.
 */
export function stepsBudget<S, I, O>(
  ops: readonly Operation<I, O>[], model: Model<S, I, O>, statesOf: (concurrency: number) => number,
): number {
  const parts = model.partition === undefined ? [ops] : model.partition(ops);
  return parts.reduce((sum, part) => {
    const concurrency = maxConcurrency(part);
    return sum + searchStepsBound({ operations: part.length, concurrency, states: statesOf(concurrency) });
  }, 0);
}
