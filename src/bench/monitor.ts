import { performance } from 'node:perf_hooks';
import type { HostEnvironment, ImplHost, StepReport } from '../framework/host.js';
import { MemoryStore, VolatileStore } from '../framework/memory-store.js';
import type { Packet } from '../framework/types.js';
import { monitor } from '../check/monitor.js';
import { LockHost } from '../lock/impl/host.js';
import { lockProtocol, type LockHostState } from '../lock/protocol/host.js';
import type { LockMsg } from '../lock/protocol/messages.js';
import { LockTestRing } from '../lock/testing.js';
import { kvGet, kvService, kvSet } from '../apps/kv.js';
import { Prng } from '../core/prng.js';
import { checkedRslReplica } from '../rsl/checked.js';
import { RslReplica } from '../rsl/impl/replica.js';
import type { RslConstants } from '../rsl/protocol/replica.js';
import { rslProtocol } from '../rsl/protocol/replica.js';
import { rslServerParams } from '../rsl/server.js';
import type { ServiceFactory } from '../rsl/service.js';
import { serviceAppSpec } from '../rsl/service.js';
import type { RslImplMsg } from '../rsl/wire.js';
import { rslPacketAbstraction } from '../rsl/wire.js';
import type { Benchmark, BenchFigure } from './types.js';

/**
 * The refinement monitor's cost, with hosts stepped in memory (no sockets, so the monitor's share
 * is not hidden behind IO): IronLock hosts with and without the monitor around each; and IronRSL's
 * three kv replicas under a closed-loop kv workload, plain, checked as `rsl serve --checked` checks
 * (`checkedRslReplica`: the protocol over app versions), and checked over snapshot bytes
 * (`serviceAppSpec`, as the simulator checks, and as `--checked` did before app versions).
 */

function ringSteps(monitored: boolean, turns: number): { steps: number; ms: number } {
  const ids = ['h0', 'h1', 'h2'];
  const test = new LockTestRing(ids);
  let steps = 0;
  const hosts = new Map<string, ImplHost<LockHostState, LockMsg>>();
  for (const id of ids) {
    const r = LockHost.recover({ hosts: ids }, id, test.disks.get(id) ?? new MemoryStore(), { holdMs: 0, retransmitIntervalMs: 5 });
    if (!r.ok) throw new Error(r.error.detail);
    const inner = monitored ? monitor(r.value, lockProtocol) : r.value;
    hosts.set(id, {
      step: (env) => {
        steps++;
        return inner.step(env);
      },
      abstract: () => inner.abstract(),
      wakeAfterMs: (n) => inner.wakeAfterMs(n),
    });
  }
  const t0 = performance.now();
  test.run(hosts, turns, 1);
  return { steps, ms: performance.now() - t0 };
}

/** How the IronRSL replicas of a run are checked. */
export type RslMode = 'plain' | 'versions' | 'snapshots';

/**
 * The workload of an IronRSL run: `rsl bench`'s (16-byte keys of 1,000, 128-byte values, half sets),
 * from 64 sessions, and from 256 as well: each session is a client of the proposer's view, so the
 * second shows what the proposer's per-client state costs.
 */
const rslSessionCounts = [64, 256] as const;
const rslKeys = Array.from({ length: 1000 }, (_, i) => `key-${String(i).padStart(12, '0')}`);
const rslValueBytes = 128;
/** Most steps a replica takes in one round before the next replica's turn. */
const rslStepsPerRoundMax = 10_000;

/** Requests answered before an IronRSL run is timed: by then the store holds most of its keys. */
const rslWarmupOps = 3_000;

/**
 * Three kv replicas with `rsl serve`'s parameters and no data directory, in memory: a FIFO network,
 * a clock that advances 1 ms whenever no packet waits, one client host with `sessions` sessions,
 * each sending its next request when the reply to the last one comes (to the leader, replica 0).
 * After `rslWarmupOps` requests, runs `opsTarget` more and returns how many were answered, the
 * steps taken, and the time the replicas' steps took.
 */
