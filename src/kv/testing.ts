import type { HostId } from '../framework/types.js';
import type { DeliveryPacket, DeliveryState } from './protocol/single-delivery.js';
import { lastReceived } from './protocol/single-delivery.js';

/**
 * Deliberately broken variants of IronKV's protocol, each kept with the check that catches it
 * (docs/kv.md). Not part of the public API.
 */

/**
 * receive-any-seqno: a receiver that delivers whatever number arrives and acknowledges it, as if
 * it were the next. Duplicates and reordered packets are delivered again or out of order; the
 * delivery checks in single-delivery.test.ts catch it.
 */
export function receiveDataAnySeqno<M>(
  s: DeliveryState<M>, src: HostId, seqno: number, msg: M,
): { readonly state: DeliveryState<M>; readonly deliver: M | undefined; readonly ack: DeliveryPacket<M> | null } {
  const last = Math.max(lastReceived(s, src), seqno);
  return { state: { send: s.send, received: new Map(s.received).set(src, last) }, deliver: msg, ack: { type: 'ack', seqno: last } };
}
