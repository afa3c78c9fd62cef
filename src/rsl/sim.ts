import type { Prng } from '../core/prng.js';
import type { Result } from '../core/result.js';
import { Hash64 } from '../core/hash.js';
import { monitor } from '../check/monitor.js';
import type { DistributedState } from '../framework/distributed.js';
import type { HostEnvironment } from '../framework/host.js';
import type { HostProtocol } from '../framework/protocol.js';
import type { HostId, Packet } from '../framework/types.js';
import type { HistoryRecorder } from '../sim/history.js';
import { linearizabilityCheck } from '../sim/linearizability.js';
import { everyRequestCompletesWithin } from '../sim/liveness.js';
import type { OutsiderSend, OutsiderView, SimClient, SimOutsiders, SimSystem } from '../sim/system.js';
import { counterLinInput, counterLinOutput, counterRequest, counterService } from '../apps/counter.js';
import { kvDelete, kvGet, kvLinInput, kvLinOutput, kvService, kvSet } from '../apps/kv.js';
import type { CounterInput, CounterOutput } from '../lin/models/counter.js';
import { counterModel } from '../lin/models/counter.js';
import type { KvInput, KvOutput } from '../lin/models/kv.js';
import { kvModel } from '../lin/models/kv.js';
import type { Model } from '../lin/model.js';
import type { ReplicaState, RslConstants } from './protocol/replica.js';
import { rslProtocol } from './protocol/replica.js';
import { executeChosenBatch, slotKey } from './protocol/refinement.js';
import type { Ballot, Opn, Request, RequestBatch, RslParams } from './protocol/types.js';
import { defaultRslParams, equalBatch, isReplica, quorumSize } from './protocol/types.js';
import { RslReplica } from './impl/replica.js';
import type { ServiceFactory, ServiceState } from './service.js';
import { serviceAppSpec } from './service.js';
import type { AppSpec, RslSpecState } from './spec.js';
import { replyCorresponds, rslSpec, rslSpecInit } from './spec.js';
import type { RslImplMsg, RslProtocolMsg } from './wire.js';
import { rslCodec, rslPacketAbstraction } from './wire.js';
import { rslImplVariants, type RslImplBug } from './testing.js';

/**
 * IronRSL in the deterministic simulator: three real implementation replicas (src/rsl/impl) of
 * the kv or counter service, every step under the refinement monitor against
 * `rslProtocol(serviceAppSpec(factory))` (packets mapped by `rslPacketAbstraction`), every packet
 * through the real codec, client hosts with one request outstanding, each request in one of a few
 * sessions, whose history is checked for linearizability, and outsiders sending every
 * kind of message with ballots and slots near the current ones. Checked after every step: the
 * spec (the chosen prefix of the 2b packets executed in order takes a spec step or stutters, and
 * every reply corresponds to it); checked once faults stop: every pending request completes.
 *
 * Crashes: a replica keeps its promise, votes and truncation point and its last 1a ballot on disk
 * (synced before the packets that announce them), and its executor's position, snapshot and reply
 * cache (synced before a heartbeat reports that position), and restarts with everything else
 * initial (docs/rsl.md §7, Implementation).
 */

/** Which service a run replicates. */
export type RslSimApp = 'kv' | 'counter';

/** How a client of an app makes requests and reads replies, for the history. */
export interface RslClientApp<O, R> {
  readonly factory: ServiceFactory;
  /** The next request and its operation for the history. */
  nextRequest(prng: Prng): { readonly payload: Uint8Array; readonly op: O };
  /** What the reply means for the history: an output, or null when the service refused the request. */
  output(op: O, reply: Uint8Array): Result<R | null, string>;
  readonly model: Model<unknown, O, R>;
}

/** Keys kv clients use: few, so operations conflict. */
const kvKeys: readonly string[] = ['a', 'b', 'c'];