export function rslRun(mode: RslMode, sessions: number, opsTarget: number): { ops: number; steps: number; ms: number } {
  const ids = ['r0', 'r1', 'r2'];
  const constants: RslConstants = { config: { replicaIds: ids }, params: rslServerParams };
  const factory = kvService as unknown as ServiceFactory;
  const inboxes = new Map(ids.map((id) => [id, [] as Packet<RslImplMsg>[]]));
  const toClient: Packet<RslImplMsg>[] = [];
  let nowMs = 0;
  const hosts = ids.map((id) => {
    const built = RslReplica.recover(constants, id, new VolatileStore(), factory);
    if (!built.ok) throw new Error(built.error.detail);
    const replica = built.value;
    const host: ImplHost<unknown, RslImplMsg> = mode === 'versions'
      ? checkedRslReplica(replica, factory)
      : mode === 'snapshots' ? monitor(replica, rslProtocol(serviceAppSpec(factory)), rslPacketAbstraction) : replica;
    const inbox = inboxes.get(id) ?? [];
    const env: HostEnvironment<RslImplMsg> = {
      me: id, receive: () => inbox.shift() ?? null, now: () => nowMs, disk: new VolatileStore(), emit: () => undefined,
      send: (dst, msg) => (inboxes.get(dst) ?? toClient).push({ src: id, dst, msg }),
    };
    return { host, env, inbox };
  });
  const prng = new Prng(7);
  const seqnos = new Array<number>(sessions).fill(0);
  const leader = inboxes.get('r0') ?? [];
  const send = (session: number): void => {
    const seqno = (seqnos[session] ?? 0) + 1;
    seqnos[session] = seqno;
    const key = prng.pick(rslKeys);
    const request = prng.chance(0.5) ? kvSet(key, Uint8Array.from({ length: rslValueBytes }, () => prng.nextInt(256))) : kvGet(key);
    if (!request.ok) throw new Error('a kv request of the workload was refused by its builder');
    leader.push({ src: 'client', dst: 'r0', msg: { type: 'request', session, seqno, payload: request.value } });
  };
  for (let session = 0; session < sessions; session++) send(session);
  let ops = -rslWarmupOps;
  let steps = 0;
  let ms = 0;
  while (ops < opsTarget) {
    const timed = ops >= 0;
    for (const { host, env, inbox } of hosts) {
      const t0 = performance.now();
      for (let k = 0; k < rslStepsPerRoundMax && (inbox.length > 0 || host.wakeAfterMs(nowMs) === 0); k++) {
        const report: StepReport = host.step(env);
        if (timed) steps++;
        // A timer that is due with its action not enabled (a full window) keeps the wake at 0: wait for the clock.
        if (report.action === null && inbox.length === 0) break;
      }
      if (timed) ms += performance.now() - t0;
    }
    for (const p of toClient.splice(0)) {
      if (p.msg.type === 'reply' && p.msg.seqno === seqnos[p.msg.session]) {
        ops++;
        send(p.msg.session);
      }
    }
    if (hosts.every((h) => h.inbox.length === 0)) nowMs++;
  }
  return { ops, steps, ms };
}

/** The monitor benchmark. */
export const benchmark: Benchmark = {
  name: 'monitor',
  summary: 'IronLock host steps/s and IronRSL kv ops/s in memory, plain and under the refinement monitor',
  run: (options) => {
    const turns = options.quick ? 20_000 : 200_000;
    ringSteps(false, 2000);
    ringSteps(true, 2000);
    const plain = ringSteps(false, turns);
    options.progress(`plain: ${plain.steps} steps in ${plain.ms.toFixed(0)} ms`);
    const checked = ringSteps(true, turns);
    options.progress(`monitored: ${checked.steps} steps in ${checked.ms.toFixed(0)} ms`);
    const plainRate = (plain.steps / plain.ms) * 1000;
    const checkedRate = (checked.steps / checked.ms) * 1000;
    const figures: BenchFigure[] = [
      { name: 'lock host steps/s, unmonitored', value: Math.round(plainRate), unit: 'steps/s', detail: `${plain.steps} steps` },
      { name: 'lock host steps/s, under the refinement monitor', value: Math.round(checkedRate), unit: 'steps/s', detail: `${checked.steps} steps` },
      { name: 'monitor cost per step', value: Number(((1000 / checkedRate - 1000 / plainRate) * 1000).toFixed(2)), unit: 'us/step' },
    ];
    const rslOps = options.quick ? 5_000 : 50_000;
    const what = (sessions: number): string =>
      `3 kv replicas in memory, ${sessions} sessions, rsl serve's parameters, timed after ${rslWarmupOps} requests; the replicas' step time per request`;
    for (const sessions of rslSessionCounts) {
      const rsl = new Map<RslMode, { ops: number; steps: number; ms: number }>();
      // Checking over snapshots costs a whole snapshot per request: a tenth of the requests suffice, at 64 sessions only.
      const modes: readonly RslMode[] = sessions === rslSessionCounts[0] ? ['plain', 'versions', 'snapshots'] : ['plain', 'versions'];
      for (const mode of modes) {
        const r = rslRun(mode, sessions, mode === 'snapshots' ? rslOps / 10 : rslOps);
        options.progress(`rsl ${mode}, ${sessions} sessions: ${r.ops} ops, ${r.steps} steps in ${r.ms.toFixed(0)} ms`);
        rsl.set(mode, r);
      }
      const usPerOp = (mode: RslMode): number => {
        const r = rsl.get(mode);
        return r === undefined ? Number.NaN : (r.ms * 1000) / r.ops;
      };
      const names: Readonly<Record<RslMode, string>> = {
        plain: 'unmonitored', versions: 'checked over app versions (rsl serve --checked)', snapshots: 'checked over snapshots (serviceAppSpec)',
      };
      for (const mode of modes) {
        figures.push({
          name: `rsl kv replicas, ${sessions} sessions, ${names[mode]}`, value: Number(usPerOp(mode).toFixed(1)), unit: 'us/op',
          detail: `${rsl.get(mode)?.ops ?? 0} ops; ${what(sessions)}`,
        });
      }
      figures.push({
        name: `rsl kv, ${sessions} sessions, checked over app versions / unmonitored, throughput`,
        value: Number((usPerOp('plain') / usPerOp('versions')).toFixed(3)), unit: 'ratio',
      });
    }
    return Promise.resolve(figures);
  },
};
