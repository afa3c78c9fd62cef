import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostId } from '../../framework/types.js';
import { sameRequestList } from './equality.js';
import type { RequestList } from './request-list.js';
import {
  appended, concatenated, droppedRequestsMax, firstRequests, holdsRequest, SharedRequestList, withoutFirst, withoutSuperseded,
} from './request-list.js';
import type { Request } from './types.js';

const clients = ['c0', 'c1', 'c2', 'c3'];
// A few payload arrays shared between requests, so that identical requests (same array) occur.
const payloads = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(1)];
const requestArb: fc.Arbitrary<Request> = fc.tuple(fc.constantFrom(...clients), fc.nat(6), fc.constantFrom(...payloads))
  .map(([client, seqno, payload]) => ({ client, seqno, payload }));

/** One operation on a list; `from` picks which earlier version it applies to (versions branch). */
type Op =
  | { readonly kind: 'append'; readonly from: number; readonly r: Request }
  | { readonly kind: 'drop'; readonly from: number; readonly n: number }
  | { readonly kind: 'concat'; readonly from: number; readonly other: number }
  | { readonly kind: 'supersede'; readonly from: number; readonly batch: readonly Request[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), from: fc.nat(), r: requestArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), from: fc.nat(), n: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('concat' as const), from: fc.nat(), other: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('supersede' as const), from: fc.nat(), batch: fc.array(requestArb, { maxLength: 3 }) }) },
);

function highestOf(batch: readonly Request[]): Map<HostId, number> {
  const highest = new Map<HostId, number>();
  for (const r of batch) highest.set(r.client, Math.max(highest.get(r.client) ?? -1, r.seqno));
  return highest;
}

/** The plain-array meaning of each operation: what a shared list must hold after it. */
function applyPlain(op: Op, list: readonly Request[], other: readonly Request[]): readonly Request[] {
  switch (op.kind) {
    case 'append': return [...list, op.r];
    case 'drop': return list.slice(op.n);
    case 'concat': return [...list, ...other];
    case 'supersede': {
      const highest = highestOf(op.batch);
      return list.filter((r) => r.seqno > (highest.get(r.client) ?? -1));
    }
  }
}

function applyShared(op: Op, list: RequestList, other: RequestList): RequestList {
  switch (op.kind) {
    case 'append': return appended(list, op.r);
    case 'drop': return withoutFirst(list, op.n);
    case 'concat': return concatenated(list, other);
    case 'supersede': return withoutSuperseded(list, highestOf(op.batch));
  }
}

/** Whether two plain lists hold equal requests (client, seqno, payload bytes), in order. */
function plainSame(a: readonly Request[], b: readonly Request[]): boolean {
  return a.length === b.length && a.every((r, i) => {
    const q = b[i];
    return q !== undefined && r.client === q.client && r.seqno === q.seqno && r.payload.join() === q.payload.join();
  });
}

