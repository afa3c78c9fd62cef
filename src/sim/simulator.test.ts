import { describe, expect, it } from 'vitest';
import type { HostEnvironment, ImplHost, StepReport } from '../framework/host.js';
import type { MessageCodec } from '../framework/codec.js';
import { err, ok } from '../core/result.js';
import { simulate } from './simulator.js';
import type { SimRunOptions } from './simulator.js';
import type { FaultOverrides } from './faults.js';
import type { SimSystem } from './system.js';
import { RingHost, ringSystem } from './testing/ring.js';
import type { RingConfig, RingState } from './testing/ring.js';
import type { RingMsg } from './testing/ring-codec.js';
import { counterSystem } from './testing/counter.js';
import { clockBaseMs } from './clock.js';

/** The ring without its liveness condition, for runs that end when the fault window does. */
function ringWithoutLiveness(): SimSystem<RingState, RingMsg, RingConfig> {
  const { liveness: _liveness, ...rest } = ringSystem();
  return rest;
}

describe('determinism', () => {
  it('gives the same report, trace hash included, for the same seed', () => {
    for (const seed of [1, 7, 42]) {
      expect(simulate(ringSystem(), { seed })).toEqual(simulate(ringSystem(), { seed }));
      expect(simulate(counterSystem(), { seed })).toEqual(simulate(counterSystem(), { seed }));
    }
  });

  it('gives different trace hashes for different seeds', () => {
    const hashes = new Set(Array.from({ length: 20 }, (_, i) => simulate(ringSystem(), { seed: i + 1 }).traceHash));
    expect(hashes.size).toBe(20);
  });

  it('hashes the encoded packets: running without the codec changes the hash', () => {
    const a = simulate(ringSystem(), { seed: 3, noFaults: true });
    const b = simulate(ringSystem(), { seed: 3, noFaults: true, codec: false });
    expect(a.ok && b.ok).toBe(true);
    expect(a.hostSteps).toBe(b.hostSteps);
    expect(a.traceHash).not.toBe(b.traceHash);
  });
});

describe('faults in a run', () => {
  const only = (faults: FaultOverrides): SimRunOptions => ({ seed: 5, noFaults: true, faults, durationMs: 3000, quietMs: 0 });

  it('injects nothing without faults, and the correct toys pass', () => {
    const r = simulate(ringSystem(), { seed: 1, noFaults: true });
    expect(r.ok).toBe(true);
    expect(Object.values(r.faults).every((n) => n === 0)).toBe(true);
    expect(r.schedule).toEqual([]);
  });

  it('loses and duplicates packets at about the configured rates', () => {
    const lossy = simulate(ringWithoutLiveness(), only({ network: { lossRate: 0.2 } }));
    expect(lossy.ok).toBe(true);
    expect(lossy.faults.lost / lossy.packets.sent).toBeGreaterThan(0.15);
    expect(lossy.faults.lost / lossy.packets.sent).toBeLessThan(0.25);
    const dupy = simulate(ringWithoutLiveness(), only({ network: { dupRate: 0.1, reorderRate: 0.1 } }));
    expect(dupy.faults.duplicated / dupy.packets.sent).toBeGreaterThan(0.06);
    expect(dupy.faults.duplicated / dupy.packets.sent).toBeLessThan(0.14);
    expect(dupy.faults.reordered / dupy.packets.sent).toBeGreaterThan(0.06);
    expect(dupy.faults.reordered / dupy.packets.sent).toBeLessThan(0.14);
    expect(dupy.faults.lost).toBe(0);
  });

  it('crashes and restarts hosts, every restart within the fault window', () => {
    const r = simulate(ringSystem(), { seed: 2, noFaults: true, faults: { crashes: { ratePerHostPerSec: 2 } } });
    expect(r.ok).toBe(true);
    // 3 hosts x 2 s x 2/s = 12 expected crashes, less the downtime.
    expect(r.faults.crashes).toBeGreaterThan(4);
    expect(r.faults.restarts).toBe(r.faults.crashes);
    const down = new Map<string, number>();
    for (const f of r.schedule) {
      if (f.kind === 'crash') {
        expect(down.has(f.host)).toBe(false);
        down.set(f.host, f.atMs);
      } else if (f.kind === 'restart') {
        expect(f.atMs).toBeGreaterThan(down.get(f.host) ?? Infinity);
        expect(f.atMs).toBeLessThanOrEqual(r.durationMs);
        down.delete(f.host);
      }
    }
    expect(down.size).toBe(0);
  });

  it('heals every partition by the end of the fault window, and the ring is live afterwards', () => {
    const r = simulate(ringSystem(), { seed: 4, noFaults: true, faults: { partitions: { ratePerSec: 4 } } });
    expect(r.ok).toBe(true);
    const started = r.schedule.filter((f) => f.kind === 'partition');
    const healed = r.schedule.filter((f) => f.kind === 'heal');
    expect(started.length).toBeGreaterThan(2);
    expect(started.length).toBe(r.faults.partitions);
    expect(healed.map((f) => f.id).sort()).toEqual(started.map((f) => f.id).sort());
    for (const h of healed) expect(h.atMs).toBeLessThanOrEqual(r.durationMs);
    expect(r.faults.partitionDrops).toBeGreaterThan(0);
  });

  it('fails disk operations at the configured rate, and the toy ring survives it', () => {
    const r = simulate(ringSystem(), { seed: 6, noFaults: true, faults: { disk: { errorRate: 0.05 } } });
    expect(r.ok).toBe(true);
    expect(r.faults.diskErrors).toBeGreaterThan(10);
    expect(r.schedule.some((f) => f.kind === 'diskError')).toBe(true);
  });
});

