import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostId } from '../../framework/types.js';
import { receiveDataAnySeqno } from '../testing.js';
import type { DeliveryPacket, DeliveryState } from './single-delivery.js';
import { deliveryInit, lastReceived, receiveAck, receiveData, resendAll, sendReliable, unackedTo } from './single-delivery.js';

type Receive = typeof receiveData<number>;

/** A packet in flight between the two hosts. */
interface InFlight {
  readonly src: HostId;
  readonly dst: HostId;
  readonly packet: DeliveryPacket<number>;
}

/**
 * Host a sends `count` messages (0, 1, 2, ...) to host b over a network that, as `choices` say,
 * loses, duplicates and reorders packets, with a resend of everything unacknowledged whenever the
 * network is empty; then the faults stop and the run goes on until nothing is left to send or
 * `roundsMax` resends. Returns what b delivered, in order, and a's channel at the end.
 */
function run(receive: Receive, count: number, choices: readonly number[], roundsMax = 200): { delivered: number[]; unacked: number; resends: number } {
  let a: DeliveryState<number> = deliveryInit();
  let b: DeliveryState<number> = deliveryInit();
  let net: InFlight[] = [];
  const delivered: number[] = [];
  for (let i = 0; i < count; i++) {
    const out = sendReliable(a, 'b', i);
    a = out.state;
    net.push({ src: 'a', dst: 'b', packet: out.packet });
  }
  let choice = 0;
  const next = (): number => (choice < choices.length ? (choices[choice++] ?? 0) : -1);
  let resends = 0;
  while (resends <= roundsMax) {
    if (net.length === 0) {
      if (unackedTo(a, 'b').length === 0) break;
      resends++;
      net = resendAll(a).map(({ dst, packet }) => ({ src: 'a', dst, packet }));
      continue;
    }
    const c = next();
    // Faults while the choices last: pick any packet, and lose (1 in 4) or duplicate (1 in 4) it.
    const at = c < 0 ? 0 : c % net.length;
    const [p] = net.splice(at, 1);
    if (p === undefined) continue;
    if (c >= 0 && c % 4 === 1) continue;
    if (c >= 0 && c % 4 === 2) net.push(p);
    if (p.dst === 'b' && p.packet.type === 'data') {
      const r = receive(b, p.src, p.packet.seqno, p.packet.msg);
      b = r.state;
      if (r.deliver !== undefined) delivered.push(r.deliver);
      if (r.ack !== null) net.push({ src: 'b', dst: 'a', packet: r.ack });
    } else if (p.dst === 'a' && p.packet.type === 'ack') {
      a = receiveAck(a, p.src, p.packet.seqno);
    }
  }
  return { delivered, unacked: unackedTo(a, 'b').length, resends };
}

const choicesArb = fc.array(fc.nat(1000), { maxLength: 200 });

describe('single delivery (reliable delivery between hosts)', () => {
  it('delivers every message exactly once and in order over a lossy, duplicating, reordering network', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 12 }), choicesArb, (count, choices) => {
      const { delivered, unacked } = run(receiveData, count, choices);
      expect(delivered).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(unacked).toBe(0);
    }), { seed: 91, numRuns: 300 });
  });

  it('catches a receiver that takes any sequence number (testing.ts receive-any-seqno)', () => {
    const failures = fc.check(fc.property(fc.integer({ min: 0, max: 12 }), choicesArb, (count, choices) => {
      const { delivered } = run(receiveDataAnySeqno, count, choices);
      return delivered.length === count && delivered.every((m, i) => m === i);
    }), { seed: 91, numRuns: 300 });
    expect(failures.failed).toBe(true);
  });

  it('acknowledges cumulatively and ignores acks of nothing new or of numbers never sent', () => {
    let a: DeliveryState<string> = deliveryInit();
    for (const m of ['x', 'y', 'z']) a = sendReliable(a, 'b', m).state;
    expect(receiveAck(a, 'b', 0)).toBe(a);
    expect(receiveAck(a, 'b', 4)).toBe(a);
    expect(receiveAck(a, 'b', 1.5)).toBe(a);
    expect(receiveAck(a, 'c', 1)).toBe(a);
    const two = receiveAck(a, 'b', 2);
    expect(unackedTo(two, 'b')).toEqual(['z']);
    expect(receiveAck(two, 'b', 1)).toBe(two);
    expect(resendAll(two)).toEqual([{ dst: 'b', packet: { type: 'data', seqno: 3, msg: 'z' } }]);
    // The next message after an ack keeps counting from where the channel is.
    expect(sendReliable(two, 'b', 'w').packet).toEqual({ type: 'data', seqno: 4, msg: 'w' });
  });

  it('drops a number beyond the next unacknowledged, and acks a duplicate with the last it delivered', () => {
    const b = deliveryInit<string>();
    expect(receiveData(b, 'a', 2, 'y')).toEqual({ state: b, deliver: undefined, ack: null });
    const one = receiveData(b, 'a', 1, 'x');
    expect(one.deliver).toBe('x');
    expect(lastReceived(one.state, 'a')).toBe(1);
    expect(receiveData(one.state, 'a', 1, 'x')).toEqual({ state: one.state, deliver: undefined, ack: { type: 'ack', seqno: 1 } });
    expect(receiveData(one.state, 'a', 0, 'x').ack).toBeNull();
    expect(receiveData(one.state, 'a', -3, 'x').ack).toBeNull();
  });
});
