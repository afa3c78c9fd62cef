import type { ResolvedModel } from './model.js';
import { illegal } from './model.js';
import { describeJson } from './json.js';
import type { ClientId, OpId, Operation } from './types.js';

/** One operation as an explanation shows it. */
export interface OperationSummary {
  readonly id: OpId;
  readonly client: ClientId;
  /** The model's description of the operation and its output. */
  readonly description: string;
  /** When it was called and returned (milliseconds, or event positions in an untimed history). */
  readonly callAt: number;
  /** Null when the operation never returned. */
  readonly returnAt: number | null;
  /** Source lines of the call and return (0 when unknown or absent). */
  readonly callLine: number;
  readonly returnLine: number;
  /** The history file of those lines, when several were merged; absent for one file. */
  readonly file?: string;
}

/** An operation that cannot come next after the prefix, and why. */
export interface StuckOperation {
  readonly id: OpId;
  readonly why: string;
}

/**
 * Why a history is not linearizable, shown on the part of the history that failed. The search
 * tried every order; this is the furthest it got: the longest prefix of the history it could
 * linearize, the operations one of which must come next (real time says so) but none of which the
 * model accepts there, and the real-time order among the operations involved.
 *
 * When the model's screen found, before any search, a returned operation whose output no order of
 * the part's operations can produce (`foundBy` 'outputScreen'), the violation is that operation
 * alone: `stuck` holds it with the model's reason, the prefix is empty and the state is the
 * initial one.
 */
export interface Violation {
  /** How it was found: by the search, or by the model's screen of outputs before the search. */
  readonly foundBy: 'search' | 'outputScreen';
  /** Which part of the partitioned history failed (0-based), of how many, and its size. */
  readonly partition: number;
  readonly partitionCount: number;
  readonly partitionOperations: number;
  /**
   * The longest linearizable prefix found (the first reached with the most returned operations),
   * in linearization order.
   */
  readonly prefix: readonly OpId[];
  /** The model state after the prefix, as the model describes it. */
  readonly stateAfterPrefix: string;
  /**
   * The operation not in the prefix that returned first: it returned before every operation
   * still ahead was called, so it or an operation concurrent with it must come next.
   */
  readonly returnedFirst: OpId;
  /** The operations that could come next by real time, none of which the model accepts there. */
  readonly stuck: readonly StuckOperation[];
  /** Real-time precedence among `operations` (a returned before b was called), transitively reduced. */
  readonly precedence: readonly (readonly [OpId, OpId])[];
  /** The operations involved: the stuck ones and the last ones of the prefix that overlap them. */
  readonly operations: readonly OperationSummary[];
  /** Whether intervals are milliseconds (true) or event positions of an untimed history (false). */
  readonly timed: boolean;
}

/** How many of the prefix's operations an explanation shows at most. */
const prefixShownMax = 16;

/** Builds the explanation for a part of a history the search found not linearizable. */
export function explainViolation<S, I, O>(
  ops: readonly Operation<I, O>[], model: ResolvedModel<S, I, O>,
  prefix: readonly number[], stateAfterPrefix: S,
  partition: { readonly index: number; readonly count: number }, timed: boolean,
): Violation {
  const inPrefix = new Uint8Array(ops.length);
  for (const i of prefix) inPrefix[i] = 1;
  // The returned operation outside the prefix with the earliest return, and every operation
  // outside the prefix called before it returned: exactly the ones that may come next.
  let first = -1;
  ops.forEach((op, i) => {
    if (inPrefix[i] === 1 || op.returnAt === Infinity) return;
    const f = ops[first];
    if (f === undefined || op.returnAt < f.returnAt) first = i;
  });
  const firstOp = ops[first];
  const cutoff = firstOp?.returnAt ?? Infinity;
  const stuck: number[] = [];
  ops.forEach((op, i) => {
    if (inPrefix[i] === 0 && op.callAt <= cutoff) stuck.push(i);
  });

  const why = (i: number): string => {
    const op = ops[i];
    if (op === undefined) return '';
    const after = model.step(stateAfterPrefix, op.input, op.output, op.client);
    if (after === illegal) {
      return op.output === undefined
        ? `never returned, and cannot take effect in state ${model.describeState(stateAfterPrefix)}`
        : `its output is not legal in state ${model.describeState(stateAfterPrefix)}`;
    }
    // The prefix has the most returned operations of any the search reached, so taking effect
    // here (state `after`) cannot unblock a returned operation either.
    return op.output === undefined
      ? `never returned; taking effect here (state becomes ${model.describeState(after)}) leaves the others stuck`
      : `legal here (state becomes ${model.describeState(after)}), but no order of the rest is`;
  };

  // The prefix's operations that overlap a stuck one could have been ordered after it instead.
  const overlapping = prefix.filter((i) => {
    const p = ops[i];
    return p !== undefined && stuck.some((s) => !((p.returnAt) < (ops[s]?.callAt ?? -Infinity)));
  });
  const lastOfPrefix = prefix.slice(-3);
  const relevantPrefix = [...new Set([...overlapping.slice(-prefixShownMax), ...lastOfPrefix])]
    .sort((a, b) => prefix.indexOf(a) - prefix.indexOf(b));
  const relevant = [...relevantPrefix, ...stuck];

  return {
    foundBy: 'search',
    partition: partition.index,
    partitionCount: partition.count,
    partitionOperations: ops.length,
    prefix: prefix.map((i) => ops[i]?.id ?? -1),
    stateAfterPrefix: model.describeState(stateAfterPrefix),
    returnedFirst: firstOp?.id ?? -1,
    stuck: stuck.map((i) => ({ id: ops[i]?.id ?? -1, why: why(i) })),
    precedence: precedenceEdges(relevant.map((i) => ops[i]).filter((op) => op !== undefined)),
    operations: relevant.map((i) => ops[i]).filter((op) => op !== undefined).map((op) => summarize(op, model)),
    timed,
  };
}

