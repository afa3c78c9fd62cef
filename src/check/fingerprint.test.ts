import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { collisionProbability, fingerprintString, fingerprintWords, newFingerprint } from './fingerprint.js';
import { FingerprintSet } from './fpset.js';
import { stableKey } from './stable.js';
import { Prng } from '../core/prng.js';

describe('FingerprintSet', () => {
  it('grows from a tiny table, keeps every fingerprint and value, and stays within 16 bytes per entry', () => {
    const set = new FingerprintSet(16, true);
    const prng = new Prng(1);
    const his: number[] = [];
    const los: number[] = [];
    const total = 100_000;
    let refused = 0;
    for (let i = 0; i < total; i++) {
      const hi = prng.nextU32();
      const lo = prng.nextU32();
      his.push(hi);
      los.push(lo);
      if (set.insert(hi, lo, i) !== -1) refused++;
    }
    expect(refused).toBe(0);
    expect(set.size).toBe(total);
    expect(set.capacity).toBeGreaterThan(total);
    let lost = 0;
    for (let i = 0; i < total; i++) {
      if (set.get(his[i] ?? 0, los[i] ?? 0) !== i) lost++;
      if (set.insert(his[i] ?? 0, los[i] ?? 0, 999) !== i) lost++;
    }
    expect(lost).toBe(0);
    expect(set.size).toBe(total);
    expect(set.get(1, 2)).toBe(-1);
    // With values each slot is 12 bytes; without, 8: at a load of at least 0.53 that is <= 16 bytes.
    const plain = new FingerprintSet(16, false);
    for (let i = 0; i < total; i++) plain.insert(his[i] ?? 0, los[i] ?? 0, 0);
    expect(plain.size).toBe(total);
    expect(plain.bytes / plain.size).toBeLessThanOrEqual(16);
    expect(plain.bytes / plain.size).toBeGreaterThanOrEqual(8 / FingerprintSet.loadMax);
  });

  it('stores the all-zero fingerprint, which marks empty slots, aside', () => {
    const set = new FingerprintSet(16, true);
    expect(set.get(0, 0)).toBe(-1);
    expect(set.insert(0, 0, 7)).toBe(-1);
    expect(set.insert(0, 0, 8)).toBe(7);
    expect(set.size).toBe(1);
  });

  it('behaves as a set under any sequence of inserts (model: a JS Set)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(40), fc.nat(3)), { maxLength: 300 }), (pairs) => {
      const set = new FingerprintSet(16, true);
      const model = new Map<string, number>();
      pairs.forEach(([a, b], i) => {
        // Small values force clustering and collisions of home slots.
        const hi = a * 0x0400_0000;
        const key = `${hi}/${b}`;
        const got = set.insert(hi, b, i);
        const want = model.get(key);
        if (want === undefined) {
          expect(got).toBe(-1);
          model.set(key, i);
        } else expect(got).toBe(want);
      });
      expect(set.size).toBe(model.size);
    }));
  });
});

describe('fingerprints', () => {
  it('are one-to-one on packed states of one or two words', () => {
    fc.assert(fc.property(fc.tuple(fc.nat(), fc.nat()), fc.tuple(fc.nat(), fc.nat()), ([a, b], [c, d]) => {
      fc.pre(a !== c || b !== d);
      const f = newFingerprint();
      const g = newFingerprint();
      fingerprintWords(Uint32Array.of(a, b), 2, f);
      fingerprintWords(Uint32Array.of(c, d), 2, g);
      expect(f.hi !== g.hi || f.lo !== g.lo).toBe(true);
    }));
    const seen = new Set<string>();
    const f = newFingerprint();
    for (let w = 0; w < 50_000; w++) {
      fingerprintWords(Uint32Array.of(w), 1, f);
      seen.add(`${f.hi}/${f.lo}`);
    }
    expect(seen.size).toBe(50_000);
  });

  it('depend on every word of longer states and every character of strings', () => {
    const f = newFingerprint();
    const g = newFingerprint();
    fingerprintWords(Uint32Array.of(1, 2, 3, 4), 4, f);
    fingerprintWords(Uint32Array.of(1, 2, 3, 5), 4, g);
    expect([f.hi, f.lo]).not.toEqual([g.hi, g.lo]);
    fingerprintString('abc', f);
    fingerprintString('abd', g);
    expect([f.hi, f.lo]).not.toEqual([g.hi, g.lo]);
    fingerprintString('ab', g);
    expect([f.hi, f.lo]).not.toEqual([g.hi, g.lo]);
  });

  it("estimates collisions with TLC's optimistic formula n(g - n) / 2^64", () => {
    expect(collisionProbability(1000, 1000)).toBe(0);
    expect(collisionProbability(2 ** 20, 2 ** 21)).toBeCloseTo(2 ** 40 / 2 ** 64, 20);
  });
});

describe('stableKey', () => {
  it('does not depend on the order of object keys, Map entries or Set members', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.integer()), (d) => {
      const entries = Object.entries(d);
      const reversed = Object.fromEntries([...entries].reverse());
      expect(stableKey(reversed)).toBe(stableKey(d));
      expect(stableKey(new Map([...entries].reverse()))).toBe(stableKey(new Map(entries)));
      expect(stableKey(new Set([...entries.map(([k]) => k)].reverse()))).toBe(stableKey(new Set(entries.map(([k]) => k))));
    }));
  });

  it('tells apart values that differ', () => {
    const values: unknown[] = [1, '1', [1], { a: 1 }, { a: '1' }, new Map([[1, 1]]), new Set([1]), true, null, undefined, -0, 0,
      Uint8Array.of(1), 1n, [1, [2]], [[1], 2]];
    const keys = values.map(stableKey);
    expect(new Set(keys).size).toBe(values.length);
    expect(stableKey({ a: 1, b: undefined })).toBe(stableKey({ a: 1 }));
  });
});
