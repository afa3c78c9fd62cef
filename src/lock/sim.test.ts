import { describe, expect, it } from 'vitest';
import { simulate } from '../sim/simulator.js';
import { runCampaign, seedRange } from '../sim/campaign.js';
import { anySystem } from '../sim/entry.js';
import { monitor } from '../check/monitor.js';
import { lockSystem } from './sim.js';
import { lockProtocol, type LockConfig, type LockHostState } from './protocol/host.js';
import type { LockMsg } from './protocol/messages.js';
import type { SimSystem } from '../sim/system.js';
import { lockSpec } from './spec.js';
import { lockAbstraction } from './protocol/refinement.js';

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
    // No safety or spec check: only the monitor, checking against the correct protocol, can catch it.
    const { createSafetyCheck: _safety, refinement: _spec, ...rest } = lockSystem({ variant: 'accept-stale' });
    const broken: SimSystem<LockHostState, LockMsg, LockConfig> = { ...rest, wrap: (h) => monitor(h, lockProtocol) };
    const summary = runCampaign(anySystem(broken), seedRange(1, 20), {});
    expect(summary.failures).toBeGreaterThan(0);
    const report = simulate(broken, { seed: summary.failedSeeds[0] ?? 0 });
    expect(report.failure?.message).toContain('refinement violation');
  });

  it('catches Locked with the wrong epoch by the spec check alone: with it off, the same seeds pass', () => {
    const broken = lockSystem({ variant: 'wrong-locked' });
    const reports = seedRange(1, 5).map((seed) => simulate(broken, { seed }));
    for (const r of reports) {
      expect(r.failure?.kind).toBe('spec');
      expect(r.failure?.message).toMatch(/step accept: sent h\d->h\d locked\(\d+\), which does not correspond to spec state epoch \d+/);
    }
    const off = runCampaign(anySystem(broken), seedRange(1, 10), { specCheck: false });
    expect(off.failedSeeds).toEqual([]);
  });

  it('catches a host that takes the lock from an outsider, and only with an outsider', () => {
    const broken = lockSystem({ variant: 'accept-outsider' });
    const withOutsider = runCampaign(anySystem(broken), seedRange(1, 5), {});
    expect(withOutsider.failedSeeds).toEqual(seedRange(1, 5));
    const first = simulate(broken, { seed: 1 });
    expect(first.failure?.message).toContain('outsider1');
    const without = runCampaign(anySystem(broken), seedRange(1, 10), { outsiders: 0 });
    expect(without.failedSeeds).toEqual([]);
  });

  it('catches a holder restored from a stale disk (a grant sent before its state is synced) within 20 seeds', () => {
    const broken = lockSystem({ variant: 'grant-unsynced' });
    const summary = runCampaign(anySystem(broken), seedRange(1, 20), {});
    expect(summary.failures).toBeGreaterThan(0);
    const r = simulate(broken, { seed: summary.failedSeeds[0] ?? 0 });
    expect(r.failure?.kind).toBe('safety');
    expect(r.failure?.message).toMatch(/holds the lock at epoch (\d+), but epoch \d+ was accepted before/);
    expect(r.faults.crashes).toBeGreaterThan(0);
  });

  it('finds the same failures with the abstraction key as when it computes the spec state after every step', () => {
    for (const variant of ['correct', 'wrong-locked', 'accept-outsider'] as const) {
      const keyed = lockSystem({ variant });
      const { abstractionKey: _key, ...refinement } = keyed.refinement ?? { spec: lockSpec, abstract: lockAbstraction };
      const full = { ...keyed, refinement };
      for (const seed of [1, 2, 3]) expect(simulate(full, { seed }).failure).toEqual(simulate(keyed, { seed }).failure);
    }
  });
});