/** The kv store's client: gets, sets of 1-3 random bytes and deletes on a few keys. */
export const kvClientApp: RslClientApp<KvInput, KvOutput> = {
  factory: kvService as unknown as ServiceFactory,
  nextRequest: (prng) => {
    const key = prng.pick(kvKeys);
    const roll = prng.nextInt(10);
    const r = roll < 4 ? kvGet(key) : roll < 9 ? kvSet(key, Uint8Array.from({ length: 1 + prng.nextInt(3) }, () => prng.nextInt(256))) : kvDelete(key);
    if (!r.ok) throw new RangeError('a kv request of the workload was refused by its builder');
    const op = kvLinInput(r.value);
    if (!op.ok) throw new RangeError(op.error);
    return { payload: r.value, op: op.value };
  },
  output: (op, reply) => {
    const out = kvLinOutput(op, reply);
    if (!out.ok) return out;
    return { ok: true, value: out.value.kind === 'returned' ? out.value.output : null };
  },
  model: kvModel as unknown as Model<unknown, KvInput, KvOutput>,
};

/** The counter's client: increments. */
export const counterClientApp: RslClientApp<CounterInput, CounterOutput> = {
  factory: counterService as unknown as ServiceFactory,
  nextRequest: () => ({ payload: counterRequest(), op: counterLinInput(counterRequest()) }),
  output: (_op, reply) => counterLinOutput(reply),
  model: counterModel as unknown as Model<unknown, CounterInput, CounterOutput>,
};

/** When a client resends a request that has no reply, to every replica, in ms. */
export const rslClientResendMs = 40;

/** How many sessions each simulated client host has. */
export const rslSimSessionsPerClient = 3;

/**
 * A simulated IronRSL client host: one request outstanding, in a session picked at random for each
 * request (of `rslSimSessionsPerClient`, each with its own seqnos), sent to the replica a leader
 * hint named (replica 0 at first); when no reply comes within `rslClientResendMs`, sent to every
 * replica (docs/rsl.md §7, leader hints). Records each call and its return in the history.
 *
 * One request at a time keeps the host one sequential client of the history, as the checker needs;
 * the sessions make replies and hints of the others arrive while one waits (stale ones, with equal
 * seqnos), which a client that did not route them by session would take for its own.
 */
export class RslSimClient<O, R> implements SimClient<RslImplMsg> {
  /** Per session, the seqno of its last request (0 before the first). */
  private readonly seqnos: number[] = Array.from({ length: rslSimSessionsPerClient }, () => 0);
  private leader: HostId;
  private waiting: { id: number; op: O; payload: Uint8Array; session: number; seqno: number; resendAtMs: number } | null = null;
  private nextCallAtMs: number | null = null;

  constructor(
    private readonly replicas: readonly HostId[], private readonly app: RslClientApp<O, R>,
    private readonly history: HistoryRecorder<O, R>, private readonly prng: Prng,
  ) {
    this.leader = replicas[0] ?? '';
  }

  step(env: HostEnvironment<RslImplMsg>): void {
    for (let p = env.receive(); p !== null; p = env.receive()) {
      const m = p.msg;
      const w = this.waiting;
      if (w === null || !this.replicas.includes(p.src)) continue;
      if (m.type !== 'leaderHint' && m.type !== 'reply') continue;
      if (m.session !== w.session || m.seqno !== w.seqno) continue;
      if (m.type === 'leaderHint') {
        if (m.leader === this.leader || !this.replicas.includes(m.leader)) continue;
        this.leader = m.leader;
        env.send(this.leader, { type: 'request', session: w.session, seqno: w.seqno, payload: w.payload });
      } else {
        const out = this.app.output(w.op, m.reply);
        // A reply that is not one for this operation is left out: the spec check judges replies.
        if (out.ok && out.value !== null) this.history.ret(w.id, out.value);
        this.leader = p.src;
        this.waiting = null;
        this.nextCallAtMs = null;
      }
    }
    const nowMs = env.now();
    const w = this.waiting;
    if (w !== null) {
      if (nowMs < w.resendAtMs) return;
      w.resendAtMs = nowMs + rslClientResendMs;
      for (const r of this.replicas) env.send(r, { type: 'request', session: w.session, seqno: w.seqno, payload: w.payload });
      return;
    }
    if (this.nextCallAtMs === null) this.nextCallAtMs = nowMs + this.prng.nextInt(5);
    if (nowMs < this.nextCallAtMs) return;
    const { payload, op } = this.app.nextRequest(this.prng);
    const session = this.prng.nextInt(rslSimSessionsPerClient);
    const seqno = (this.seqnos[session] ?? 0) + 1;
    this.seqnos[session] = seqno;
    this.waiting = { id: this.history.call(op), op, payload, session, seqno, resendAtMs: nowMs + rslClientResendMs };
    env.send(this.leader, { type: 'request', session, seqno, payload });
  }

