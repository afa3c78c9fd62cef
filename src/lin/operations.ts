import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { describeJson } from './json.js';
import type { ClientId, HistoryEvent, MalformedHistory, OpId, Operation } from './types.js';
import { malformed } from './types.js';

/**
 * Builds the operations of a history from its events and checks that the history is well formed:
 * every return follows a call of the same id, ids are unique, each client runs one operation at a
 * time, and times are given on every event or on none. Operations come out in the order of their
 * calls.
 */
export function buildOperations<I, O>(events: readonly HistoryEvent<I, O>[]): Result<Operation<I, O>[], MalformedHistory> {
  const lineOf = (i: number): number => events[i]?.line ?? i + 1;
  const timed = events[0]?.time !== undefined;
  for (let i = 0; i < events.length; i++) {
    if ((events[i]?.time !== undefined) !== timed) {
      const [withTime, without] = timed ? [0, i] : [i, 0];
      return malformed('mixedTimes', lineOf(i),
        `line ${lineOf(without)} has no "time" but line ${lineOf(withTime)} does: give every event a time, or none`);
    }
  }
  // Where each id is first called, so a return that comes early can be told from one with no call.
  const firstCall = new Map<OpId, number>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e?.type === 'call' && !firstCall.has(e.id)) firstCall.set(e.id, i);
  }

  interface Building { call: number; returnIndex: number }
  const building = new Map<OpId, Building>();
  const order: OpId[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e === undefined) continue;
    if (e.type === 'call') {
      const first = building.get(e.id);
      if (first !== undefined) {
        return malformed('duplicateId', lineOf(i), `operation ${describeJson(e.id)} is called again (first called on line ${lineOf(first.call)})`);
      }
      building.set(e.id, { call: i, returnIndex: -1 });
      order.push(e.id);
      continue;
    }
    const op = building.get(e.id);
    if (op !== undefined && op.returnIndex < 0) {
      const callTime = events[op.call]?.time;
      if (e.time === undefined || callTime === undefined || e.time >= callTime) {
        op.returnIndex = i;
        continue;
      }
    }
    // Something is wrong with this return: say what.
    const line = lineOf(i);
    const id = describeJson(e.id);
    if (op === undefined) {
      const later = firstCall.get(e.id);
      return later === undefined
        ? malformed('returnWithoutCall', line, `operation ${id} returns but was never called`)
        : malformed('returnBeforeCall', line, `operation ${id} returns before its call (on line ${lineOf(later)})`);
    }
    if (op.returnIndex >= 0) return malformed('duplicateReturn', line, `operation ${id} returns again (first returned on line ${lineOf(op.returnIndex)})`);
    // What is left: it returns at a time before its call's.
    const callTime = events[op.call]?.time ?? 0;
    return malformed('returnBeforeCall', line,
      `operation ${id} returns at time ${e.time ?? 0}, before its call at time ${callTime} (line ${lineOf(op.call)})`);
  }

  const operations: Operation<I, O>[] = [];
  for (const id of order) {
    const b = building.get(id);
    const call = b === undefined ? undefined : events[b.call];
    if (b === undefined || call?.type !== 'call') continue;
    const ret = b.returnIndex >= 0 ? events[b.returnIndex] : undefined;
    const returned = ret?.type === 'return' ? ret : undefined;
    operations.push({
      id,
      client: call.client,
      input: call.op,
      output: returned?.output,
      callAt: call.time ?? b.call,
      returnAt: returned === undefined ? Infinity : returned.time ?? b.returnIndex,
      callLine: lineOf(b.call),
      returnLine: returned === undefined ? 0 : lineOf(b.returnIndex),
    });
  }
  const overlap = findOverlappingCalls(operations);
  return overlap === undefined ? ok(operations) : err(overlap);
}

/** The first call a client makes while another of its operations is outstanding, if any. */
function findOverlappingCalls(operations: readonly Operation<unknown, unknown>[]): MalformedHistory | undefined {
  const byClient = new Map<ClientId, Operation<unknown, unknown>[]>();
  for (const op of operations) {
    const list = byClient.get(op.client);
    if (list === undefined) byClient.set(op.client, [op]);
    else list.push(op);
  }
  let first: MalformedHistory | undefined;
  for (const [client, ops] of byClient) {
    ops.sort((a, b) => a.callAt - b.callAt || a.callLine - b.callLine);
    for (let i = 1; i < ops.length; i++) {
      const prev = ops[i - 1];
      const next = ops[i];
      if (prev === undefined || next === undefined || prev.returnAt <= next.callAt) continue;
      const why = prev.returnAt === Infinity
        ? 'never returned (a client that gives up on an operation continues under a new client id)'
        : `had not returned (it returns on line ${prev.returnLine})`;
      const found: MalformedHistory = {
        reason: 'overlappingCalls',
        line: next.callLine,
        message: `client ${describeJson(client)} calls operation ${describeJson(next.id)} while its operation ` +
          `${describeJson(prev.id)} (called on line ${prev.callLine}) ${why}`,
      };
      if (first === undefined || found.line < first.line) first = found;
      break;
    }
  }
  return first;
}

/**
 * The most operations open at one instant: called and not yet returned (an operation that never
 * returned stays open for good). Operations that meet at an instant count as open together, as
 * the checker treats them as concurrent. The search's cost grows exponentially in this number
 * (see `searchStepsBound`), not in the history's length.
 */
export function maxConcurrency(operations: readonly Operation<unknown, unknown>[]): number {
  const events: { readonly at: number; readonly delta: number }[] = [];
  for (const op of operations) {
    events.push({ at: op.callAt, delta: 1 });
    if (op.returnAt !== Infinity) events.push({ at: op.returnAt, delta: -1 });
  }
  // Calls before returns at equal times.
  events.sort((a, b) => a.at - b.at || b.delta - a.delta);
  let open = 0;
  let most = 0;
  for (const e of events) {
    open += e.delta;
    if (open > most) most = open;
  }
  return most;
}
