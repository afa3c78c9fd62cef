import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KvKey } from '../spec.js';
import type { DelegationMap, KeyRange } from './delegation.js';
import { delegate, delegationInit, inRange, isDelegationMap, ownerOf, ownsRange, rangesOf } from './delegation.js';

const hosts = ['h0', 'h1', 'h2'];
// Short keys over a small alphabet, so ranges meet, nest and share bounds often.
const keyArb: fc.Arbitrary<KvKey> = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }).map((cs) => cs.join(''));
const rangeArb: fc.Arbitrary<KeyRange> = fc.tuple(keyArb, fc.option(keyArb, { nil: null })).map(([low, high]) => ({ low, high }));
const movesArb = fc.array(fc.tuple(rangeArb, fc.constantFrom(...hosts)), { maxLength: 12 });
const probes: KvKey[] = ['', 'a', 'aa', 'aab', 'ab', 'b', 'ba', 'bcc', 'c', 'cc', 'ccc', 'd', '\xff'];

describe('delegation map', () => {
  it('sends every key to the host of the last move whose range holds it, and stays canonical', () => {
    fc.assert(fc.property(movesArb, (moves) => {
      let map: DelegationMap = delegationInit('h0');
      for (const [range, host] of moves) map = delegate(map, range, host);
      expect(isDelegationMap(map)).toBe(true);
      for (const key of probes) {
        let expected = 'h0';
        for (const [range, host] of moves) if (inRange(range, key)) expected = host;
        expect(ownerOf(map, key)).toBe(expected);
      }
      // Each host's ranges cover exactly its keys, and it owns each of them whole.
      for (const host of hosts) {
        for (const key of probes) expect(rangesOf(map, host).some((r) => inRange(r, key))).toBe(ownerOf(map, key) === host);
        for (const r of rangesOf(map, host)) expect(ownsRange(map, r, host)).toBe(true);
      }
    }), { seed: 31, numRuns: 500 });
  });

  it('is one list for one assignment of keys, whatever moves made it', () => {
    const a = delegate(delegate(delegationInit('h0'), { low: 'b', high: 'c' }, 'h1'), { low: 'b', high: 'c' }, 'h0');
    expect(a).toEqual(delegationInit('h0'));
    const b = delegate(delegate(delegationInit('h0'), { low: 'a', high: 'b' }, 'h1'), { low: 'b', high: 'c' }, 'h1');
    expect(b).toEqual(delegate(delegationInit('h0'), { low: 'a', high: 'c' }, 'h1'));
  });

  it('leaves the map as it was for an empty range, and knows a range a host does not wholly own', () => {
    const map = delegate(delegationInit('h0'), { low: 'b', high: 'c' }, 'h1');
    expect(delegate(map, { low: 'c', high: 'b' }, 'h2')).toBe(map);
    expect(ownsRange(map, { low: 'a', high: 'bb' }, 'h0')).toBe(false);
    expect(ownsRange(map, { low: 'b', high: 'c' }, 'h1')).toBe(true);
    expect(ownsRange(map, { low: 'b', high: null }, 'h1')).toBe(false);
    expect(ownsRange(map, { low: 'c', high: null }, 'h0')).toBe(true);
    expect(isDelegationMap([{ low: 'a', host: 'h0' }])).toBe(false);
    expect(isDelegationMap([{ low: '', host: 'h0' }, { low: 'b', host: 'h0' }])).toBe(false);
    expect(isDelegationMap([{ low: '', host: 'h0' }, { low: 'b', host: 'h1' }, { low: 'a', host: 'h0' }])).toBe(false);
  });
});
