import type { HistoryEvent, LinVerdict } from '../history.js';

/** A toy counter operation: add one (the shape src/lin's counter model reads). */
export interface CounterOp {
  readonly kind: 'add';
  readonly delta: 1;
}

/** What an add returns: the counter's value after it. */
export interface CounterResult {
  readonly value: number;
}

/**
 * Checks a history of add-one operations that return the new value against a counter starting at
 * 0. In a linearizable history: returned values are distinct positive integers; an operation that
 * returned before another was called returned the smaller value; and every value up to the
 * largest returned belongs to some operation, so values nobody saw need as many operations that
 * never returned (they may have taken effect). These conditions are necessary; they suffice for
 * the toy's tests, and a binding can use the full checker of src/lin instead.
 */
export function checkCounterHistory(history: readonly HistoryEvent<CounterOp, CounterResult>[]): LinVerdict {
  const calls = new Map<string, number>();
  const done: { callMs: number; returnMs: number; value: number; id: string }[] = [];
  for (const e of history) {
    const id = String(e.id);
    if (e.type === 'call') {
      if (calls.has(id)) return { kind: 'malformed', detail: `operation ${id} called twice` };
      calls.set(id, e.time ?? 0);
      continue;
    }
    const callMs = calls.get(id);
    if (callMs === undefined) return { kind: 'malformed', detail: `operation ${id} returned without a call` };
    const value = e.output.value;
    if (!Number.isInteger(value) || value < 1) return { kind: 'violation', detail: `operation ${id} returned ${value}` };
    done.push({ callMs, returnMs: e.time ?? 0, value, id });
  }
  const byValue = new Map<number, string>();
  for (const d of done) {
    const other = byValue.get(d.value);
    if (other !== undefined) return { kind: 'violation', detail: `operations ${other} and ${d.id} both returned ${d.value}` };
    byValue.set(d.value, d.id);
  }
  // Real-time order: sort by return time; for each operation, the largest value returned before
  // its call must be smaller than its own.
  const byReturn = [...done].sort((a, b) => a.returnMs - b.returnMs);
  const prefixMax: number[] = [];
  let best = 0;
  for (const d of byReturn) {
    best = Math.max(best, d.value);
    prefixMax.push(best);
  }
  for (const d of done) {
    let lo = 0;
    let hi = byReturn.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((byReturn[mid]?.returnMs ?? Infinity) < d.callMs) lo = mid + 1;
      else hi = mid;
    }
    const before = lo > 0 ? prefixMax[lo - 1] ?? 0 : 0;
    if (before >= d.value) {
      return { kind: 'violation', detail: `operation ${d.id} returned ${d.value}, but ${before} was returned before it was called` };
    }
  }
  const pending = calls.size - done.length;
  const unseen = best - done.length;
  if (unseen > pending) {
    return {
      kind: 'violation',
      detail: `values up to ${best} were handed out but only ${done.length} operations returned and ${pending} are pending: ` +
        `${unseen - pending} increments belong to no operation`,
    };
  }
  return { kind: 'linearizable' };
}