  wakeAfterMs(nowMs: number): number | null {
    if (this.waiting !== null) return Math.max(0, this.waiting.resendAtMs - nowMs);
    return this.nextCallAtMs === null ? 0 : Math.max(0, this.nextCallAtMs - nowMs);
  }
}

/**
 * What the incremental abstraction keeps per run: per ballot and slot, the 2a batches and 2b
 * senders read so far, and the spec state along the chosen prefix.
 */
interface PrefixState {
  cursor: number;
  readonly groups: Map<string, SlotGroup>;
  readonly chosen: Map<Opn, RequestBatch[]>;
  length: number;
  state: RslSpecState<Uint8Array>;
}

/** One ballot and slot as the abstraction reads them: the replicas' 2as there, and their 2bs. */
interface SlotGroup {
  readonly opn: Opn;
  readonly batches: RequestBatch[];
  readonly senders: Set<HostId>;
}

/** Adds `batch` to `values` unless an equal batch is there. */
function addValue(values: RequestBatch[], batch: RequestBatch): void {
  if (!values.some((v) => equalBatch(v, batch))) values.push(batch);
}

/** A key naming a batch: a hash of its requests (client, seqno, payload). */
function batchHash(batch: RequestBatch): string {
  const h = new Hash64();
  for (const r of batch) h.string(r.client).word(r.seqno).word(r.payload.length).bytes(r.payload);
  return h.hex();
}

/**
 * The protocol's abstraction to the spec (`chosenPrefix` of src/rsl/protocol/refinement.ts: the
 * longest prefix of slots chosen by a quorum of 2bs at one ballot, with the batches of the 2as
 * there, executed in order with the executor's rule), computed incrementally over a run's growing
 * network: each call reads only the 2as and 2bs added since the last one. Its `key` is the prefix length, which determines the spec state
 * (of a slot with two chosen values it takes the first, as `chosenPrefix` does).
 */
export function incrementalRslAbstraction(app: AppSpec<Uint8Array>, constants: RslConstants): {
  readonly abstract: (ds: DistributedState<ReplicaState<Uint8Array>, RslImplMsg>) => RslSpecState<Uint8Array>;
  readonly key: (ds: DistributedState<ReplicaState<Uint8Array>, RslImplMsg>) => number;
} {
  const runs = new WeakMap<readonly Packet<RslImplMsg>[], PrefixState>();
  const quorum = quorumSize(constants.config);
  const advance = (ds: DistributedState<ReplicaState<Uint8Array>, RslImplMsg>): PrefixState => {
    let st = runs.get(ds.network);
    if (st === undefined) {
      st = { cursor: 0, groups: new Map(), chosen: new Map(), length: 0, state: rslSpecInit(app) };
      runs.set(ds.network, st);
    }
    for (; st.cursor < ds.network.length; st.cursor++) {
      const p = ds.network[st.cursor];
      if (p === undefined || (p.msg.type !== '2a' && p.msg.type !== '2b') || !isReplica(constants.config, p.src)) continue;
      const m = p.msg;
      const key = slotKey(m.ballot, m.opn);
      let g = st.groups.get(key);
      if (g === undefined) {
        g = { opn: m.opn, batches: [], senders: new Set() };
        st.groups.set(key, g);
      }
      const before = g.senders.size;
      if (m.type === '2a') addValue(g.batches, m.batch);
      else g.senders.add(p.src);
      // A slot is chosen once a quorum's 2bs name it; each 2a batch there, whenever read, is a value of it.
      const quorate = g.senders.size >= quorum;
      if (quorate && (m.type === '2a' || before < quorum)) {
        const values = st.chosen.get(g.opn) ?? [];
        for (const b of g.batches) addValue(values, b);
        if (values.length > 0) st.chosen.set(g.opn, values);
      }
    }
    for (let v = st.chosen.get(st.length)?.[0]; v !== undefined; v = st.chosen.get(st.length)?.[0]) {
      st.state = executeChosenBatch(app, constants.params.clientsMax, st.state, v);
      st.length++;
    }
    return st;
  };
  return { abstract: (ds) => advance(ds).state, key: (ds) => advance(ds).length };
}

/** How far from the current ballots and slots outsiders' made-up ones are, either way. */
export const rslOutsiderSpread = 2;

