import { describe, expect, it } from 'vitest';
import { Prng } from '../core/prng.js';
import { noFaults, pickFaultPlan, planProblem, sampleDelayUs, withOverrides } from './faults.js';
import type { DelayModel, NetworkFaults } from './faults.js';
import { SimNetwork } from './network.js';
import { planFaults } from './schedule.js';

const network = (f: Partial<NetworkFaults>): NetworkFaults => ({ ...noFaults.network, ...f });

describe('fault plans', () => {
  it('are picked by the seed, and overrides replace only what they set', () => {
    expect(pickFaultPlan(new Prng(9))).toEqual(pickFaultPlan(new Prng(9)));
    const plans = new Set(Array.from({ length: 20 }, (_, s) => JSON.stringify(pickFaultPlan(new Prng(s)))));
    expect(plans.size).toBeGreaterThan(10);
    const p = pickFaultPlan(new Prng(9), { network: { lossRate: 0.5 }, crashes: { ratePerHostPerSec: 0 } });
    const q = pickFaultPlan(new Prng(9));
    expect(p.network.lossRate).toBe(0.5);
    expect(p.crashes.ratePerHostPerSec).toBe(0);
    expect(p.network.dupRate).toBe(q.network.dupRate);
    expect(p.disk).toEqual(q.disk);
  });

  it('reject values out of range', () => {
    expect(planProblem(noFaults)).toBeNull();
    expect(() => withOverrides(noFaults, { network: { lossRate: 1.5 } })).toThrow(/lossRate/);
    expect(() => withOverrides(noFaults, { clocks: { driftPpmMax: 600_000 } })).toThrow(/driftPpmMax/);
    expect(() => withOverrides(noFaults, { crashes: { downMsMin: 10, downMsMax: 5 } })).toThrow(/downMsMax/);
  });

  it('draw delays within their model', () => {
    const prng = new Prng(4);
    const models: DelayModel[] = [
      { kind: 'fixed', ms: 3 },
      { kind: 'uniform', minMs: 1, maxMs: 2 },
      { kind: 'exponential', minMs: 0.5, meanMs: 2, maxMs: 10 },
    ];
    for (const m of models) {
      const lo = m.kind === 'fixed' ? m.ms : m.minMs;
      const hi = m.kind === 'fixed' ? m.ms : m.maxMs;
      for (let i = 0; i < 500; i++) {
        const us = sampleDelayUs(m, prng);
        expect(us).toBeGreaterThanOrEqual(lo * 1000);
        expect(us).toBeLessThanOrEqual(hi * 1000);
      }
    }
  });
});

describe('SimNetwork', () => {
  it('loses, duplicates and holds back packets at the configured rates, only while faults are on', () => {
    const n = 20_000;
    const net = new SimNetwork(2, network({ lossRate: 0.1, dupRate: 0.05, reorderRate: 0.2, reorderDelayMsMax: 5 }), new Prng(11));
    net.faultsOn = true;
    for (let i = 0; i < n; i++) net.transmit(0);
    expect(net.counts.sent).toBe(n);
    // Counts within a loose band around the rate (several standard deviations wide).
    expect(net.counts.lost / n).toBeGreaterThan(0.09);
    expect(net.counts.lost / n).toBeLessThan(0.11);
    const kept = n - net.counts.lost;
    expect(net.counts.duplicated / kept).toBeGreaterThan(0.04);
    expect(net.counts.duplicated / kept).toBeLessThan(0.06);
    expect(net.counts.reordered / kept).toBeGreaterThan(0.18);
    expect(net.counts.reordered / kept).toBeLessThan(0.22);
    net.faultsOn = false;
    const lost = net.counts.lost;
    for (let i = 0; i < 1000; i++) expect(net.transmit(0).copies).toBe(1);
    expect(net.counts.lost).toBe(lost);
  });

  it('delivers later than sent by the delay model, and a held-back packet by more', () => {
    const net = new SimNetwork(2, network({ reorderRate: 1, reorderDelayMsMax: 50, delay: { kind: 'fixed', ms: 1 } }), new Prng(2));
    net.faultsOn = true;
    const f = net.transmit(1000);
    expect(f.arrivalsUs[0]).toBe(2000 + f.heldBackUs);
    expect(f.heldBackUs).toBeGreaterThan(0);
  });

  it('cuts links while partitions are active, counting overlapping partitions', () => {
    const net = new SimNetwork(3, noFaults.network, new Prng(1));
    net.cut([0], [1, 2]);
    net.cut([0], [1]);
    expect([net.isCut(0, 1), net.isCut(0, 2), net.isCut(1, 0)]).toEqual([true, true, false]);
    net.heal([0], [1, 2]);
    expect([net.isCut(0, 1), net.isCut(0, 2)]).toEqual([true, false]);
    net.heal([0], [1]);
    expect(net.isCut(0, 1)).toBe(false);
  });
});

describe('planFaults', () => {
  it('plans crashes and partitions at about the configured rates, all over by the end of the window', () => {
    const plan = withOverrides(noFaults, { crashes: { ratePerHostPerSec: 2, downMsMin: 1, downMsMax: 2 }, partitions: { ratePerSec: 5 } });
    const windowUs = 20_000_000;
    const s = planFaults(plan, new Prng(3), 4, 6, windowUs);
    // 4 hosts x 20 s x 2/s = 160 expected crashes; 20 s x 5/s = 100 expected partitions.
    expect(s.crashes.length).toBeGreaterThan(120);
    expect(s.crashes.length).toBeLessThan(200);
    expect(s.partitions.length).toBeGreaterThan(70);
    expect(s.partitions.length).toBeLessThan(130);
    for (const c of s.crashes) {
      expect(c.restartUs).toBeGreaterThan(c.crashUs);
      expect(c.restartUs).toBeLessThanOrEqual(windowUs);
      expect(c.host).toBeLessThan(4);
    }
    for (let h = 0; h < 4; h++) {
      const mine = s.crashes.filter((c) => c.host === h);
      for (let i = 1; i < mine.length; i++) expect(mine[i]?.crashUs ?? 0).toBeGreaterThanOrEqual(mine[i - 1]?.restartUs ?? 0);
    }
    for (const p of s.partitions) {
      expect(p.endUs).toBeLessThanOrEqual(windowUs);
      expect(p.from.length).toBeGreaterThan(0);
      expect(p.to.length).toBeGreaterThan(0);
      expect(p.from.length + p.to.length).toBe(6);
    }
    expect(s.partitions.some((p) => p.oneWay) && s.partitions.some((p) => !p.oneWay)).toBe(true);
  });
});