/**
 * Builds the explanation for a returned operation whose output the model's screen found
 * impossible (`why` says why): no order of the part's operations produces it, so no search is
 * needed.
 */
export function explainImpossibleOutput<S, I, O>(
  ops: readonly Operation<I, O>[], model: ResolvedModel<S, I, O>, impossible: Operation<I, O>, why: string,
  partition: { readonly index: number; readonly count: number }, timed: boolean,
): Violation {
  return {
    foundBy: 'outputScreen',
    partition: partition.index,
    partitionCount: partition.count,
    partitionOperations: ops.length,
    prefix: [],
    stateAfterPrefix: model.describeState(model.init()),
    returnedFirst: impossible.id,
    stuck: [{ id: impossible.id, why: `no order of the operations produces its output: ${why}` }],
    precedence: [],
    operations: [summarize(impossible, model)],
    timed,
  };
}

/** A summary of one operation for explanations. */
export function summarize<S, I, O>(op: Operation<I, O>, model: ResolvedModel<S, I, O>): OperationSummary {
  return {
    id: op.id,
    client: op.client,
    description: model.describeOperation(op.input, op.output),
    callAt: op.callAt,
    returnAt: op.returnAt === Infinity ? null : op.returnAt,
    callLine: op.callLine,
    returnLine: op.returnLine,
    ...(op.file === undefined ? {} : { file: op.file }),
  };
}

/** The real-time order among `ops` (a -> b when a returned before b was called), transitively reduced. */
export function precedenceEdges(ops: readonly Operation<unknown, unknown>[]): [OpId, OpId][] {
  const before = (a: Operation<unknown, unknown>, b: Operation<unknown, unknown>): boolean => a.returnAt < b.callAt;
  const edges: [OpId, OpId][] = [];
  for (const a of ops) {
    for (const b of ops) {
      if (!before(a, b)) continue;
      if (ops.some((c) => before(a, c) && before(c, b))) continue;
      edges.push([a.id, b.id]);
    }
  }
  return edges;
}

/** An explanation as lines of text for a person. */
export function formatViolation(v: Violation): string[] {
  const byId = new Map(v.operations.map((o) => [o.id, o]));
  const name = (id: OpId): string => `op ${describeJson(id)}`;
  const interval = (o: OperationSummary): string => {
    // Lines of a merged history are lines of the operation's own file, so they name it.
    const file = o.file === undefined ? '' : `${o.file} `;
    const lines = o.returnLine > 0 ? `${file}lines ${o.callLine}-${o.returnLine}`
      : o.callLine > 0 ? `${file}line ${o.callLine}, never returned` : '';
    const times = v.timed ? `${o.callAt}..${o.returnAt === null ? 'never returned' : `${o.returnAt}`} ms` : '';
    return [times, lines].filter((s) => s !== '').join(', ');
  };
  const show = (id: OpId): string => {
    const o = byId.get(id);
    return o === undefined ? name(id) : `${name(id)} client ${describeJson(o.client)}: ${o.description} [${interval(o)}]`;
  };
  const out: string[] = [];
  if (v.partitionCount > 1) {
    out.push(`in part ${v.partition + 1} of ${v.partitionCount} of the history (checked on its own; ${v.partitionOperations} operations):`);
  }
  if (v.foundBy === 'outputScreen') {
    for (const s of v.stuck) out.push(`${show(s.id)}: ${s.why}`);
    out.push('(found before the search: this output alone rules out every order of the operations)');
    return out;
  }
  out.push(`longest linearizable prefix found: ${v.prefix.length} of ${v.partitionOperations} operations; state after it: ${v.stateAfterPrefix}`);
  const shown = v.prefix.slice(-prefixShownMax);
  if (shown.length < v.prefix.length) out.push(`  ... ${v.prefix.length - shown.length} earlier operations`);
  for (const id of shown) out.push(`  ${byId.has(id) ? show(id) : name(id)}`);
  out.push(`the next operation must be one called before ${name(v.returnedFirst)} returned (the first to return outside the prefix); none can be:`);
  for (const s of v.stuck) out.push(`  ${show(s.id)}: ${s.why}`);
  if (v.precedence.length > 0) {
    out.push('real-time order among these (a -> b: a returned before b was called):');
    for (const [a, b] of v.precedence) out.push(`  ${describeJson(a)} -> ${describeJson(b)}`);
  } else {
    out.push('these operations all overlap in real time');
  }
  return out;
}
