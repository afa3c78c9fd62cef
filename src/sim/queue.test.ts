import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventQueue } from './queue.js';

describe('EventQueue', () => {
  it('pops in time order, ties in push order', () => {
    fc.assert(fc.property(fc.array(fc.nat({ max: 20 }), { maxLength: 200 }), (times) => {
      const q = new EventQueue<{ atUs: number; seq: number; n: number }>(1000);
      times.forEach((atUs, n) => q.push({ atUs, seq: 0, n }));
      const popped: number[] = [];
      for (let e = q.pop(); e !== undefined; e = q.pop()) popped.push(e.n);
      const expected = times.map((atUs, n) => ({ atUs, n })).sort((a, b) => a.atUs - b.atUs || a.n - b.n).map((e) => e.n);
      expect(popped).toEqual(expected);
    }));
  });

  it('refuses to grow past its limit and rejects bad times', () => {
    const q = new EventQueue<{ atUs: number; seq: number }>(2);
    q.push({ atUs: 1, seq: 0 });
    q.push({ atUs: 2, seq: 0 });
    expect(() => q.push({ atUs: 3, seq: 0 })).toThrow(/full/);
    expect(() => new EventQueue<{ atUs: number; seq: number }>(5).push({ atUs: Number.NaN, seq: 0 })).toThrow(/finite/);
  });
});
