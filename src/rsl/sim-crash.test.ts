import { describe, expect, it } from 'vitest';
import { simulate } from '../sim/simulator.js';
import { rslSystem } from './sim.js';

// Crash recovery in the simulator: every replica crashes and restarts again and again, each on its
// own and all at once (a power cut), and at each crash the simulated disk loses or tears what was
// not yet synced. Checked as on every seed: the monitor on every host, the spec on every step,
// linearizable histories, and every pending request answered once faults stop.

/** Seeds run. */
const crashSeeds = 24;

describe('IronRSL in the simulator, replicas crashing', () => {
  it(`passes seeds 1..${crashSeeds} where every replica crashes often, all at once included, and unsynced writes are lost or torn`, () => {
    const system = rslSystem({ app: 'kv' });
    const totals = { allDown: 0, crashes: 0, unsyncedLost: 0, tornWrites: 0 };
    for (let seed = 1; seed <= crashSeeds; seed++) {
      const r = simulate(system, {
        seed,
        faults: { crashes: { ratePerHostPerSec: 2, allAtOnceRatePerSec: 2, downMsMax: 100 }, disk: { unsyncedLossRate: 0.5, tornWriteRate: 0.5 } },
      });
      expect(r.failure, `seed ${seed}`).toBeNull();
      expect(r.history?.verdict?.kind, `seed ${seed}`).toBe('linearizable');
      totals.allDown += r.faults.allDown;
      totals.crashes += r.faults.crashes;
      totals.unsyncedLost += r.faults.unsyncedLost;
      totals.tornWrites += r.faults.tornWrites;
    }
    // The seeds exercise what they claim: all replicas down at once, lost and torn unsynced writes.
    expect(totals.allDown).toBeGreaterThan(crashSeeds);
    expect(totals.unsyncedLost).toBeGreaterThan(0);
    expect(totals.tornWrites).toBeGreaterThan(0);
  }, 600_000);

  it('catches a broken variant that sends its 1b or 2b before the promise or vote is synced', () => {
    const system = rslSystem({ app: 'kv', variant: 'ack-before-sync' });
    const failed: number[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const r = simulate(system, {
        seed,
        faults: { crashes: { ratePerHostPerSec: 2, allAtOnceRatePerSec: 2, downMsMax: 100 }, disk: { unsyncedLossRate: 0.5, tornWriteRate: 0.5 } },
      });
      if (r.failure !== null) failed.push(seed);
    }
    expect(failed.length).toBeGreaterThan(0);
  }, 600_000);
});

