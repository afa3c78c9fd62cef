import type { Result } from '../core/result.js';
import { describeJson, jsonEqual, jsonHash } from './json.js';
import type { ClientId, Operation } from './types.js';

/**
 * The value a model's step returns when an output is not legal in a state. A registered symbol, so
 * a model that imports another installed copy of ironfleet than the command running it agrees on it.
 */
export const illegal: unique symbol = Symbol.for('ironfleet.lin.illegal');

/** The type of `illegal`. */
export type Illegal = typeof illegal;

/**
 * A sequential specification the checker holds a history to: an initial state and a step that,
 * given a state, an operation's input and its observed output, says whether that output is legal
 * and what the next state is. States are values: a step must not change the state it is given.
 *
 * `S` is the state, `I` an operation's input, `O` its output.
 */
export interface Model<S, I = unknown, O = unknown> {
  /** A short name for messages, e.g. 'register'. */
  readonly name: string;
  /** The state before any operation. */
  readonly init: () => S;
  /**
   * One operation applied to `state`: the next state, or `illegal` when `output` cannot be what
   * the operation returns in `state`. `output` is undefined for an operation that never returned:
   * then the step says what the operation does if it took effect (or `illegal` if it cannot take
   * effect in `state`; the checker also considers it never taking effect). `client` is the caller,
   * for objects whose behaviour depends on who calls (a lock's holder).
   */
  readonly step: (state: S, input: I, output: O | undefined, client: ClientId) => S | Illegal;
  /**
   * Splits a history into independent sub-histories that are checked one by one
   * (P-compositionality: a history is linearizable when each part is). Every operation must land
   * in exactly one part. Omit it when operations cannot be separated.
   */
  readonly partition?: (operations: readonly Operation<I, O>[]) => readonly (readonly Operation<I, O>[])[];
  /** Whether two states are the same. Default: structural equality of JSON-like values. */
  readonly equal?: (a: S, b: S) => boolean;
  /**
   * A 32-bit hash of a state; equal states must hash equally. Default: a structural hash when
   * `equal` is also defaulted, otherwise a constant (states are then told apart by `equal` alone).
   */
  readonly hash?: (state: S) => number;
  /** A short description of an operation for explanations. Default: its input and output as JSON. */
  readonly describeOperation?: (input: I, output: O | undefined) => string;
  /** A short description of a state for explanations. Default: JSON. */
  readonly describeState?: (state: S) => string;
  /**
   * A screen for outputs that no sequential execution could produce, run before the search (the
   * checker's fast path). Given the inputs of every operation of one part of the history (those
   * that never returned included: they may have taken effect), it returns a function that says
   * why a returned operation's `output` cannot come from any order of any subset of those
   * operations starting in `init`, or undefined when it might. Such an output rules out every
   * linearization at once, so the search is not needed. It must be sound (never reject an output
   * some order produces); it need not be complete: the search decides what it lets through.
   * Example: a register read of a value that no operation writes and that is not the initial
   * value. Omit it when there is no cheap test.
   */
  readonly impossibleOutput?: (inputs: readonly I[]) => (input: I, output: O) => string | undefined;
}

/**
 * How a model reads operations from a history file: turns the JSON of an input and of an output
 * into the model's types, or says what is wrong with them.
 */
export interface HistoryCodec<I, O> {
  readonly decodeInput: (value: unknown) => Result<I, string>;
  readonly decodeOutput: (value: unknown, input: I) => Result<O, string>;
}

/** A model that can also read its operations from history files (every built-in model is one). */
export type FileModel<S, I, O> = Model<S, I, O> & HistoryCodec<I, O>;

/**
 * A partition function that groups operations by a key of their input (for a key-value store,
 * the key), in the order each key first appears.
 */
export function partitionBy<I, O>(
  keyOf: (input: I) => unknown,
): (operations: readonly Operation<I, O>[]) => Operation<I, O>[][] {
  return (operations) => {
    const parts = new Map<unknown, Operation<I, O>[]>();
    for (const op of operations) {
      const key = keyOf(op.input);
      const part = parts.get(key);
      if (part === undefined) parts.set(key, [op]);
      else part.push(op);
    }
    return [...parts.values()];
  };
}

/** A model with every optional part filled in, as the checker uses it. */
export interface ResolvedModel<S, I, O> {
  readonly name: string;
  readonly init: () => S;
  readonly step: (state: S, input: I, output: O | undefined, client: ClientId) => S | Illegal;
  readonly equal: (a: S, b: S) => boolean;
  readonly hash: (state: S) => number;
  readonly describeOperation: (input: I, output: O | undefined) => string;
  readonly describeState: (state: S) => string;
  /** The model's screen (see `Model.impossibleOutput`); one that lets every output through when it has none. */
  readonly impossibleOutput: (inputs: readonly I[]) => (input: I, output: O) => string | undefined;
}

/** Fills in a model's defaults (see the `Model` fields). */
export function resolveModel<S, I, O>(model: Model<S, I, O>): ResolvedModel<S, I, O> {
  const equal = model.equal ?? jsonEqual;
  const hash = model.hash ?? (model.equal === undefined ? jsonHash : () => 0);
  return {
    name: model.name,
    init: model.init,
    step: model.step,
    equal,
    hash,
    describeOperation: model.describeOperation ??
      ((input, output) => `${describeJson(input)} -> ${output === undefined ? '(no return)' : describeJson(output)}`),
    describeState: model.describeState ?? describeJson,
    impossibleOutput: model.impossibleOutput ?? (() => () => undefined),
  };
}
