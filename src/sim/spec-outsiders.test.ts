import { describe, expect, it } from 'vitest';
import type { HostEnvironment, ImplHost } from '../framework/host.js';
import type { DistributedState } from '../framework/distributed.js';
import type { SpecMachine } from '../framework/spec.js';
import type { HostId, Packet } from '../framework/types.js';
import { simulate, outsiderId } from './simulator.js';
import type { SimOutsiders, SimRefinement, SimSystem } from './system.js';
import { ringSystem } from './testing/ring.js';
import type { RingConfig, RingState } from './testing/ring.js';
import type { RingMsg } from './testing/ring-codec.js';

// The spec check and the outsiders, on the toy ring. Its spec here: the largest epoch any host
// holds, growing by one per step (the ring hands the token on one epoch at a time).

type Ring = SimSystem<RingState, RingMsg, RingConfig, never, never, number>;

function largestEpoch(ds: DistributedState<RingState, RingMsg>): number {
  let top = 0;
  for (const s of ds.hosts.values()) top = Math.max(top, s.epoch);
  return top;
}

/** The toy spec: epochs go up one at a time; `stepBy` other than 1 makes it a wrong spec. */
function epochSpec(stepBy = 1): SpecMachine<number> {
  return { name: 'epochs', init: () => true, next: (s, t) => t === s + stepBy, equal: (a, b) => a === b, show: (s) => `epoch ${s}` };
}

function ringWith(refinement: SimRefinement<RingState, RingMsg, number>, outsiders?: SimOutsiders<RingState, RingMsg>): Ring {
  return { ...ringSystem(), refinement, ...(outsiders !== undefined ? { outsiders } : {}) };
}

describe('the spec check', () => {
  it('passes the correct ring against its spec, and fails a wrong spec with kind spec; off, the run passes', () => {
    for (const seed of [1, 2, 3]) expect(simulate(ringWith({ spec: epochSpec(), abstract: largestEpoch }), { seed }).failure).toBeNull();
    const wrong = ringWith({ spec: epochSpec(2), abstract: largestEpoch });
    const r = simulate(wrong, { seed: 1 });
    expect(r.failure?.kind).toBe('spec');
    expect(r.failure?.message).toMatch(/step accept: the spec state went from epoch \d+ to epoch \d+, which is neither a step of spec epochs nor a stutter/);
    expect(r.trace.some((line) => line.includes('FAILURE spec:'))).toBe(true);
    expect(simulate(wrong, { seed: 1, specCheck: false }).ok).toBe(true);
  });

  it('abstracts once at the start, after every host step and after every restart; a crashed host keeps its last state', () => {
    const sizes = new Set<number>();
    let calls = 0;
    const system = ringWith({
      spec: epochSpec(),
      abstract: (ds) => {
        calls++;
        sizes.add(ds.hosts.size);
        return largestEpoch(ds);
      },
    });
    const r = simulate(system, { seed: 4, noFaults: true, faults: { crashes: { ratePerHostPerSec: 5 } } });
    expect(r.faults.crashes).toBeGreaterThan(0);
    expect(r.failure).toBeNull();
    expect(calls).toBe(1 + r.hostSteps + r.faults.restarts);
    expect([...sizes]).toEqual([3]);
  });

  it('checks every packet a host sends against the spec state after its step', () => {
    const system = ringWith({ spec: epochSpec(), abstract: largestEpoch, packetCorresponds: (s, p) => p.msg.type !== 'ack' || p.msg.epoch <= s });
    expect(simulate(system, { seed: 1 }).failure).toBeNull();
    const lying = ringWith({ spec: epochSpec(), abstract: largestEpoch, packetCorresponds: (_s, p) => p.msg.type !== 'ack' });
    const r = simulate(lying, { seed: 1 });
    expect(r.failure?.kind).toBe('spec');
    expect(r.failure?.message).toMatch(/sent h\d->h\d ack\(\d+\), which does not correspond to spec state epoch \d+/);
  });

  it('shows the abstraction the packets it asks for, each once', () => {
    let kept: readonly Packet<RingMsg>[] = [];
    const system = ringWith({
      spec: epochSpec(),
      abstract: (ds) => {
        kept = ds.network;
        return largestEpoch(ds);
      },
      networkKey: (p) => (p.msg.type === 'transfer' ? `${p.src}>${p.dst}:${p.msg.epoch}` : null),
    });
    const r = simulate(system, { seed: 2, noFaults: true, faults: { network: { dupRate: 0.3, lossRate: 0.2 } } });
    expect(r.failure).toBeNull();
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.every((p) => p.msg.type === 'transfer')).toBe(true);
    expect(new Set(kept.map((p) => `${p.src}>${p.dst}:${p.msg.epoch}`)).size).toBe(kept.length);
  });

  it('computes the spec state again only when the abstraction key changes', () => {
    let calls = 0;
    const counting = (ds: DistributedState<RingState, RingMsg>): number => {
      calls++;
      return largestEpoch(ds);
    };
    const r = simulate(ringWith({ spec: epochSpec(), abstract: counting, abstractionKey: largestEpoch }), { seed: 3 });
    expect(r.failure).toBeNull();
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(r.hostSteps / 2);
    // A key that never changes promises that the spec state never does: even a spec allowing no step passes.
    calls = 0;
    const frozen = ringWith({ spec: epochSpec(0), abstract: counting, abstractionKey: () => 0 });
    expect(simulate(frozen, { seed: 3 }).failure).toBeNull();
    expect(calls).toBe(1);
  });
});

