import { performance } from 'node:perf_hooks';
import { assert, unreachable } from '../core/assert.js';
import type { Violation } from './explain.js';
import { explainImpossibleOutput, explainViolation } from './explain.js';
import { decodeOperations } from './decode.js';
import { parseHistory } from './format.js';
import type { FileModel, Model } from './model.js';
import { resolveModel } from './model.js';
import type { HistoryFile } from './merge.js';
import { decodeHistories } from './merge.js';
import { buildOperations } from './operations.js';
import type { SearchCounts, SearchLimitReason } from './search.js';
import { searchPartition } from './search.js';
import type { HistoryEvent, MalformedHistory, OpId, Operation } from './types.js';
import { isPending } from './types.js';

/** Options for a check. */
export interface CheckOptions {
  /**
   * Give up with verdict unknown after this many milliseconds. Default: no limit. Where a verdict
   * must not depend on the machine's speed or load (tests, simulation), use `stepsMax` instead.
   */
  readonly timeLimitMs?: number;
  /**
   * Give up with verdict unknown after this many search steps (iterations of the search loop,
   * summed over the parts searched). A deterministic budget: the verdict depends on the history
   * alone. Default: no limit.
   */
  readonly stepsMax?: number;
  /**
   * Whether to run the model's screen of outputs (`Model.impossibleOutput`) before the search, so
   * that an output no order can produce is a violation found without search. Default true; false
   * leaves every verdict to the search (for tests of the search itself).
   */
  readonly screenOutputs?: boolean;
  /**
   * Give up with verdict unknown when one part's search holds about this many bytes of explored
   * configurations. Default: `cacheBytesMaxDefault`.
   */
  readonly cacheBytesMax?: number;
  /** The clock, in milliseconds. Default: performance.now. */
  readonly now?: () => number;
  /**
   * Whether operations' `callAt`/`returnAt` are milliseconds (true) or event positions of an
   * untimed history (false); only changes how explanations show intervals. `checkHistory` sets it.
   */
  readonly timed?: boolean;
}

/** The default bound on the bytes of configurations held by one part's search (1 GiB). */
export const cacheBytesMaxDefault = 1024 * 1024 * 1024;

/** What a check counted. */
export interface CheckStats {
  readonly operations: number;
  /** Independent parts the model split the history into (1 when it does not partition). */
  readonly partitions: number;
  /**
   * Search loop iterations and cached configurations, summed over the parts searched (both 0 when
   * the screen of outputs decided before any search).
   */
  readonly steps: number;
  readonly cacheEntries: number;
  readonly elapsedMs: number;
}

/**
 * The verdict on a history.
 * - `linearizable`: some order of the operations, consistent with real time, is legal for the
 *   model; `witness` gives one per part (operations that never returned and took no effect in it
 *   are left out).
 * - `notLinearizable`: no such order exists; `violation` explains why.
 * - `unknown`: the time, memory or step limit came first.
 * - `malformed`: the history itself is broken (see MalformedHistory), which is not a verdict on
 *   the system that produced it.
 */
export type CheckResult =
  | { readonly kind: 'linearizable'; readonly stats: CheckStats; readonly witness: readonly (readonly OpId[])[] }
  | { readonly kind: 'notLinearizable'; readonly stats: CheckStats; readonly violation: Violation }
  | {
    readonly kind: 'unknown';
    readonly stats: CheckStats;
    readonly reason: SearchLimitReason;
    /** How many parts were decided (all linearizable) before the limit. */
    readonly partitionsDecided: number;
  }
  | { readonly kind: 'malformed'; readonly error: MalformedHistory };

/**
 * Checks a history of events (calls and returns, as a HistoryRecorder or parseHistory gives them)
 * for linearizability against `model`.
 */
export function checkHistory<S, I, O>(
  history: readonly HistoryEvent<I, O>[], model: Model<S, I, O>, options: CheckOptions = {},
): CheckResult {
  const ops = buildOperations(history);
  if (!ops.ok) return { kind: 'malformed', error: ops.error };
  const timed = history.length > 0 && history[0]?.time !== undefined;
  return checkOperations(ops.value, model, { ...options, timed: options.timed ?? timed });
}

/**
 * Checks the text of a history file (JSON lines, see format.ts) against a model that can read its
 * operations: parse, structural checks, decoding of each operation, then the search.
 */