function randomBatch(prng: Prng, clients: readonly HostId[]): Request[] {
  return Array.from({ length: prng.nextInt(3) }, () => ({
    client: prng.pick(clients), seqno: prng.nextInt(8), payload: Uint8Array.from({ length: prng.nextInt(4) }, () => prng.nextInt(256)),
  }));
}

/**
 * What a host outside the service sends IronRSL: a replay of a recent replica packet (30%), or a
 * message of any replica-to-replica or replica-to-client type with a ballot, slot and seqno near
 * the current ones — the messages most likely to fool a replica that does not check who sent
 * them. Not requests: a stranger's request is a client's, served like any other, and its effect
 * would be missing from the checked history.
 */
export function rslOutsiderMessage(prng: Prng, view: OutsiderView<ReplicaState<Uint8Array>, RslImplMsg>): OutsiderSend<RslImplMsg> {
  const dst = prng.pick(view.hostIds);
  if (view.recent.length > 0 && prng.chance(0.3)) return { dst, msg: prng.pick(view.recent).msg };
  let top: Ballot = { seqno: 1, proposer: 0 };
  let ops = 0;
  for (const id of view.hostIds) {
    const s = view.state(id);
    if (s === undefined) continue;
    if (s.proposer.election.currentView.seqno > top.seqno) top = s.proposer.election.currentView;
    ops = Math.max(ops, s.executor.opsComplete);
  }
  const near = (x: number): number => Math.max(0, x - rslOutsiderSpread + prng.nextInt(2 * rslOutsiderSpread + 1));
  const ballot: Ballot = { seqno: near(top.seqno), proposer: prng.nextInt(view.hostIds.length) };
  const opn = near(ops);
  const clients = [...view.hostIds, 'c0', 'c1'];
  const msgs: RslImplMsg[] = [
    { type: '1a', ballot },
    { type: '1b', ballot, logTruncationPoint: opn, votes: new Map([[opn, { maxVBal: ballot, maxVal: randomBatch(prng, clients) }]]) },
    { type: '2a', ballot, opn, batch: randomBatch(prng, clients) },
    { type: '2b', ballot, opn },
    { type: 'heartbeat', ballot, suspicious: prng.chance(0.5), opsComplete: opn },
    { type: 'reply', session: prng.nextInt(rslSimSessionsPerClient), seqno: near(3), reply: Uint8Array.of(1) },
    { type: 'appStateRequest', ballot, opn },
    { type: 'appStateSupply', ballot, opn: opn + 1, state: { app: Uint8Array.of(prng.nextInt(256)), replyCache: new Map() } },
    { type: 'startingPhase2', ballot, logTruncationPoint: opn + 1 },
    { type: 'leaderHint', session: prng.nextInt(rslSimSessionsPerClient), seqno: near(3), leader: prng.pick(view.hostIds) },
  ];
  return { dst, msg: prng.pick(msgs) };
}

/** IronRSL's outsiders: one by default, sending every 10 ms on average. */
export const rslOutsiders: SimOutsiders<ReplicaState<Uint8Array>, RslImplMsg> = {
  defaultCount: 1,
  meanIntervalMs: 10,
  message: rslOutsiderMessage,
};

/**
 * The parameters of simulated runs: IronFleet's, with timers shortened to fit a 2-second fault
 * window, and eager proposals as the servers make them (with IronFleet's short log window, so
 * truncation and state transfer stay frequent).
 */
export const rslSimParams: RslParams = {
  ...defaultRslParams,
  eagerSlotsMax: 2,
  batchDelayMs: 2,
  heartbeatPeriodMs: 10,
  viewTimeoutBaselineMs: 100,
};

