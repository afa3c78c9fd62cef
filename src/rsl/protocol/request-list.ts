import type { HostId } from '../../framework/types.js';
import type { Request } from './types.js';

/**
 * Lists of requests that share structure with the lists they were made from, for the proposer's
 * queue and the election's request lists: a step appends a request or removes a few from the
 * front, and copying or comparing the whole list (hundreds of requests under load) on every step
 * would cost what the list holds rather than what the step changed.
 *
 * A `SharedRequestList` is immutable: a window `[start, end)` of a buffer of requests that is only
 * ever appended to, shared by every list derived from it. Appending to a list whose window ends at
 * the buffer's end pushes onto the buffer; appending to one whose window ends earlier (another
 * list appended there first) reuses the buffer when the request there is identical (same client,
 * seqno and payload array), and otherwise copies the window to a new buffer. So the refinement
 * monitor, which derives the protocol's next state from the implementation's state before a step
 * after the implementation made the same change, ends with the very window the implementation
 * holds, and two lists with the same buffer and window compare at once (`sharesWindow`).
 * Removing a prefix moves `start`; the live part is copied to a new buffer once the removed part
 * passes `droppedRequestsMax` and outnumbers it, so a buffer holds at most about twice the live
 * requests beyond that bound.
 *
 * Finding a client's requests uses an index of the buffer (per client, its positions), built when
 * first needed and extended on every push: the buffer never changes below its end, so one index
 * serves every window.
 *
 * States the model checker builds hold plain arrays, and the functions at the end keep them
 * plain (as `withEntries` keeps plain Maps plain): the protocol's types accept both (`RequestList`).
 */

/** The storage the lists of one lineage share: requests in append order, never changed once written. */
class RequestBuffer {
  readonly items: Request[] = [];
  /** Per client, the positions of its requests in `items`, ascending; null until first needed. */
  private byClient: Map<HostId, number[]> | null = null;

  push(r: Request): void {
    this.items.push(r);
    if (this.byClient !== null) this.indexAt(this.byClient, this.items.length - 1);
  }

  /** Per client, the positions of its requests, ascending. */
  index(): ReadonlyMap<HostId, readonly number[]> {
    if (this.byClient === null) {
      const byClient = new Map<HostId, number[]>();
      for (let i = 0; i < this.items.length; i++) this.indexAt(byClient, i);
      this.byClient = byClient;
    }
    return this.byClient;
  }

  private indexAt(byClient: Map<HostId, number[]>, i: number): void {
    const r = this.items[i] as Request;
    const positions = byClient.get(r.client);
    if (positions === undefined) byClient.set(r.client, [i]);
    else positions.push(i);
  }
}

/**
 * The most requests removed from the front of a list whose buffer is kept; past it (and once they
 * outnumber the live ones) the live requests are copied to a new buffer.
 */
export const droppedRequestsMax = 1024;

/** Whether two requests are identical: the same client, seqno and payload array (so equal as values). */
function identical(a: Request, b: Request): boolean {
  return a === b || (a.client === b.client && a.seqno === b.seqno && a.payload === b.payload);
}

