import { describe, expect, it } from 'vitest';
import { simulate } from '../sim/simulator.js';
import { runCampaign, seedRange } from '../sim/campaign.js';
import { anySystem } from '../sim/entry.js';
import { monitor } from '../check/monitor.js';
import { lockSystem } from './sim.js';
import { lockProtocol, type LockConfig, type LockHostState } from './protocol/host.js';
import type { LockMsg } from './protocol/messages.js';
import type { SimSystem } from '../sim/system.js';

// The real IronLock hosts in the deterministic simulator, with every fault on: loss, duplication,
// reordering, partitions, crashes with restarts from disk, disk errors, clock skew.

describe('IronLock in the simulator', () => {
  it('passes 60 seeds with all faults on, and the faults really happen', () => {
    const summary = runCampaign(anySystem(lockSystem()), seedRange(1, 60), {});
    expect(summary.failedSeeds).toEqual([]);
    expect(summary.faults.lost).toBeGreaterThan(0);
    expect(summary.faults.duplicated).toBeGreaterThan(0);
    expect(summary.faults.partitions).toBeGreaterThan(0);
    expect(summary.faults.crashes).toBeGreaterThan(0);
  });

  it('gives the same trace, bit for bit, for the same seed', () => {
    const a = simulate(lockSystem(), { seed: 42 });
    const b = simulate(lockSystem(), { seed: 42 });
    expect(a.traceHash).toBe(b.traceHash);
    expect(simulate(lockSystem(), { seed: 43 }).traceHash).not.toBe(a.traceHash);
  });

  it('catches the host that accepts a stale transfer, and replays the failure from its seed', () => {
    const broken = lockSystem({ variant: 'accept-stale' });
    const summary = runCampaign(anySystem(broken), seedRange(1, 20), {});
    expect(summary.failures).toBeGreaterThan(0);
    const seed = summary.failedSeeds[0] ?? 0;
    const first = simulate(broken, { seed });
    expect(first.failure?.kind).toBe('safety');
    const replay = simulate(lockSystem({ variant: 'accept-stale' }), { seed });
    expect(replay.failure).toEqual(first.failure);
    expect(replay.traceHash).toBe(first.traceHash);
  });

  it('catches the same bug through the refinement monitor, against the correct protocol', () => {
    // No safety check: only the monitor, checking against the correct protocol, can catch it.
    const { createSafetyCheck: _safety, ...rest } = lockSystem({ variant: 'accept-stale' });
    const broken: SimSystem<LockHostState, LockMsg, LockConfig> = { ...rest, wrap: (h) => monitor(h, lockProtocol) };
    const summary = runCampaign(anySystem(broken), seedRange(1, 20), {});
    expect(summary.failures).toBeGreaterThan(0);
    const report = simulate(broken, { seed: summary.failedSeeds[0] ?? 0 });
    expect(report.failure?.message).toContain('refinement violation');
  });
});