/** A short rendering of a message for traces; `s1#4` is seqno 4 of session 1. */
export function showRslMsg(m: RslImplMsg): string {
  const b = (x: Ballot): string => `${x.seqno}.${x.proposer}`;
  switch (m.type) {
    case 'request': return `request(s${m.session}#${m.seqno}, ${m.payload.length}B)`;
    case '1a': return `1a(${b(m.ballot)})`;
    case '1b': return `1b(${b(m.ballot)}, ltp ${m.logTruncationPoint}, ${m.votes.size} votes)`;
    case '2a': return `2a(${b(m.ballot)}, opn ${m.opn}, ${m.batch.length} reqs)`;
    case '2b': return `2b(${b(m.ballot)}, opn ${m.opn})`;
    case 'heartbeat': return `heartbeat(${b(m.ballot)}, ${m.suspicious ? 'suspicious' : 'ok'}, ops ${m.opsComplete})`;
    case 'reply': return `reply(s${m.session}#${m.seqno}, ${m.reply.length}B)`;
    case 'appStateRequest': return `appStateRequest(${b(m.ballot)}, opn ${m.opn})`;
    case 'appStateSupply': return `appStateSupply(${b(m.ballot)}, opn ${m.opn}, ${m.state.app.length}B)`;
    case 'startingPhase2': return `startingPhase2(${b(m.ballot)}, ltp ${m.logTruncationPoint})`;
    case 'leaderHint': return `leaderHint(s${m.session}#${m.seqno}, ${m.leader})`;
    default: return 'unknown';
  }
}

/** Which IronRSL to simulate: the real one, or a deliberately broken one of src/rsl/testing.ts. */
export type RslSimVariant = 'correct' | RslImplBug;

/** Options of the IronRSL simulator binding. */
export interface RslSimOptions {
  readonly replicas?: number;
  readonly clients?: number;
  readonly app?: RslSimApp;
  readonly variant?: RslSimVariant;
  readonly params?: RslParams;
}

/** Once faults stop, how long a pending request may take: view changes with doubled epochs, then a state transfer. */
export const rslLivenessWithinMs = 3_000;

/** IronRSL as a simulator binding. */
export function rslSystem(options: RslSimOptions = {}): SimSystem<ReplicaState<Uint8Array>, RslImplMsg, RslConstants, unknown, unknown, RslSpecState<Uint8Array>> {
  const n = options.replicas ?? 3;
  const variant = options.variant ?? 'correct';
  const appName = options.app ?? 'kv';
  const clientApp = (appName === 'kv' ? kvClientApp : counterClientApp) as unknown as RslClientApp<unknown, unknown>;
  const factory: ServiceFactory<ServiceState> = clientApp.factory;
  const app = serviceAppSpec(factory);
  const constants: RslConstants = { config: { replicaIds: Array.from({ length: n }, (_, i) => `r${i}`) }, params: options.params ?? rslSimParams };
  const chosen = variant === 'correct' ? { host: RslReplica, protocol: rslProtocol(app) } : rslImplVariants(app, variant);
  const protocol: HostProtocol<RslConstants, ReplicaState<Uint8Array>, RslProtocolMsg> = chosen.protocol;
  const abstraction = incrementalRslAbstraction(app, constants);
  const clientIds = Array.from({ length: options.clients ?? 3 }, (_, i) => `c${i}`);
  return {
    name: `rsl-${appName}${variant === 'correct' ? '' : `-${variant}`}`,
    hostIds: constants.config.replicaIds,
    config: constants,
    createHost: (id, disk, c) => RslReplica.recover(c, id, disk, factory, chosen.host),
    codec: rslCodec,
    wrap: (h) => monitor(h, protocol, rslPacketAbstraction),
    refinement: {
      spec: rslSpec(app),
      abstract: abstraction.abstract,
      // A reply to a session of a client host answers the session's client id.
      packetCorresponds: (s, p) => {
        const a = rslPacketAbstraction(p);
        return a.msg.type !== 'reply' || replyCorresponds(s, a.dst, a.msg.seqno, a.msg.reply);
      },
      // The abstraction reads the 2as and 2bs only: one 2a per sender, ballot, slot and batch, one 2b per sender, ballot and slot.
      networkKey: (p) => {
        const m = p.msg;
        if (m.type === '2a') return `2a|${p.src}|${slotKey(m.ballot, m.opn)}=${batchHash(m.batch)}`;
        return m.type === '2b' ? `2b|${p.src}|${slotKey(m.ballot, m.opn)}` : null;
      },
      abstractionKey: abstraction.key,
    },
    outsiders: rslOutsiders,
    workload: {
      clientIds,
      createClient: (_id, history, prng) => new RslSimClient(constants.config.replicaIds, clientApp, history, prng),
      checkHistory: linearizabilityCheck(clientApp.model),
    },
    liveness: everyRequestCompletesWithin(rslLivenessWithinMs),
    showMsg: showRslMsg,
    defaultDurationMs: 2_000,
    defaultQuietMs: 2 * rslLivenessWithinMs,
  };
}
