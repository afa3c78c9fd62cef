import { describe, expect, it } from 'vitest';
import { simulate } from '../sim/simulator.js';
import { rslSystem } from './sim.js';

// A sweep of 300 seeds with a shorter fault window and quiet period than `ironfleet sim rsl`'s
// defaults (src/rsl/sim.test.ts runs those on fewer seeds): crashes of any minority, partitions,
// loss, duplication, reordering, clock skew and an outsider in the window; the monitor on every
// host, the spec on every step and linearizable histories throughout; every pending request
// answered in the quiet period. Each seed replays bit for bit, so a failure names its seed.

/** Seeds swept. */
const sweepSeeds = 300;
/** Fault window and quiet period of each seed, in simulated ms. */
const faultWindowMs = 600;
const quietMs = 2_000;

describe('IronRSL in the simulator, many seeds', () => {
  it(`passes seeds 1..${sweepSeeds} (kv)`, () => {
    const system = rslSystem({ app: 'kv' });
    let crashes = 0;
    for (let seed = 1; seed <= sweepSeeds; seed++) {
      const r = simulate(system, { seed, durationMs: faultWindowMs, quietMs });
      expect(r.failure, `seed ${seed}`).toBeNull();
      expect(r.history?.verdict?.kind, `seed ${seed}`).toBe('linearizable');
      crashes += r.faults.crashes;
    }
    // The sweep exercises what it claims: some seeds crashed replicas.
    expect(crashes).toBeGreaterThan(0);
  }, 600_000);
});