describe('hosts that cannot start', () => {
  it('stay down and are built again until their disk lets them start', () => {
    const base = ringSystem();
    const system: SimSystem<RingState, RingMsg, RingConfig> = {
      ...base,
      createHost: (id, disk, c) => {
        const r = disk.read('ring.a');
        return r.ok ? ok(new RingHost(id, disk, c)) : err(r.error);
      },
    };
    const r = simulate(system, {
      seed: 3, noFaults: true, faults: { crashes: { ratePerHostPerSec: 5, downMsMin: 1, downMsMax: 2 }, disk: { errorRate: 0.5 } },
    });
    expect(r.failure).toBeNull();
    expect(r.schedule.some((f) => f.kind === 'startRefused')).toBe(true);
    expect(r.faults.restarts).toBe(r.faults.crashes);
  });
});

describe('clocks', () => {
  it('give each host a skewed, drifting clock that never goes backwards, across restarts too', () => {
    const readings = new Map<string, number[]>();
    const base = ringSystem();
    const probe: SimSystem<RingState, RingMsg, RingConfig> = {
      ...base,
      wrap: (host, id) => ({
        step: (env) => host.step({
          me: env.me, disk: env.disk, receive: () => env.receive(), send: (d, m) => env.send(d, m), emit: (e) => env.emit(e),
          now: () => {
            const t = env.now();
            readings.set(id, [...(readings.get(id) ?? []), t]);
            return t;
          },
        }),
        abstract: () => host.abstract(),
        wakeAfterMs: (t) => host.wakeAfterMs(t),
      }),
    };
    const r = simulate(probe, {
      seed: 8, noFaults: true, faults: { clocks: { skewMsMax: 5000, driftPpmMax: 100_000 }, crashes: { ratePerHostPerSec: 2 } },
    });
    expect(r.ok).toBe(true);
    const clocks = r.schedule.flatMap((f) => (f.kind === 'clock' ? [f] : []));
    expect(clocks.length).toBe(3);
    for (const c of clocks) {
      const rs = readings.get(c.host) ?? [];
      expect(rs.length).toBeGreaterThan(100);
      for (let i = 1; i < rs.length; i++) expect(rs[i] ?? 0).toBeGreaterThanOrEqual(rs[i - 1] ?? 0);
      // The last reading is close to where the host's offset and drift put the end of the run.
      const expected = clockBaseMs + c.offsetMs + r.simulatedMs * (1 + c.driftPpm / 1e6);
      expect(Math.abs((rs[rs.length - 1] ?? 0) - expected)).toBeLessThan(50);
    }
    expect(new Set(clocks.map((c) => Math.round(c.offsetMs))).size).toBe(3);
  });
});

