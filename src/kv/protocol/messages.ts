import { sameBytes } from '../../core/bytes.js';
import type { HostId } from '../../framework/types.js';
import type { KvKey, KvOp } from '../spec.js';
import type { KeyRange } from './delegation.js';
import type { DeliveryPacket } from './single-delivery.js';

/**
 * IronKV's messages (after IronFleet's SHT `Message`): what clients send hosts and hear back, and
 * what hosts send each other over reliable delivery.
 *
 * A client numbers its requests 1, 2, 3, ... and has one outstanding at a time (a `KvClient` runs
 * many sessions, each a client); it sends each number to one host only, resending it there until
 * answered. A host answers each request once and keeps its latest answer per client, so a resent
 * request gets the same answer and a late duplicate is never executed again. A redirect is an
 * answer too: the client asks the owner it names under its next number. So every request is
 * executed at most once, by the host it was sent to, however often the network delivers it.
 */

/** Moving a range: the owner of every key of `range` gives them to `recipient` (IronFleet's Shard). */
export interface ShardOp {
  readonly type: 'shard';
  readonly range: KeyRange;
  readonly recipient: HostId;
}

/** What a client may ask a host: a table operation or a move. */
export type KvHostOp = KvOp | ShardOp;

/** One chunk of a move, carried by reliable delivery: the range's keys with their values. */
export interface Delegate {
  readonly type: 'delegate';
  /** The keys this chunk hands over; every entry's key is in it. */
  readonly range: KeyRange;
  readonly entries: readonly (readonly [KvKey, Uint8Array])[];
  /** Whether this chunk is the move's last. */
  readonly final: boolean;
}

/** Messages between a client and a host. */
export type KvClientMsg =
  | { readonly type: 'request'; readonly seqno: number; readonly op: KvHostOp }
  /** A table operation done: the key's value when it was done (a get's answer, a set's value, null after a delete). */
  | { readonly type: 'reply'; readonly seqno: number; readonly key: KvKey; readonly value: Uint8Array | null }
  /** A move done: how many keys it handed over. */
  | { readonly type: 'moved'; readonly seqno: number; readonly keys: number }
  /** Not this host's: `owner` is the host it believes owns the key (for a move, the range's low). */
  | { readonly type: 'redirect'; readonly seqno: number; readonly owner: HostId }
  /** Refused for good, with the reason (a key or value over its limit, a move no host can do as asked). */
  | { readonly type: 'refused'; readonly seqno: number; readonly why: string };

/** Every message of the protocol. */
export type KvMsg = KvClientMsg | DeliveryPacket<Delegate>;

/** The answers a host sends a client. */
export type KvAnswerMsg = Exclude<KvClientMsg, { readonly type: 'request' }>;

function equalRange(a: KeyRange, b: KeyRange): boolean {
  return a.low === b.low && a.high === b.high;
}

function equalValue(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === b || (a !== null && b !== null && sameBytes(a, b));
}

function equalOp(a: KvHostOp, b: KvHostOp): boolean {
  switch (a.type) {
    case 'get': return b.type === 'get' && a.key === b.key;
    case 'delete': return b.type === 'delete' && a.key === b.key;
    case 'set': return b.type === 'set' && a.key === b.key && sameBytes(a.value, b.value);
    case 'shard': return b.type === 'shard' && a.recipient === b.recipient && equalRange(a.range, b.range);
  }
}

/** Structural equality of delegate messages. */
export function equalDelegate(a: Delegate, b: Delegate): boolean {
  return a.final === b.final && equalRange(a.range, b.range) && a.entries.length === b.entries.length &&
    a.entries.every(([k, v], i) => {
      const e = b.entries[i];
      return e !== undefined && e[0] === k && sameBytes(e[1], v);
    });
}

/** Structural equality of messages. */
export function equalKvMsg(a: KvMsg, b: KvMsg): boolean {
  switch (a.type) {
    case 'request': return b.type === 'request' && a.seqno === b.seqno && equalOp(a.op, b.op);
    case 'reply': return b.type === 'reply' && a.seqno === b.seqno && a.key === b.key && equalValue(a.value, b.value);
    case 'moved': return b.type === 'moved' && a.seqno === b.seqno && a.keys === b.keys;
    case 'redirect': return b.type === 'redirect' && a.seqno === b.seqno && a.owner === b.owner;
    case 'refused': return b.type === 'refused' && a.seqno === b.seqno && a.why === b.why;
    case 'data': return b.type === 'data' && a.seqno === b.seqno && equalDelegate(a.msg, b.msg);
    case 'ack': return b.type === 'ack' && a.seqno === b.seqno;
  }
}
