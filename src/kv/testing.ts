import type { HostProtocol } from '../framework/protocol.js';
import type { HostId } from '../framework/types.js';
import type { AckGuard, KvConfig, KvHostState } from './protocol/host.js';
import { kvProtocolWith, makeAcked, makeDeliver, makeRequest } from './protocol/host.js';
import type { KvMsg } from './protocol/messages.js';
import type { DeliveryPacket, DeliveryState } from './protocol/single-delivery.js';
import { channelTo, lastReceived } from './protocol/single-delivery.js';

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

/** The broken variants of the host protocol that `ironfleet check kv --bug` knows. */
export type KvBug = 'receive-any-seqno' | 'serve-after-delegate' | 'drop-final-ack';

/**
 * drop-final-ack: the mover never takes an ack that covers the last chunk of a move, so that
 * chunk stays unacknowledged and is resent forever. Safety holds; liveness (every delegate
 * message eventually acknowledged) catches it.
 */
const dropFinalAck: AckGuard = (s, dst, seqno) => {
  const c = channelTo(s.delivery, dst);
  return !c.unacked.slice(0, seqno - c.numAcked).some((d) => d.final);
};

/** The host protocol with bug `bug`. */
export function kvBugProtocol(bug: KvBug): HostProtocol<KvConfig, KvHostState, KvMsg> {
  switch (bug) {
    case 'receive-any-seqno': return kvProtocolWith({ deliver: makeDeliver(receiveDataAnySeqno) });
    // The mover sends the range's keys but keeps the range in its map and the keys in its table.
    case 'serve-after-delegate': return kvProtocolWith({ request: makeRequest({ keepRange: true }) });
    case 'drop-final-ack': return kvProtocolWith({ acked: makeAcked(dropFinalAck) });
  }
}