/** An immutable list of requests sharing a buffer with the lists it was derived from (see the file's comment). */
export class SharedRequestList implements Iterable<Request> {
  private constructor(
    private readonly buffer: RequestBuffer,
    /** Invariant: 0 <= start <= end <= buffer.items.length. */
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** The empty list, on a buffer of its own. */
  static empty(): SharedRequestList {
    return new SharedRequestList(new RequestBuffer(), 0, 0);
  }

  /** The list holding `requests`, in order, on a buffer of its own. */
  static of(requests: Iterable<Request>): SharedRequestList {
    const buffer = new RequestBuffer();
    for (const r of requests) buffer.push(r);
    return new SharedRequestList(buffer, 0, buffer.items.length);
  }

  /** How many requests the list holds. */
  get length(): number {
    return this.end - this.start;
  }

  /** The request at position `i` (from 0), or undefined outside the list. */
  at(i: number): Request | undefined {
    return Number.isInteger(i) && i >= 0 && i < this.length ? this.buffer.items[this.start + i] : undefined;
  }

  *[Symbol.iterator](): Iterator<Request> {
    const items = this.buffer.items;
    for (let i = this.start; i < this.end; i++) yield items[i] as Request;
  }

  /** The requests from position `from` up to (not including) `to`, as a new array (an array's `slice`). */
  slice(from = 0, to = this.length): Request[] {
    const lo = Math.max(0, Math.min(from, this.length));
    const hi = Math.max(lo, Math.min(to, this.length));
    return this.buffer.items.slice(this.start + lo, this.start + hi);
  }

  /** The list as a new array. */
  toArray(): Request[] {
    return this.slice();
  }

  /** The results of `f` on each request, in order (an array's `map`). */
  map<U>(f: (r: Request, i: number) => U): U[] {
    const out: U[] = [];
    const items = this.buffer.items;
    for (let i = this.start; i < this.end; i++) out.push(f(items[i] as Request, i - this.start));
    return out;
  }

  /** This list with `r` appended: O(1), or O(length) when the window must be copied to a new buffer. */
  append(r: Request): SharedRequestList {
    const items = this.buffer.items;
    if (this.end === items.length) {
      this.buffer.push(r);
      return new SharedRequestList(this.buffer, this.start, this.end + 1);
    }
    if (identical(items[this.end] as Request, r)) return new SharedRequestList(this.buffer, this.start, this.end + 1);
    const copy = SharedRequestList.of(items.slice(this.start, this.end));
    copy.buffer.push(r);
    return new SharedRequestList(copy.buffer, 0, copy.end + 1);
  }

  /** This list followed by `more`: O(|more|) appends. */
  concat(more: Iterable<Request>): SharedRequestList {
    return appendAll(this, more);
  }

  /** This list without its first `n` requests (all of them if `n` is more): O(1) amortized. */
  dropFirst(n: number): SharedRequestList {
    if (n <= 0) return this;
    const start = Math.min(this.end, this.start + n);
    const live = this.end - start;
    if (start > droppedRequestsMax && start > live) return SharedRequestList.of(this.buffer.items.slice(start, this.end));
    return new SharedRequestList(this.buffer, start, this.end);
  }

  /** Whether the list holds a request of `client` with `seqno`: O(that client's requests in the buffer from `start`). */
  has(client: HostId, seqno: number): boolean {
    const positions = this.buffer.index().get(client);
    if (positions === undefined) return false;
    const items = this.buffer.items;
    for (let k = positions.length - 1; k >= 0; k--) {
      const p = positions[k] as number;
      if (p < this.start) break;
      if (p < this.end && (items[p] as Request).seqno === seqno) return true;
    }
    return false;
  }

  /**
   * This list without every request `r` for which `highest` holds a seqno >= `r.seqno` for
   * `r.client`. Finds them through the index; when they are exactly a prefix (the usual case: the
   * oldest requests were executed) this is `dropFirst`, else a copy.
   */
  withoutSuperseded(highest: ReadonlyMap<HostId, number>): SharedRequestList {
    if (this.length === 0 || highest.size === 0) return this;
    const index = this.buffer.index();
    const items = this.buffer.items;
    let removed = 0;
    let last = -1;
    for (const [client, seqno] of highest) {
      const positions = index.get(client);
      if (positions === undefined) continue;
      for (let k = positions.length - 1; k >= 0; k--) {
        const p = positions[k] as number;
        if (p < this.start) break;
        if (p < this.end && (items[p] as Request).seqno <= seqno) {
          removed++;
          last = Math.max(last, p);
        }
      }
    }
    if (removed === 0) return this;
    // The removed positions are distinct and at least `start`; all below start + removed means exactly that prefix.
    if (last < this.start + removed) return this.dropFirst(removed);
    return SharedRequestList.of(this.toArray().filter((r) => r.seqno > (highest.get(r.client) ?? -1)));
  }

  /**
   * Whether this list and `other` are the same window of one buffer, hence hold the same requests.
   * False says nothing: the caller compares the requests.
   */
  sharesWindow(other: SharedRequestList): boolean {
    return this.buffer === other.buffer && this.start === other.start && this.end === other.end;
  }
}

function appendAll(list: SharedRequestList, more: Iterable<Request>): SharedRequestList {
  let out = list;
  for (const r of more) out = out.append(r);
  return out;
}

/** A list of requests as the protocol's state holds it: a plain array (the model checker's states) or a shared list. */
export type RequestList = readonly Request[] | SharedRequestList;

/** `list` with `r` appended: shared if `list` is, else a new array. */
export function appended(list: RequestList, r: Request): RequestList {
  return list instanceof SharedRequestList ? list.append(r) : [...list, r];
}

/** `first` followed by `second`: shared if `first` is, else a new array. */
export function concatenated(first: RequestList, second: RequestList): RequestList {
  if (second.length === 0) return first;
  return first instanceof SharedRequestList ? first.concat(second) : [...first, ...second];
}

/** `list` without its first `n` requests: shared if `list` is, else a new array. */
export function withoutFirst(list: RequestList, n: number): RequestList {
  return list instanceof SharedRequestList ? list.dropFirst(n) : list.slice(n);
}

/** The first `n` requests of `list` (all of them if it holds fewer), as a new array. */
export function firstRequests(list: RequestList, n: number): Request[] {
  return list.slice(0, n);
}

/** Whether `list` holds a request named `(client, seqno)`. */
export function holdsRequest(list: RequestList, client: HostId, seqno: number): boolean {
  return list instanceof SharedRequestList ? list.has(client, seqno) : list.some((r) => r.client === client && r.seqno === seqno);
}

/** `list` without every request `r` for which `highest` holds a seqno >= `r.seqno` for `r.client`: shared if `list` is. */
export function withoutSuperseded(list: RequestList, highest: ReadonlyMap<HostId, number>): RequestList {
  if (list instanceof SharedRequestList) return list.withoutSuperseded(highest);
  const kept = list.filter((r) => r.seqno > (highest.get(r.client) ?? -1));
  return kept.length === list.length ? list : kept;
}