export function checkHistoryText<S, I, O>(text: string, model: FileModel<S, I, O>, options: CheckOptions = {}): CheckResult {
  const parsed = parseHistory(text);
  if (!parsed.ok) return { kind: 'malformed', error: parsed.error };
  const built = buildOperations(parsed.value);
  if (!built.ok) return { kind: 'malformed', error: built.error };
  const decoded = decodeOperations(built.value, model);
  if (!decoded.ok) return { kind: 'malformed', error: decoded.error };
  const timed = parsed.value[0]?.time !== undefined;
  return checkOperations(decoded.value, model, { ...options, timed: options.timed ?? timed });
}

/**
 * Checks several history files as one history, merged by their times (see decodeHistories: every
 * event needs a time, ids and clients are namespaced by file, a malformed history names its file),
 * against a model that can read their operations.
 */
export function checkHistoryTexts<S, I, O>(
  files: readonly HistoryFile[], model: FileModel<S, I, O>, options: CheckOptions = {},
): CheckResult {
  const decoded = decodeHistories(files, model);
  if (!decoded.ok) return { kind: 'malformed', error: decoded.error };
  return checkOperations(decoded.value, model, { ...options, timed: true });
}

/**
 * Checks well-formed operations (as buildOperations gives them) for linearizability against
 * `model`, part by part when the model partitions histories. First the fast path: the model's
 * screen looks at every part for a returned operation whose output no order could produce (a read
 * of a value never written); the first found is the violation, without search. Then the parts are
 * searched one by one, stopping at the first that is not linearizable.
 */
export function checkOperations<S, I, O>(
  operations: readonly Operation<I, O>[], model: Model<S, I, O>, options: CheckOptions = {},
): Exclude<CheckResult, { kind: 'malformed' }> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const deadlineMs = started + (options.timeLimitMs ?? Infinity);
  const cacheBytesMax = options.cacheBytesMax ?? cacheBytesMaxDefault;
  const stepsMax = options.stepsMax ?? Infinity;
  assert(stepsMax >= 0, 'stepsMax is not negative');
  const timed = options.timed ?? true;
  const resolved = resolveModel(model);
  const parts = model.partition === undefined ? [operations] : model.partition(operations);
  assert(parts.reduce((sum, p) => sum + p.length, 0) === operations.length && new Set(parts.flat()).size === operations.length,
    () => `model ${model.name}: its partition must put every operation in exactly one part`);

  let steps = 0;
  let cacheEntries = 0;
  const stats = (): CheckStats => ({
    operations: operations.length, partitions: parts.length, steps, cacheEntries, elapsedMs: now() - started,
  });
  const add = (c: SearchCounts): void => {
    steps += c.steps;
    cacheEntries += c.cacheEntries;
  };
  if (options.screenOutputs ?? true) {
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index] ?? [];
      const found = impossibleOutput(part, resolved.impossibleOutput);
      if (found !== undefined) {
        const violation = explainImpossibleOutput(part, resolved, found.op, found.why, { index, count: parts.length }, timed);
        return { kind: 'notLinearizable', stats: stats(), violation };
      }
    }
  }
  const witness: OpId[][] = [];
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index] ?? [];
    const outcome = searchPartition(part, resolved, { now, deadlineMs, cacheBytesMax, stepsMax: stepsMax - steps });
    add(outcome.counts);
    switch (outcome.kind) {
      case 'linearizable':
        witness.push(outcome.order.map((i) => part[i]?.id ?? -1));
        break;
      case 'notLinearizable': {
        const violation = explainViolation(part, resolved, outcome.prefix, outcome.stateAfterPrefix,
          { index, count: parts.length }, timed);
        return { kind: 'notLinearizable', stats: stats(), violation };
      }
      case 'unknown':
        return { kind: 'unknown', stats: stats(), reason: outcome.reason, partitionsDecided: index };
      default:
        return unreachable(outcome, 'search outcome');
    }
  }
  return { kind: 'linearizable', stats: stats(), witness };
}

/**
 * The returned operation of `part` that returned first among those whose output the screen
 * rejects, with the screen's reason; undefined when it rejects none. Every operation's input goes
 * into the screen, those that never returned included, since they may have taken effect.
 */
function impossibleOutput<I, O>(
  part: readonly Operation<I, O>[], screenFor: (inputs: readonly I[]) => (input: I, output: O) => string | undefined,
): { readonly op: Operation<I, O>; readonly why: string } | undefined {
  const screen = screenFor(part.map((op) => op.input));
  let found: { readonly op: Operation<I, O>; readonly why: string } | undefined;
  for (const op of part) {
    if (isPending(op) || (found !== undefined && found.op.returnAt <= op.returnAt)) continue;
    const why = screen(op.input, op.output as O);
    if (why !== undefined) found = { op, why };
  }
  return found;
}
