import { describe, expect, it } from 'vitest';
import { simulate } from '../sim/simulator.js';
import type { SimReport } from '../sim/report.js';
import { rslSystem } from './sim.js';
import type { RslSimOptions } from './sim.js';
import type { RslImplMsg } from './wire.js';
import { ok } from '../core/result.js';
import { monitor } from '../check/monitor.js';
import type { DurableStore, HostEnvironment } from '../framework/host.js';
import type { Packet } from '../framework/types.js';
import { kvService } from '../apps/kv.js';
import { RslReplica } from './impl/replica.js';
import type { RslConstants } from './protocol/replica.js';
import { rslProtocol } from './protocol/replica.js';
import type { ServiceFactory } from './service.js';
import { serviceAppSpec } from './service.js';
import { rslSimParams } from './sim.js';
import { rslImplVariants } from './testing.js';

/** A disk in memory that never fails. */
function memoryDisk(): DurableStore {
  const blobs = new Map<string, Uint8Array>();
  return {
    read: (name) => ok(blobs.get(name) ?? null),
    write: (name, data) => ok(void blobs.set(name, data.slice())),
    sync: () => ok(undefined),
  };
}

/** An environment delivering `packets` in order, at clock 0, dropping what is sent. */
function scriptedEnv(me: string, packets: Packet<RslImplMsg>[]): HostEnvironment<RslImplMsg> {
  const queue = [...packets];
  return { me, receive: () => queue.shift() ?? null, now: () => 0, send: () => undefined, disk: memoryDisk(), emit: () => undefined };
}
import { rslCodec, rslWireCodec } from './wire.js';

const ballot = { seqno: 3, proposer: 1 };
const batch = [{ client: 'c0', seqno: 7, payload: Uint8Array.of(1, 2) }, { client: 'c1', seqno: 1, payload: new Uint8Array(0) }];

describe('IronRSL wire format', () => {
  const messages: RslImplMsg[] = [
    { type: 'request', seqno: 1, payload: Uint8Array.of(9) },
    { type: '1a', ballot },
    { type: '1b', ballot, logTruncationPoint: 4, votes: new Map([[6, { maxVBal: ballot, maxVal: batch }], [4, { maxVBal: { seqno: 1, proposer: 0 }, maxVal: [] }]]) },
    { type: '2a', ballot, opn: 5, batch },
    { type: '2b', ballot, opn: 5, batch },
    { type: 'heartbeat', ballot, suspicious: true, opsComplete: 12 },
    { type: 'reply', seqno: 7, reply: Uint8Array.of(0) },
    { type: 'appStateRequest', ballot, opn: 9 },
    { type: 'appStateSupply', ballot, opn: 9, state: { app: Uint8Array.of(1, 2, 3), replyCache: new Map([['c1', { client: 'c1', seqno: 1, reply: Uint8Array.of(4) }], ['c0', { client: 'c0', seqno: 2, reply: new Uint8Array(0) }]]) } },
    { type: 'startingPhase2', ballot, logTruncationPoint: 3 },
    { type: 'leaderHint', seqno: 2, leader: 'r1' },
  ];

  it('round-trips every message type, maps included, and encodes canonically', () => {
    for (const m of messages) {
      const bytes = rslCodec.encode(m);
      const back = rslCodec.decode(bytes);
      expect(back.ok, m.type).toBe(true);
      if (!back.ok) continue;
      expect(back.value).toEqual(m);
      expect(rslCodec.encode(back.value)).toEqual(bytes);
      expect(rslCodec.size(m)).toBe(bytes.length);
    }
  });

  it('refuses votes out of slot order and a reply cache with a repeated client, as values', () => {
    const unsorted = rslWireCodec.encode({ type: '1b', ballot, logTruncationPoint: 0, votes: [{ opn: 2, maxVBal: ballot, maxVal: [] }, { opn: 1, maxVBal: ballot, maxVal: [] }] });
    const r = rslCodec.decode(unsorted);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('invalid');
    const entry = { client: 'c0', seqno: 1, reply: new Uint8Array(0) };
    const repeated = rslWireCodec.encode({ type: 'appStateSupply', ballot, opn: 1, state: { app: new Uint8Array(0), replyCache: [entry, entry] } });
    expect(rslCodec.decode(repeated).ok).toBe(false);
    expect(rslCodec.decode(Uint8Array.of(2, 0, 0)).ok).toBe(false);
    expect(rslCodec.decode(Uint8Array.of(200)).ok).toBe(false);
  });
});

