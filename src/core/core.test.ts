import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Prng } from './prng.js';
import { Hash64 } from './hash.js';
import { BoundedQueue } from './bounded.js';
import { assert, AssertionError } from './assert.js';

describe('Prng', () => {
  it('replays the same sequence from the same seed and differs across seeds', () => {
    const draw = (seed: number) => { const p = new Prng(seed); return Array.from({ length: 32 }, () => p.nextU32()); };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps nextInt within range and reaches every value', () => {
    const p = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = p.nextInt(10);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(10);
      seen.add(x);
    }
    expect(seen.size).toBe(10);
  });
});

describe('Hash64', () => {
  it('is deterministic and sensitive to every byte', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), (bytes, i) => {
      const a = new Hash64().bytes(bytes).hex();
      expect(new Hash64().bytes(bytes).hex()).toBe(a);
      const flipped = Uint8Array.from(bytes);
      const k = i % flipped.length;
      flipped[k] = (flipped[k] ?? 0) ^ 1;
      expect(new Hash64().bytes(flipped).hex()).not.toBe(a);
    }));
  });
});

describe('BoundedQueue', () => {
  it('refuses pushes past its maximum and keeps FIFO order', () => {
    const q = new BoundedQueue<number>(3);
    expect([q.push(1), q.push(2), q.push(3), q.push(4)]).toEqual([true, true, true, false]);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([1, 2, 3, undefined]);
  });
});

describe('assert', () => {
  it('throws AssertionError with the message when the condition fails', () => {
    expect(() => assert(false, 'epoch went backwards')).toThrow(AssertionError);
    expect(() => assert(1 === 1, 'fine')).not.toThrow();
  });
});
