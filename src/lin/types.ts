import { err } from '../core/result.js';

/**
 * The vocabulary of client histories: the events clients record (a call, later perhaps a return)
 * and the operations the checker builds from them.
 */

/** An operation's identity within one history: an integer or a string, unique per history. */
export type OpId = number | string;

/** A client's identity: a client runs one operation at a time. */
export type ClientId = number | string;

/**
 * A client invoked an operation. `op` is the operation's input as the model reads it.
 * `time` is in milliseconds; without it, the order of events is the real-time order.
 */
export interface CallEvent<I = unknown> {
  readonly type: 'call';
  readonly id: OpId;
  readonly client: ClientId;
  readonly op: I;
  readonly time?: number;
  /** The line the event was read from, so messages can point at it (not written out). */
  readonly line?: number;
}

/** An operation returned to its client with `output`. */
export interface ReturnEvent<O = unknown> {
  readonly type: 'return';
  readonly id: OpId;
  readonly output: O;
  readonly time?: number;
  /** The line the event was read from, so messages can point at it (not written out). */
  readonly line?: number;
}

/** One line of a history: a call or a return. */
export type HistoryEvent<I = unknown, O = unknown> = CallEvent<I> | ReturnEvent<O>;

/**
 * One operation of a well-formed history, with its real-time interval. `callAt` and `returnAt` are
 * times in milliseconds, or event positions when the history has no times; either way operation a
 * precedes operation b in real time exactly when `a.returnAt < b.callAt`. An operation that never
 * returned (its client crashed or gave up) has `returnAt` = Infinity and no output: it may have
 * taken effect at any point after its call, or never.
 */
export interface Operation<I = unknown, O = unknown> {
  readonly id: OpId;
  readonly client: ClientId;
  readonly input: I;
  /** The observed output; undefined exactly when the operation never returned. */
  readonly output: O | undefined;
  readonly callAt: number;
  readonly returnAt: number;
  /** Source lines of the call and the return (0 when unknown or absent), for messages. */
  readonly callLine: number;
  readonly returnLine: number;
  /**
   * The history file the operation was read from, when several were merged into one history
   * (see decodeHistories): the lines are that file's. Absent for a history of one file.
   */
  readonly file?: string;
}

/** True when the operation never returned. */
export function isPending(op: Operation<unknown, unknown>): boolean {
  return op.returnAt === Infinity;
}

/** Why a history is not well formed (as opposed to well formed but not linearizable). */
export type MalformedReason =
  | 'syntax'
  | 'field'
  | 'duplicateId'
  | 'duplicateReturn'
  | 'returnWithoutCall'
  | 'returnBeforeCall'
  | 'overlappingCalls'
  | 'mixedTimes'
  | 'untimed'
  | 'operation';

/** A malformed history: what is wrong and the line (1-based) where it shows. */
export interface MalformedHistory {
  readonly reason: MalformedReason;
  readonly line: number;
  readonly message: string;
  /** The file the line is in, when several history files were merged (see decodeHistories). */
  readonly file?: string;
}

/** A failed Result saying that a history is malformed: `reason` shows on `line`, as `message` says. */
export function malformed(reason: MalformedReason, line: number, message: string): { readonly ok: false; readonly error: MalformedHistory } {
  return err({ reason, line, message });
}