/** Runs `seeds` and returns the reports. */
function run(options: RslSimOptions, seeds: readonly number[], durationMs = 1_000, quietMs = 3_500): SimReport[] {
  const system = rslSystem(options);
  return seeds.map((seed) => simulate(system, { seed, durationMs, quietMs }));
}

/** The first failing report among `seeds`, running them in order and stopping at the first failure. */
function firstFailure(options: RslSimOptions, seeds: readonly number[], durationMs = 1_000): SimReport | null {
  const system = rslSystem(options);
  for (const seed of seeds) {
    const r = simulate(system, { seed, durationMs, quietMs: 3_500 });
    if (!r.ok) return r;
  }
  return null;
}

describe('IronRSL in the simulator', () => {
  // Seeds 8, 14, 22, 26 and 31 of `ironfleet sim rsl` once stalled for good: every replica that had
  // executed a prefix crashed and restarted at slot 0 after the acceptors had truncated below it.
  const seeds = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('passes the monitor, the spec check, linearizability and liveness on seeds with faults (kv)', () => {
    for (const r of run({ app: 'kv' }, seeds(1, 25))) {
      expect(r.failure, `seed ${r.seed}`).toBeNull();
      expect(r.history?.returns ?? 0).toBeGreaterThan(50);
      expect(r.history?.verdict?.kind).toBe('linearizable');
    }
  }, 180_000);

  it('passes with the counter service', () => {
    for (const r of run({ app: 'counter' }, seeds(26, 32))) expect(r.failure, `seed ${r.seed}`).toBeNull();
  }, 120_000);

  it('catches an executor that runs a resent request again (implementation and protocol alike)', () => {
    const r = firstFailure({ app: 'counter', variant: 'execute-twice' }, [1, 2, 3, 4]);
    expect(r).not.toBeNull();
    expect(['spec', 'linearizability']).toContain(r?.failure?.kind);
  }, 60_000);

  it('catches an acceptor that takes a 2a below its promise with the monitor (the implementation only)', () => {
    // A stale leader's 2a arriving after a higher 1a: the scenario the simulator needs a view change for.
    const constants: RslConstants = { config: { replicaIds: ['r0', 'r1', 'r2'] }, params: rslSimParams };
    const app = serviceAppSpec(kvService as unknown as ServiceFactory);
    const { host, protocol } = rslImplVariants(app, 'accept-below-promise-impl');
    const built = RslReplica.recover(constants, 'r2', memoryDisk(), kvService as unknown as ServiceFactory, host);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const monitored = monitor(built.value, protocol);
    const env = scriptedEnv('r2', [
      { src: 'r1', dst: 'r2', msg: { type: '1a', ballot: { seqno: 1, proposer: 1 } } },
      { src: 'r0', dst: 'r2', msg: { type: '2a', ballot: { seqno: 1, proposer: 0 }, opn: 0, batch: [] } },
    ]);
    expect(monitored.step(env).action).toBe('process1a');
    expect(() => monitored.step(env)).toThrow(/refinement violation .*process2a.*notEnabled/);
    // The correct replica ignores that 2a.
    const correct = RslReplica.recover(constants, 'r2', memoryDisk(), kvService as unknown as ServiceFactory);
    if (!correct.ok) throw new Error('no replica');
    const checked = monitor(correct.value, rslProtocol(app));
    const env2 = scriptedEnv('r2', [
      { src: 'r1', dst: 'r2', msg: { type: '1a', ballot: { seqno: 1, proposer: 1 } } },
      { src: 'r0', dst: 'r2', msg: { type: '2a', ballot: { seqno: 1, proposer: 0 }, opn: 0, batch: [] } },
    ]);
    expect(checked.step(env2).action).toBe('process1a');
    expect(checked.step(env2).action).toBe('ignore');
  });
});