describe('outsiders', () => {
  /** Sends acks and stale transfers, which the correct ring ignores or answers. */
  function ringOutsiders(calledAtMs: number[]): SimOutsiders<RingState, RingMsg> {
    return {
      defaultCount: 1,
      meanIntervalMs: 5,
      message: (prng, view) => {
        calledAtMs.push(view.nowMs);
        const dst = prng.pick(view.hostIds);
        return { dst, msg: prng.chance(0.5) ? { type: 'ack', epoch: 0 } : { type: 'transfer', epoch: 0 } };
      },
    };
  }

  /** The ring with every host wrapped to record the senders it receives from outside the ring. */
  function watched(outsiders: SimOutsiders<RingState, RingMsg>, seen: Set<HostId>): SimSystem<RingState, RingMsg, RingConfig> {
    const base = ringSystem();
    const wrap = (host: ImplHost<RingState, RingMsg>): ImplHost<RingState, RingMsg> => ({
      step: (env) => {
        const watching: HostEnvironment<RingMsg> = {
          me: env.me, disk: env.disk, now: () => env.now(), send: (d, m) => env.send(d, m), emit: (e) => env.emit(e),
          receive: () => {
            const p = env.receive();
            if (p !== null && !base.hostIds.includes(p.src)) seen.add(p.src);
            return p;
          },
        };
        return host.step(watching);
      },
      abstract: () => host.abstract(),
      wakeAfterMs: (now) => host.wakeAfterMs(now),
    });
    return { ...base, wrap, outsiders };
  }

  it('send the service well-formed messages from ids outside it, through the network, during the fault window only', () => {
    const calledAtMs: number[] = [];
    const seen = new Set<HostId>();
    const r = simulate(watched(ringOutsiders(calledAtMs), seen), { seed: 5, durationMs: 500, quietMs: 500 });
    expect(r.failure).toBeNull();
    expect(r.packets.fromOutsiders).toBeGreaterThan(20);
    expect(calledAtMs.length).toBe(r.packets.fromOutsiders);
    expect(Math.max(...calledAtMs)).toBeLessThan(500);
    expect([...seen]).toEqual([outsiderId(1)]);
  });

  it('number as the run says, none without a generator, and replay exactly', () => {
    const seen = new Set<HostId>();
    const three = simulate(watched(ringOutsiders([]), seen), { seed: 6, outsiders: 3 });
    expect([...seen].sort()).toEqual([outsiderId(1), outsiderId(2), outsiderId(3)]);
    expect(simulate(watched(ringOutsiders([]), new Set()), { seed: 6, outsiders: 3 }).traceHash).toBe(three.traceHash);
    const none = simulate(watched(ringOutsiders([]), new Set()), { seed: 6, outsiders: 0 });
    expect(none.packets.fromOutsiders).toBe(0);
    expect(simulate(ringSystem(), { seed: 6, outsiders: 2 }).packets.fromOutsiders).toBe(0);
  });
});