/** A host that writes a numbered version of a scratch blob at every step and syncs every few. */
class DiskProbe implements ImplHost<number, RingMsg> {
  private version = 0;
  constructor(private readonly log: (scratch: Uint8Array | null) => void, env: { read(n: string): Uint8Array | null }) {
    const scratch = env.read('scratch');
    this.log(scratch);
    this.version = scratch?.[0] ?? 0;
  }
  step(env: HostEnvironment<RingMsg>): StepReport {
    env.now();
    this.version = (this.version + 1) % 256;
    env.disk.write('scratch', new Uint8Array(8).fill(this.version));
    if (this.version % 5 === 0) env.disk.sync();
    return { action: 'write' };
  }
  abstract(): number {
    return this.version;
  }
  wakeAfterMs(): number {
    return 1;
  }
}

describe('disks under crashes', () => {
  it('keep synced writes; unsynced ones come back whole, lost or torn, and seeds show each', () => {
    const outcomes = { lost: 0, kept: 0, torn: 0 };
    for (const seed of [1, 2, 3]) {
      const synced = new Map<string, number>();
      const system: SimSystem<number, RingMsg, null> = {
        name: 'disk-probe',
        hostIds: ['d0', 'd1'],
        config: null,
        createHost: (id, disk) => new DiskProbe((scratch) => {
          if (!synced.has(id) || scratch === null) return;
          // Whole bytes of one version, or a prefix of a version over the one before it (itself
          // perhaps torn by an earlier crash): each byte equals the one before it or is one less.
          for (let i = 1; i < scratch.length; i++) {
            const step = ((scratch[i - 1] ?? 0) - (scratch[i] ?? 0) + 256) % 256;
            expect(step).toBeLessThanOrEqual(1);
          }
          // The newest version is the last one synced or one written after it.
          const lastSynced = synced.get(id) ?? 0;
          expect(((scratch[0] ?? 0) - lastSynced + 256) % 256).toBeLessThan(5);
        }, { read: (n) => { const r = disk.read(n); return r.ok ? r.value : null; } }),
        wrap: (host, id) => ({
          step: (env) => {
            const report = host.step(env);
            const v = host.abstract();
            if (v % 5 === 0) synced.set(id, v);
            return report;
          },
          abstract: () => host.abstract(),
          wakeAfterMs: (t) => host.wakeAfterMs(t),
        }),
      };
      const r = simulate(system, {
        seed, noFaults: true, durationMs: 1000, quietMs: 10,
        faults: { crashes: { ratePerHostPerSec: 20, downMsMin: 1, downMsMax: 2 }, disk: { unsyncedLossRate: 0.3, tornWriteRate: 0.5 } },
      });
      expect(r.failure).toBeNull();
      outcomes.lost += r.faults.unsyncedLost;
      outcomes.kept += r.faults.unsyncedKept;
      outcomes.torn += r.faults.tornWrites;
    }
    expect(outcomes.lost).toBeGreaterThan(0);
    expect(outcomes.kept).toBeGreaterThan(0);
    expect(outcomes.torn).toBeGreaterThan(0);
  });
});

