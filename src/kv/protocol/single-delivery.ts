import type { HostId } from '../../framework/types.js';

/**
 * Reliable delivery between hosts over a network that loses, duplicates and reorders packets:
 * IronFleet's single-delivery layer, which IronKV moves key ranges over. Each host numbers the
 * messages it sends to each destination 1, 2, 3, ... and keeps them until they are acknowledged;
 * a receiver takes only the next number from each source (so every message is delivered exactly
 * once and in order) and acknowledges cumulatively: an ack of n says 1..n arrived. A message not
 * yet acknowledged is resent (`resendAll`) until it is; when, and how often, is the host's timer.
 *
 * Pure functions over immutable state, so the model checker and the implementation run the same.
 */

/** The packets of the layer: a numbered message, or an acknowledgement of every number up to `seqno`. */
export type DeliveryPacket<M> =
  | { readonly type: 'data'; readonly seqno: number; readonly msg: M }
  | { readonly type: 'ack'; readonly seqno: number };

/** What a host has sent to one destination: `numAcked` acknowledged, then `unacked` in order (numbers numAcked+1, ...). */
export interface SendChannel<M> {
  readonly numAcked: number;
  readonly unacked: readonly M[];
}

/** A host's delivery state: per destination what it sent, per source the last number it delivered. */
export interface DeliveryState<M> {
  readonly send: ReadonlyMap<HostId, SendChannel<M>>;
  readonly received: ReadonlyMap<HostId, number>;
}

/** A host that has sent and received nothing. */
export function deliveryInit<M>(): DeliveryState<M> {
  return { send: new Map(), received: new Map() };
}

const emptyChannel: SendChannel<never> = { numAcked: 0, unacked: [] };

/** What `s` has sent to `dst`. */
export function channelTo<M>(s: DeliveryState<M>, dst: HostId): SendChannel<M> {
  return s.send.get(dst) ?? emptyChannel;
}

/** The last number `s` delivered from `src` (0: none). */
export function lastReceived<M>(s: DeliveryState<M>, src: HostId): number {
  return s.received.get(src) ?? 0;
}

/** `s` sending `msg` to `dst`: the state keeping it until acknowledged, and its packet. */
export function sendReliable<M>(s: DeliveryState<M>, dst: HostId, msg: M): { readonly state: DeliveryState<M>; readonly packet: DeliveryPacket<M> } {
  const c = channelTo(s, dst);
  const seqno = c.numAcked + c.unacked.length + 1;
  const send = new Map(s.send).set(dst, { numAcked: c.numAcked, unacked: [...c.unacked, msg] });
  return { state: { send, received: s.received }, packet: { type: 'data', seqno, msg } };
}

/**
 * `s` receiving data packet `seqno` from `src`: the next number is delivered (`deliver` holds the
 * message) and acknowledged; an old number (a duplicate) is acknowledged again and not delivered;
 * a number beyond the next is dropped unacknowledged (it is resent after the ones before it).
 */
export function receiveData<M>(
  s: DeliveryState<M>, src: HostId, seqno: number, msg: M,
): { readonly state: DeliveryState<M>; readonly deliver: M | undefined; readonly ack: DeliveryPacket<M> | null } {
  const last = lastReceived(s, src);
  if (seqno === last + 1) {
    return { state: { send: s.send, received: new Map(s.received).set(src, seqno) }, deliver: msg, ack: { type: 'ack', seqno } };
  }
  if (seqno >= 1 && seqno <= last) return { state: s, deliver: undefined, ack: { type: 'ack', seqno: last } };
  return { state: s, deliver: undefined, ack: null };
}

/**
 * `s` receiving an ack of `seqno` from `dst`: every message numbered up to it is dropped from the
 * channel. An ack of nothing new, or of a number never sent (bad input), changes nothing.
 */
export function receiveAck<M>(s: DeliveryState<M>, dst: HostId, seqno: number): DeliveryState<M> {
  const c = channelTo(s, dst);
  const sent = c.numAcked + c.unacked.length;
  if (!Number.isSafeInteger(seqno) || seqno <= c.numAcked || seqno > sent) return s;
  const send = new Map(s.send).set(dst, { numAcked: seqno, unacked: c.unacked.slice(seqno - c.numAcked) });
  return { send, received: s.received };
}

/** Every unacknowledged message of `s`, as the packets that resend it, destinations in sorted order. */
export function resendAll<M>(s: DeliveryState<M>): { readonly dst: HostId; readonly packet: DeliveryPacket<M> }[] {
  const out: { dst: HostId; packet: DeliveryPacket<M> }[] = [];
  for (const [dst, c] of [...s.send].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    c.unacked.forEach((msg, i) => out.push({ dst, packet: { type: 'data', seqno: c.numAcked + i + 1, msg } }));
  }
  return out;
}

/** The messages `s` has sent to `dst` and not yet had acknowledged. */
export function unackedTo<M>(s: DeliveryState<M>, dst: HostId): readonly M[] {
  return channelTo(s, dst).unacked;
}
