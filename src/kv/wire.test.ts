import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KvMsg } from './protocol/messages.js';
import { kvCodec, kvToWire, kvWireCodec } from './wire.js';

const keyArb = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 6 });
const valueArb = fc.uint8Array({ maxLength: 12 });
const rangeArb = fc.tuple(keyArb, fc.option(keyArb, { nil: null })).map(([low, high]) => ({ low, high }));
const msgArb: fc.Arbitrary<KvMsg> = fc.oneof(
  fc.record({ type: fc.constant('request' as const), seqno: fc.nat(), op: fc.oneof(
    fc.record({ type: fc.constant('get' as const), key: keyArb }),
    fc.record({ type: fc.constant('set' as const), key: keyArb, value: valueArb }),
    fc.record({ type: fc.constant('delete' as const), key: keyArb }),
    fc.record({ type: fc.constant('shard' as const), range: rangeArb, recipient: fc.string({ maxLength: 8 }) }),
  ) }),
  fc.record({ type: fc.constant('reply' as const), seqno: fc.nat(), key: keyArb, value: fc.option(valueArb, { nil: null }) }),
  fc.record({ type: fc.constant('moved' as const), seqno: fc.nat(), keys: fc.nat() }),
  fc.record({ type: fc.constant('redirect' as const), seqno: fc.nat(), owner: fc.string({ maxLength: 8 }) }),
  fc.record({ type: fc.constant('refused' as const), seqno: fc.nat(), why: fc.string({ maxLength: 20 }) }),
  fc.record({ type: fc.constant('ack' as const), seqno: fc.nat() }),
  fc.tuple(fc.nat(), fc.uniqueArray(fc.tuple(keyArb, valueArb), { selector: ([k]) => k, maxLength: 5 }), fc.boolean()).map(([seqno, raw, final]): KvMsg => {
    const entries = raw.sort(([a], [b]) => (a < b ? -1 : 1));
    return { type: 'data', seqno, msg: { type: 'delegate', range: { low: '', high: null }, entries, final } };
  }),
);

describe('IronKV wire codec', () => {
  it('round-trips every message, in as many bytes as it says', () => {
    fc.assert(fc.property(msgArb, (m) => {
      const b = kvCodec.encode(m);
      expect(kvCodec.size(m)).toBe(b.length);
      const d = kvCodec.decode(b);
      expect(d.ok && d.value).toEqual(m);
    }));
  });

  it('refuses every truncation of a message, with an error rather than a throw', () => {
    fc.assert(fc.property(msgArb, (m) => {
      const b = kvCodec.encode(m);
      for (let n = 0; n < b.length; n++) expect(kvCodec.decode(b.subarray(0, n)).ok).toBe(false);
    }), { numRuns: 50 });
  });

  it('refuses a delegate whose entries are out of order or outside its range', () => {
    const v = Uint8Array.of(1);
    const unsorted = kvToWire({ type: 'data', seqno: 1, msg: { type: 'delegate', range: { low: '', high: null }, entries: [['b', v], ['a', v]], final: true } });
    const outside = kvToWire({ type: 'data', seqno: 1, msg: { type: 'delegate', range: { low: 'c', high: 'd' }, entries: [['a', v]], final: true } });
    const a = kvCodec.decode(kvWireCodec.encode(unsorted));
    const b = kvCodec.decode(kvWireCodec.encode(outside));
    expect(!a.ok && a.error.message).toMatch(/sorted by key/);
    expect(!b.ok && b.error.message).toMatch(/outside its range/);
  });
});