describe('SharedRequestList', () => {
  it('holds what an array given the same operations holds, on every branch, and compares as arrays do', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
      const shared: RequestList[] = [SharedRequestList.empty()];
      const plain: (readonly Request[])[] = [[]];
      for (const op of ops) {
        const from = op.from % shared.length;
        const other = op.kind === 'concat' ? op.other % shared.length : from;
        const next = applyShared(op, shared[from] ?? [], shared[other] ?? []);
        const expected = applyPlain(op, plain[from] ?? [], plain[other] ?? []);
        expect(next).toBeInstanceOf(SharedRequestList);
        shared.push(next);
        plain.push(expected);
      }
      // Every version still holds what it held when made: later operations on other branches share its buffer.
      for (let i = 0; i < shared.length; i++) {
        const list = shared[i] ?? [];
        const expected = plain[i] ?? [];
        expect(list.length).toBe(expected.length);
        expect([...list]).toEqual(expected);
        expect(list.map((r, k) => `${k}:${r.client}#${r.seqno}`)).toEqual(expected.map((r, k) => `${k}:${r.client}#${r.seqno}`));
        expect(firstRequests(list, 2)).toEqual(expected.slice(0, 2));
        if (list instanceof SharedRequestList) {
          // Equal, not necessarily the same object: an identical request appended on another branch is shared.
          for (let k = -1; k <= expected.length; k++) expect(list.at(k)).toEqual(expected[k]);
          expect(list.slice(1, 3)).toEqual(expected.slice(1, 3));
        }
        for (const client of clients) {
          for (let seqno = 0; seqno <= 6; seqno++) {
            expect(holdsRequest(list, client, seqno)).toBe(expected.some((r) => r.client === client && r.seqno === seqno));
          }
        }
        for (let j = 0; j < shared.length; j++) {
          expect(sameRequestList(list, shared[j] ?? [])).toBe(plainSame(expected, plain[j] ?? []));
          expect(sameRequestList(list, plain[j] ?? [])).toBe(plainSame(expected, plain[j] ?? []));
        }
      }
    }), { seed: 11, numRuns: 300 });
  });

  it('keeps plain arrays plain', () => {
    const r: Request = { client: 'c0', seqno: 1, payload: Uint8Array.of(1) };
    expect(appended([], r)).toEqual([r]);
    expect(concatenated([r], [r])).toEqual([r, r]);
    expect(withoutFirst([r, r], 1)).toEqual([r]);
    expect(withoutSuperseded([r], new Map([['c0', 1]]))).toEqual([]);
    expect(withoutSuperseded([r], new Map([['c0', 0]]))).toEqual([r]);
  });

  it('two lists derived from one with identical requests share their window and compare at once', () => {
    const payload = Uint8Array.of(7);
    const start = SharedRequestList.of([{ client: 'c0', seqno: 1, payload }]);
    // The implementation appends first, then the protocol appends its own copy of the same request.
    const impl = start.append({ client: 'c1', seqno: 4, payload });
    const protocol = start.append({ client: 'c1', seqno: 4, payload });
    expect(impl.sharesWindow(protocol)).toBe(true);
    expect(impl.dropFirst(1).sharesWindow(protocol.dropFirst(1))).toBe(true);
    // A different request at that place (another payload array) is a copy, which holds what it should.
    const other = start.append({ client: 'c1', seqno: 4, payload: Uint8Array.of(7) });
    expect(other.sharesWindow(impl)).toBe(false);
    expect(sameRequestList(other, impl)).toBe(true);
    const differs = start.append({ client: 'c1', seqno: 5, payload });
    expect(sameRequestList(differs, impl)).toBe(false);
    expect(differs.map((r) => r.seqno)).toEqual([1, 5]);
    expect(impl.map((r) => r.seqno)).toEqual([1, 4]);
  });

  it('removing executed requests from the front drops a prefix; from elsewhere, copies', () => {
    const payload = Uint8Array.of(0);
    const list = SharedRequestList.of(['c0', 'c1', 'c2', 'c3'].map((client) => ({ client, seqno: 1, payload })));
    const prefix = list.withoutSuperseded(new Map([['c1', 1], ['c0', 1]]));
    expect(prefix.sharesWindow(list.dropFirst(2))).toBe(true);
    const middle = list.withoutSuperseded(new Map([['c2', 3]]));
    expect(middle.map((r) => r.client)).toEqual(['c0', 'c1', 'c3']);
    expect(list.withoutSuperseded(new Map([['c2', 0]]))).toBe(list);
  });

  it('copies the live requests to a new buffer once more than droppedRequestsMax were dropped', () => {
    const payload = Uint8Array.of(0);
    let list = SharedRequestList.empty();
    const total = 3 * droppedRequestsMax;
    for (let i = 0; i < total; i++) list = list.append({ client: `c${i % 5}`, seqno: i, payload });
    let dropped = 0;
    let compactions = 0;
    while (list.length > 10) {
      const next = list.dropFirst(7);
      dropped += 7;
      if (!next.sharesWindow(list.dropFirst(7))) compactions++;
      list = next;
      expect(list.at(0)?.seqno).toBe(dropped);
      expect(list.has(`c${dropped % 5}`, dropped)).toBe(true);
      expect(list.has(`c${(dropped - 1) % 5}`, dropped - 1)).toBe(false);
    }
    expect(compactions).toBeGreaterThan(0);
    expect(list.map((r) => r.seqno)).toEqual(Array.from({ length: total - dropped }, (_, i) => dropped + i));
  });
});
