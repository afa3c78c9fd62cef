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
import { counterRequest, counterService, decodeCounterValue } from '../apps/counter.js';
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
    append: (name, data) => ok(void blobs.set(name, Uint8Array.from([...(blobs.get(name) ?? []), ...data]))),
    sync: () => ok(undefined),
  };
}

/** An environment delivering `packets` in order, at clock 0, dropping what is sent. */
function scriptedEnv(me: string, packets: Packet<RslImplMsg>[]): HostEnvironment<RslImplMsg> {
  const queue = [...packets];
  return { me, receive: () => queue.shift() ?? null, now: () => 0, send: () => undefined, disk: memoryDisk(), emit: () => undefined };
}
import { fitsRslHostId, parseSessionClientId, rslCodec, rslHostIdBytesMax, rslPacketAbstraction, rslWireCodec, sessionClientId } from './wire.js';

const ballot = { seqno: 3, proposer: 1 };
const batch = [{ client: 'c0', seqno: 7, payload: Uint8Array.of(1, 2) }, { client: 'c1', seqno: 1, payload: new Uint8Array(0) }];

describe('IronRSL wire format', () => {
  const messages: RslImplMsg[] = [
    { type: 'request', session: 4_000_000_000, seqno: 1, payload: Uint8Array.of(9) },
    { type: '1a', ballot },
    { type: '1b', ballot, logTruncationPoint: 4, votes: new Map([[6, { maxVBal: ballot, maxVal: batch }], [4, { maxVBal: { seqno: 1, proposer: 0 }, maxVal: [] }]]) },
    { type: '2a', ballot, opn: 5, batch },
    { type: '2b', ballot, opn: 5 },
    { type: 'heartbeat', ballot, suspicious: true, opsComplete: 12 },
    { type: 'reply', session: 0, seqno: 7, reply: Uint8Array.of(0) },
    { type: 'appStateRequest', ballot, opn: 9 },
    { type: 'appStateSupply', ballot, opn: 9, state: { app: Uint8Array.of(1, 2, 3), replyCache: new Map([['c1', { client: 'c1', seqno: 1, reply: Uint8Array.of(4) }], ['c0', { client: 'c0', seqno: 2, reply: new Uint8Array(0) }]]) } },
    { type: 'startingPhase2', ballot, logTruncationPoint: 3 },
    { type: 'leaderHint', session: 3, seqno: 2, leader: 'r1' },
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

describe('IronRSL client sessions', () => {
  const host = 'f'.repeat(64);

  it('names session s of host H as the client H/s, and parses back exactly such names', () => {
    expect(sessionClientId(host, 0)).toBe(`${host}/0`);
    for (const [h, session] of [[host, 0], [host, 2 ** 32 - 1], ['c0', 7], ['a/1', 2]] as const) {
      expect(parseSessionClientId(sessionClientId(h, session))).toEqual({ host: h, session });
    }
    for (const id of ['c0', '/3', 'c0/', 'c0/01', 'c0/-1', 'c0/1.5', 'c0/1e3', 'c0/ 1', `c0/${2 ** 32}`, 'c0/99999999999']) {
      expect(parseSessionClientId(id), id).toBeNull();
    }
    // A transport host's longest session client id fits the wire; 'é' is two bytes of UTF-8.
    expect(fitsRslHostId(sessionClientId(host, 2 ** 32 - 1))).toBe(true);
    expect(fitsRslHostId('é'.repeat(rslHostIdBytesMax / 2))).toBe(true);
    expect(fitsRslHostId('é'.repeat(rslHostIdBytesMax / 2 + 1))).toBe(false);
  });

  it('abstracts a request from H in session s to one from H/s, a reply or hint to H in session s to one to H/s, and nothing else', () => {
    const payload = Uint8Array.of(1);
    expect(rslPacketAbstraction({ src: 'h', dst: 'r0', msg: { type: 'request', session: 2, seqno: 5, payload } }))
      .toEqual({ src: 'h/2', dst: 'r0', msg: { type: 'request', seqno: 5, payload } });
    expect(rslPacketAbstraction({ src: 'r0', dst: 'h', msg: { type: 'reply', session: 3, seqno: 5, reply: payload } }))
      .toEqual({ src: 'r0', dst: 'h/3', msg: { type: 'reply', seqno: 5, reply: payload } });
    expect(rslPacketAbstraction({ src: 'r1', dst: 'h', msg: { type: 'leaderHint', session: 0, seqno: 5, leader: 'r0' } }))
      .toEqual({ src: 'r1', dst: 'h/0', msg: { type: 'leaderHint', seqno: 5, leader: 'r0' } });
    const heartbeat: Packet<RslImplMsg> = { src: 'r0', dst: 'r1', msg: { type: 'heartbeat', ballot, suspicious: false, opsComplete: 0 } };
    expect(rslPacketAbstraction(heartbeat)).toBe(heartbeat);
  });

  it('executes each session of a host as its own client, answers each session, and never lets a host speak for another', () => {
    // One replica, so it decides alone; its packets to itself come back, the rest are the clients'.
    const constants: RslConstants = { config: { replicaIds: ['r0'] }, params: rslSimParams };
    const factory = counterService as unknown as ServiceFactory;
    const built = RslReplica.recover(constants, 'r0', memoryDisk(), factory);
    if (!built.ok) throw new Error('no replica');
    const replica = monitor(built.value, rslProtocol(serviceAppSpec(factory)), rslPacketAbstraction);
    const inbox: Packet<RslImplMsg>[] = [];
    const toClients: Packet<RslImplMsg>[] = [];
    let nowMs = 0;
    const env: HostEnvironment<RslImplMsg> = {
      me: 'r0', receive: () => inbox.shift() ?? null, now: () => nowMs, disk: memoryDisk(), emit: () => undefined,
      send: (dst, msg) => (dst === 'r0' ? inbox : toClients).push({ src: 'r0', dst, msg }),
    };
    const request = (src: string, session: number, seqno: number): void => {
      inbox.push({ src, dst: 'r0', msg: { type: 'request', session, seqno, payload: counterRequest() } });
    };
    /** Steps until `count` replies have come, returning them as `dst session#seqno=value`. */
    const replies = (count: number): string[] => {
      const out: string[] = [];
      for (let i = 0; i < 500 && out.length < count; i++) {
        replica.step(env);
        nowMs += 1;
        for (const p of toClients.splice(0)) {
          if (p.msg.type !== 'reply') continue;
          const value = decodeCounterValue(p.msg.reply);
          out.push(`${p.dst} ${p.msg.session}#${p.msg.seqno}=${value.ok ? value.value : '?'}`);
        }
      }
      return out.sort();
    };
    request('h', 0, 1);
    request('h', 1, 1);
    expect(replies(2)).toEqual(['h 0#1=1', 'h 1#1=2']);
    // A resend of session 0's request is answered from the cache, to session 0: not executed again.
    request('h', 0, 1);
    expect(replies(1)).toEqual(['h 0#1=1']);
    // Host g's session 0 is another client than h's: its seqno 1 is new and runs.
    request('g', 0, 1);
    expect(replies(1)).toEqual(['g 0#1=3']);
    expect([...replica.abstract().executor.replyCache.keys()].sort()).toEqual(['g/0', 'h/0', 'h/1']);
    expect(replica.stats.actions.get('replyFromCache')).toBe(1);
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
    const monitored = monitor(built.value, protocol, rslPacketAbstraction);
    const env = scriptedEnv('r2', [
      { src: 'r1', dst: 'r2', msg: { type: '1a', ballot: { seqno: 1, proposer: 1 } } },
      { src: 'r0', dst: 'r2', msg: { type: '2a', ballot: { seqno: 1, proposer: 0 }, opn: 0, batch: [] } },
    ]);
    expect(monitored.step(env).action).toBe('process1a');
    expect(() => monitored.step(env)).toThrow(/refinement violation .*process2a.*notEnabled/);
    // The correct replica ignores that 2a.
    const correct = RslReplica.recover(constants, 'r2', memoryDisk(), kvService as unknown as ServiceFactory);
    if (!correct.ok) throw new Error('no replica');
    const checked = monitor(correct.value, rslProtocol(app), rslPacketAbstraction);
    const env2 = scriptedEnv('r2', [
      { src: 'r1', dst: 'r2', msg: { type: '1a', ballot: { seqno: 1, proposer: 1 } } },
      { src: 'r0', dst: 'r2', msg: { type: '2a', ballot: { seqno: 1, proposer: 0 }, opn: 0, batch: [] } },
    ]);
    expect(checked.step(env2).action).toBe('process1a');
    expect(checked.step(env2).action).toBe('ignore');
  });
});
