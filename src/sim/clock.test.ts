import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimClock, clockBaseMs } from './clock.js';

describe('SimClock', () => {
  it('applies its offset and drift', () => {
    const c = new SimClock(250, 1000);
    expect(c.read(0)).toBe(clockBaseMs + 250);
    // 10 s of simulated time at 1000 ppm fast is 10.01 s on this clock.
    expect(c.read(10_000_000)).toBe(clockBaseMs + 250 + 10_010);
    expect(new SimClock(-250, -1000).read(10_000_000)).toBe(clockBaseMs - 250 + 9_990);
  });

  it('never goes backwards, and a wake-up delay converts back to at least that much clock time', () => {
    fc.assert(fc.property(
      fc.integer({ min: -10_000, max: 10_000 }), fc.integer({ min: -400_000, max: 400_000 }),
      fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 50 }), fc.nat({ max: 5_000 }),
      (offsetMs, driftPpm, gaps, waitMs) => {
        const c = new SimClock(offsetMs, driftPpm);
        let t = 0;
        let last = -Infinity;
        for (const g of gaps) {
          t += g;
          const r = c.read(t);
          expect(r).toBeGreaterThanOrEqual(last);
          last = r;
        }
        const before = c.read(t);
        expect(c.read(t + c.simUsFor(waitMs))).toBeGreaterThanOrEqual(before + waitMs - 1);
      },
    ));
  });
});