describe('failures', () => {
  it('catches the unsafe ring, with the seed, the faults and the trace, and replays it exactly', () => {
    const r = simulate(ringSystem({ variant: 'unsafe' }), { seed: 1 });
    expect(r.ok).toBe(false);
    expect(r.failure?.kind).toBe('safety');
    expect(r.failure?.message).toMatch(/accepted epoch \d+ after epoch \d+/);
    expect(r.seed).toBe(1);
    expect(r.trace.length).toBe(60);
    expect(r.trace[r.trace.length - 1]).toMatch(/FAILURE safety/);
    expect(r.trace.some((line) => line.includes('emit "accept'))).toBe(true);
    expect(simulate(ringSystem({ variant: 'unsafe' }), { seed: 1 })).toEqual(r);
  });

  it('catches the ring that never retransmits as a liveness failure once a transfer is lost', () => {
    const r = simulate(ringSystem({ variant: 'stuck' }), { seed: 2, noFaults: true, faults: { network: { lossRate: 0.3 } } });
    expect(r.failure?.kind).toBe('liveness');
    expect(r.failure?.message).toMatch(/every host emits 'accept' within/);
    expect(r.faults.lost).toBeGreaterThan(0);
    expect(simulate(ringSystem({ variant: 'stuck' }), { seed: 2, noFaults: true })).toMatchObject({ ok: true });
  });

  it('catches the counter that applies retransmissions twice, through the history check', () => {
    const r = simulate(counterSystem({ variant: 'dupinc' }), { seed: 1, noFaults: true, faults: { network: { dupRate: 0.2 } } });
    expect(r.failure?.kind).toBe('linearizability');
    expect(r.history?.verdict?.kind).toBe('violation');
    const good = simulate(counterSystem(), { seed: 1, noFaults: true, faults: { network: { dupRate: 0.2 } } });
    expect(good.ok).toBe(true);
    expect(good.history?.verdict).toEqual({ kind: 'linearizable' });
    expect(good.history?.returns).toBeGreaterThan(100);
  });

  it('reports an exception from a wrapped host (as the refinement monitor throws) as a failure', () => {
    class ProbeViolation extends Error {
      override readonly name = 'ProbeViolation';
    }
    let steps = 0;
    const system = {
      ...ringSystem(),
      wrap: (host: ImplHost<RingState, RingMsg>): ImplHost<RingState, RingMsg> => ({
        step: (env) => {
          if (++steps === 50) throw new ProbeViolation('step 50 does not refine');
          return host.step(env);
        },
        abstract: () => host.abstract(),
        wakeAfterMs: (t) => host.wakeAfterMs(t),
      }),
    };
    const r = simulate(system, { seed: 3 });
    expect(r.failure?.kind).toBe('exception');
    expect(r.failure?.message).toBe('ProbeViolation: step 50 does not refine');
    expect(r.hostSteps).toBe(49);
  });

  it('rejects a step that reads the clock after sending (the reduction order)', () => {
    const system: SimSystem<number, RingMsg, null> = {
      name: 'bad-order', hostIds: ['a', 'b'], config: null,
      createHost: (id) => ({
        step: (env) => {
          env.send(id === 'a' ? 'b' : 'a', { type: 'ack', epoch: 1 });
          env.now();
          return { action: 'ping' };
        },
        abstract: () => 0,
        wakeAfterMs: () => 10,
      }),
    };
    const r = simulate(system, { seed: 1 });
    expect(r.failure?.kind).toBe('reduction');
    expect(r.failure?.message).toMatch(/a clock read after a send/);
  });

  it('catches a codec whose decoding does not give back what was encoded', () => {
    const inner = ringSystem();
    const real = inner.codec;
    if (real === undefined) throw new Error('the ring has a codec');
    const lossy: MessageCodec<RingMsg> = {
      encode: (m) => real.encode(m),
      decode: (b) => {
        const d = real.decode(b);
        return d.ok && d.value.epoch > 3 ? ok({ ...d.value, epoch: 3 }) : d;
      },
    };
    const r = simulate({ ...inner, codec: lossy }, { seed: 1, noFaults: true });
    expect(r.failure?.kind).toBe('codec');
    expect(simulate({ ...inner, codec: lossy }, { seed: 1, noFaults: true, codec: false }).ok).toBe(true);
  });

  it('stops a host that never stops stepping at the step limit', () => {
    const system: SimSystem<number, RingMsg, null> = {
      name: 'busy', hostIds: ['a'], config: null,
      createHost: () => ({ step: () => ({ action: null }), abstract: () => 0, wakeAfterMs: () => 0 }),
    };
    const r = simulate(system, { seed: 1, stepsMax: 1000 });
    expect(r.failure?.kind).toBe('stepLimit');
  });
});

describe('the correct toys', () => {
  it('pass a range of seeds with seed-picked faults', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = simulate(ringSystem(), { seed });
      expect(r.failure).toBeNull();
    }
    for (let seed = 1; seed <= 10; seed++) {
      const r = simulate(counterSystem(), { seed });
      expect(r.failure).toBeNull();
    }
  });
});
