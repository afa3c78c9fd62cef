import type { DistributedBinding, NetworkMode } from '../check/distributed.js';
import { distributedModel, packetKey, packetKeys, sortNetwork } from '../check/distributed.js';
import { permutationsOf } from '../check/symmetry.js';
import type { LivenessProperty, Model } from '../check/model.js';
import type { HostProtocol } from '../framework/protocol.js';
import type { HostId } from '../framework/types.js';
import type { RslMsg } from './protocol/messages.js';
import type { RslDistributedState } from './protocol/refinement.js';
import { rslAbstraction, rslInvariants } from './protocol/refinement.js';
import type { ReplicaState, RslAction, RslConstants } from './protocol/replica.js';
import { rslClockActions, rslProtocol, rslReceiveActions } from './protocol/replica.js';
import type { Ballot, Request, RequestBatch, RslParams, Votes } from './protocol/types.js';
import { assert, unreachable } from '../core/assert.js';
import { isEnabled } from '../framework/protocol.js';
import { defaultRslParams } from './protocol/types.js';
import { rslSpec } from './spec.js';
import type { RslBug } from './testing.js';
import { counterApp, rslBugProtocol, rslBugRestart, rslRestartBugs } from './testing.js';

/**
 * IronRSL's distributed system as a model: the replicas of src/rsl/protocol, one client, and
 * IronFleet's network of every packet ever sent. Checked on every reachable state: the invariants
 * of docs/rsl.md §6 (src/rsl/protocol/refinement.ts), and on every transition, refinement to the
 * spec of src/rsl/spec.ts through the chosen prefix.
 *
 * Each client (c0, c1) is an outsider of the distributed model (a host with no state): it may
 * send its request 1 to any replica at any time, and request n + 1 once a reply to n is in the
 * network (a client has one request outstanding). It is not a protocol host because it runs no
 * replica code, and not packets in the initial network because the model's initial network is
 * empty and because sending at any time, to any subset of replicas, is what a real client may do.
 * On lossy links it sends its outstanding request again whenever no copy is in flight: the
 * client's retransmission, the only one IronRSL has besides heartbeats.
 *
 * Liveness (`liveness: true`): with a stable leader (no view test, so no view change) and fair
 * delivery, every client's last request is eventually executed and answered (`c0Answered`, ...).
 * On lossy links with every packet losable it fails by design: a lost 1a or 2a is never sent
 * again while the leader is stable (IronFleet recovers through a view change); `lose: 'clients'`
 * checks the links between clients and the service alone.
 *
 * Reductions, each sound for what is checked: clock readings only at deadlines (below); learners
 * that take 2bs at once where every 2b carries one ballot (`withEagerLearners`); packets nobody
 * takes are not delivered (a self-loop in IronFleet's network).
 *
 * Time. The protocol's safety depends on no clock, so the model reads each replica's clock only
 * where an action's deadline falls: a view test at `epochEndTime`, a heartbeat at
 * `nextHeartbeatTime`, a nomination at the batch timer's deadline (0 when it is off), and a
 * heartbeat or suspicion quorum at `epochEndTime`. Readings later than a deadline would only move
 * the next deadline, which no safety property reads. Bounding the readings bounds the number of
 * view tests (`viewTestsMax`) and heartbeats (`heartbeatsMax`) each replica takes, and with them
 * the view changes; ballots and slots are also bounded by the state constraint. Packets nobody
 * takes are not "ignored" by the model: in IronFleet's network that step changes nothing.
 */

/** The first client's id in the model. */
export const rslClientId = 'c0';

/** The most clients the model has (each multiplies the states). */
export const rslClientsMax = 2;

/** The actions never assumed fair: packets nobody takes, and the view test and suspicion (a stable leader). */
const unfairActions: ReadonlySet<string> = new Set(['ignore', 'checkViewTimeout', 'checkSuspicion']);

/** Options of the IronRSL model. */
export interface RslModelOptions {
  /** Replicas r0..rN-1 (default 3). */
  readonly replicas?: number;
  /** The client's requests, seqnos 1..requests (default 1). */
  readonly requests?: number;
  /** Ballots with seqno above this are not explored (default 1: views (1,0) .. (1,N-1)). */
  readonly ballotSeqnoMax?: number;
  /** Slots at or above this are not proposed (default 2). */
  readonly opnMax?: number;
  /**
   * View tests per replica in the first view (default 0; the baseline view timeout is 1 ms, so a
   * replica's tests read its clock at 0, 1, ... ms). A replica suspects at its second test if a
   * request it saw before its first is still unexecuted, so view changes need 2.
   */
  readonly viewTestsMax?: number;
  /** Clients c0, c1, ... each with `requests` requests (default 1, at most `rslClientsMax`). */
  readonly clients?: number;
  /** IronFleet's network of every packet ever sent (default), or lossy links (liveness only: see `rslModel`). */
  readonly network?: NetworkMode;
  /**
   * On lossy links, which packets may be lost (default 'all'): 'clients' loses only requests and
   * replies, so that a replica's 1a, 1b, 2a and 2b, which no replica sends again while its leader
   * is stable, arrive.
   */
  readonly lose?: 'all' | 'clients';
  /** Check liveness too: every request is eventually executed and answered (default false). */
  readonly liveness?: boolean;
  /** Which replicas the client sends its requests to (default 'leader': the first view's, r0). */
  readonly clientTo?: 'leader' | 'all';
  /** Heartbeats per replica, one every 1 ms: one bound for all, or one per replica (default 1). */
  readonly heartbeatsMax?: number | readonly number[];
  /** Parameters beyond the model's own (default: 1 ms timers, batches of 1, logLengthMax 2). */
  readonly params?: Partial<RslParams>;
  /**
   * Learners take each 2b at once (default: on when it is sound, with no view test and the
   * correct learner; see `withEagerLearners`).
   */
  readonly eagerLearners?: boolean;
  /**
   * Replicas crash and restart (default false; on with a restart bug): in any state any replica,
   * or all at once, may become what `replicaRestart` says survives a crash. Safety only.
   */
  readonly crashes?: boolean;
  /** A known broken variant to check instead of IronRSL's replica (src/rsl/testing.ts). */
  readonly bug?: RslBug;
  /** A protocol to check instead of IronRSL's (for tests of the checks themselves). */
  readonly protocol?: HostProtocol<RslConstants, ReplicaState<number>, RslMsg<number>>;
  /** The model's name (default 'rsl'). */
  readonly name?: string;
}

/**
 * The model's parameters: 1 ms timers so that the clock bound counts timeouts, batches of one
 * request, and the eager rule of the servers (a leader with no slot in flight proposes at once;
 * with one in flight it starts the batch timer), so both ways to nominate are explored.
 */
export const rslModelParams: RslParams = {
  ...defaultRslParams,
  batchSizeMax: 1,
  batchDelayMs: 0,
  eagerSlotsMax: 1,
  heartbeatPeriodMs: 1,
  viewTimeoutBaselineMs: 1,
  logLengthMax: 2,
  clientsMax: 4,
};

/** A compact view of a replica for traces. */
function viewReplica(s: ReplicaState<number>): unknown {
  const p = s.proposer;
  const e = p.election;
  const bal = (b: { seqno: number; proposer: number }): string => `${b.seqno}.${b.proposer}`;
  return {
    view: bal(e.currentView), suspectors: [...e.suspectors], epochEnd: e.epochEndTime,
    requests: [...e.requestsPrevEpochs, ...e.requestsThisEpoch].map((r) => `${r.client}#${r.seqno}`),
    phase: p.currentState, sent1a: bal(p.maxBallotISent1a), nextOpn: p.nextOpnToPropose, queue: p.requestQueue.length, held1bs: [...p.received1bs.keys()],
    maxBal: bal(s.acceptor.maxBal), ltp: s.acceptor.logTruncationPoint, checkpoints: s.acceptor.lastCheckpointed,
    votes: [...s.acceptor.votes].map(([opn, v]) => `${opn}@${bal(v.maxVBal)}:[${v.maxVal.map((r) => `${r.client}#${r.seqno}`).join(',')}]`),
    learnt: [...s.learner.unexecuted].map(([opn, t]) => `${opn}:${[...t.senders].join('+')}`),
    proposed: [...s.learner.proposed].map(([opn, p]) => `${opn}@${bal(p.ballot)}:[${p.batch.map((r) => `${r.client}#${r.seqno}`).join(',')}]`),
    ops: s.executor.opsComplete, app: s.executor.app, decided: s.executor.nextOp.known, nextHeartbeat: s.nextHeartbeatTime,
  };
}

/**
 * How a permutation acts on the model's states: host ids renamed by `ids` (clients, and replicas
 * other than the first view's leader), replica indices by `indices` (a replica's `me`, the
 * suspectors, the acceptor's checkpoints, a ballot's proposer).
 */
interface Renaming {
  readonly ids: ReadonlyMap<string, string>;
  /** `indices[i]` is the new index of replica i. */
  readonly indices: readonly number[];
}

/** The renaming that changes nothing. */
const identity: Renaming = { ids: new Map(), indices: [] };

/**
 * The pieces of the model's keys, each of the state renamed by `r` (without building it), so the
 * canonical form compares permuted keys and builds only the permuted state that wins.
 */
function keyPieces(r: Renaming): {
  readonly replica: (s: ReplicaState<number>) => string;
  readonly msg: (m: RslMsg<number>) => string;
  readonly id: (x: string) => string;
} {
  const id = (x: string): string => r.ids.get(x) ?? x;
  const idx = (i: number): number => r.indices[i] ?? i;
  const bal = (b: Ballot): string => `${b.seqno}.${idx(b.proposer)}`;
  const req = (q: Request): string => `${JSON.stringify(id(q.client))}#${q.seqno}:${q.payload.join('.')}`;
  const batch = (b: RequestBatch): string => `[${b.map(req).join(',')}]`;
  const requests = (l: Iterable<Request>): string => Array.from(l, req).join(',');
  const sorted = <V>(m: ReadonlyMap<string | number, V>, show: (v: V) => string): string =>
    Array.from(m, ([k, v]): [string, V] => [JSON.stringify(typeof k === 'string' ? id(k) : k), v])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${show(v)}`).join(';');
  const votes = (v: Votes): string => sorted(v, (x) => `${bal(x.maxVBal)}${batch(x.maxVal)}`);
  const cache = (c: ReplicaState<number>['executor']['replyCache']): string => sorted(c, (x) => `${x.seqno}:${x.reply.join('.')}`);
  const replica = (s: ReplicaState<number>): string => {
    const p = s.proposer;
    const e = p.election;
    const a = s.acceptor;
    const x = s.executor;
    return [
      idx(s.me), s.nextHeartbeatTime,
      p.currentState, requests(p.requestQueue), bal(p.maxBallotISent1a), p.nextOpnToPropose,
      sorted(p.received1bs, (b) => `${b.logTruncationPoint}{${votes(b.votes)}}`), sorted(p.highestSeqnoThisView, String),
      p.batchTimer.on ? p.batchTimer.whenMs : '-',
      bal(e.currentView), Array.from(e.suspectors, idx).sort().join(','), e.epochEndTime, e.epochLengthMs,
      requests(e.requestsThisEpoch), requests(e.requestsPrevEpochs),
      bal(a.maxBal), votes(a.votes), renamedCheckpoints(a.lastCheckpointed, r).join(','), a.logTruncationPoint,
      bal(s.learner.maxBallotSeen), sorted(s.learner.unexecuted, (t) => Array.from(t.senders, id).sort().join('+')),
      sorted(s.learner.proposed, (q) => `${bal(q.ballot)}${batch(q.batch)}`),
      x.app, x.opsComplete, bal(x.maxBalReflected), x.nextOp.known ? `${bal(x.nextOp.ballot)}${batch(x.nextOp.batch)}` : '-',
      cache(x.replyCache),
    ].join('|');
  };
  const msg = (m: RslMsg<number>): string => {
    switch (m.type) {
      case 'request': return `rq${m.seqno}:${m.payload.join('.')}`;
      case '1a': return `1a${bal(m.ballot)}`;
      case '1b': return `1b${bal(m.ballot)}:${m.logTruncationPoint}{${votes(m.votes)}}`;
      case '2a': return `2a${bal(m.ballot)}@${m.opn}${batch(m.batch)}`;
      case '2b': return `2b${bal(m.ballot)}@${m.opn}`;
      case 'heartbeat': return `hb${bal(m.ballot)}${m.suspicious ? 's' : ''}:${m.opsComplete}`;
      case 'reply': return `rp${m.seqno}:${m.reply.join('.')}`;
      case 'appStateRequest': return `sr${bal(m.ballot)}@${m.opn}`;
      case 'appStateSupply': return `ss${bal(m.ballot)}@${m.opn}:${m.state.app}{${cache(m.state.replyCache)}}`;
      case 'startingPhase2': return `p2${bal(m.ballot)}:${m.logTruncationPoint}`;
      case 'leaderHint': return `lh${m.seqno}:${JSON.stringify(id(m.leader))}`;
      default: return unreachable(m, 'message');
    }
  };
  return { replica, msg, id };
}

const identityKeys = keyPieces(identity);

/**
 * A stable, injective key of a replica state of the counter app (faster than the generic
 * stableKey; the constants are left out because they never change).
 */
export function replicaKey(s: ReplicaState<number>): string {
  let k = replicaKeys.get(s);
  if (k === undefined) {
    k = identityKeys.replica(s);
    replicaKeys.set(s, k);
  }
  return k;
}

/** Replica keys by state object: states are immutable, and unchanged replicas are shared between states. */
const replicaKeys = new WeakMap<ReplicaState<number>, string>();

/** A stable, injective key of a message of the counter app. */
export function msgKey(m: RslMsg<number>): string {
  return identityKeys.msg(m);
}

/**
 * `v` with every host id and every ballot renamed by `r`, everywhere: packet ends, request
 * batches, queues, maps keyed by host, the reply cache, learners' senders. The model's states are
 * plain data (arrays, Maps, Sets, objects, byte arrays), no other string in them equals a host id
 * (`c0`, `r1`, ...), and a ballot is the only object with exactly the fields `seqno` and
 * `proposer`. Replica indices elsewhere are renamed by `renameReplica`; the constants never change.
 */
function renameValue(v: unknown, r: Renaming): unknown {
  if (typeof v === 'string') return r.ids.get(v) ?? v;
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x) => renameValue(x, r));
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [renameValue(k, r), renameValue(x, r)]));
  if (v instanceof Set) return new Set([...v].map((x) => renameValue(x, r)));
  const o = v as Record<string, unknown>;
  if (isBallot(o)) return { seqno: o.seqno, proposer: r.indices[o.proposer] ?? o.proposer };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = renameValue(x, r);
  return out;
}

function isBallot(o: Record<string, unknown>): o is { seqno: number; proposer: number } {
  const keys = Object.keys(o);
  return keys.length === 2 && typeof o.seqno === 'number' && typeof o.proposer === 'number';
}

/** An acceptor's checkpoints (one per replica, by index) with the replicas renamed by `r`. */
function renamedCheckpoints(checkpoints: readonly number[], r: Renaming): number[] {
  const out = [...checkpoints];
  checkpoints.forEach((opn, i) => { out[r.indices[i] ?? i] = opn; });
  return out;
}

/** Replica `s` renamed by `r`: its ids and ballots, and the fields that hold replica indices. */
function renameReplica(s: ReplicaState<number>, r: Renaming): ReplicaState<number> {
  const { constants, ...rest } = s;
  const t = renameValue(rest, r) as Omit<ReplicaState<number>, 'constants'>;
  const e = t.proposer.election;
  return {
    ...t, constants, me: r.indices[s.me] ?? s.me,
    proposer: { ...t.proposer, election: { ...e, suspectors: new Set([...e.suspectors].map((i) => r.indices[i] ?? i)) } },
    acceptor: { ...t.acceptor, lastCheckpointed: renamedCheckpoints(s.acceptor.lastCheckpointed, r) },
  };
}

/**
 * The symmetry of the model: interchangeable clients (each sends the same requests), and, when
 * the leader is stable and the other replicas are treated alike (`followers`), interchangeable
 * followers. With no view test the first view's leader r0 never changes and every ballot above 0
 * is r0's, so a permutation of r1..rN-1 maps behaviours to behaviours. The canonical form is the
 * renamed state with the least key (replicas' keys in id order, then the network's).
 */
function rslSymmetry(
  clientIds: readonly HostId[], replicaIds: readonly HostId[], followers: boolean,
): (ds: RslDistributedState<number>) => RslDistributedState<number> {
  const keys = packetKeys(msgKey);
  const host = (ds: RslDistributedState<number>, id: HostId): ReplicaState<number> => {
    const s = ds.hosts.get(id);
    assert(s !== undefined, `no state for replica ${id}`);
    return s;
  };
  const clientPerms = permutationsOf(clientIds.length);
  const followerPerms = followers ? permutationsOf(replicaIds.length - 1).map((p) => [0, ...p.map((i) => i + 1)]) : [replicaIds.map((_, i) => i)];
  const renamings: { readonly renaming: Renaming; readonly pieces: CachedPieces; readonly from: readonly HostId[] }[] = [];
  for (const cp of clientPerms) {
    for (const rp of followerPerms) {
      if (cp.every((j, i) => j === i) && rp.every((j, i) => j === i)) continue;
      const ids = new Map<string, string>();
      clientIds.forEach((c, i) => { if (cp[i] !== i) ids.set(c, clientIds[cp[i] ?? i] ?? c); });
      replicaIds.forEach((id, i) => { if (rp[i] !== i) ids.set(id, replicaIds[rp[i] ?? i] ?? id); });
      // from[j]: the replica that becomes replica j.
      const from = replicaIds.map((_, j) => replicaIds[rp.indexOf(j)] ?? '');
      const renaming = { ids, indices: rp };
      renamings.push({ renaming, pieces: cached(keyPieces(renaming)), from });
    }
  }
  // States are ordered by their keys as lists: their replicas' keys in id order, then their
  // packets' keys in network order; a renamed state's are computed without building it, and only
  // as far as the comparison needs them.
  const identityKey = (ds: RslDistributedState<number>): string[] => [
    ...replicaIds.map((id) => replicaKey(host(ds, id))), ...ds.network.map((p) => keys.key(p)),
  ];
  /**
   * The key of the state `ds` renamed by `pieces` if it is below `than` (a state's key list), else
   * null; replica keys are compared as they come, so a renaming that loses early costs little.
   */
  const renamedKeyBelow = (ds: RslDistributedState<number>, pieces: CachedPieces, from: readonly HostId[], than: readonly string[]): string[] | null => {
    const out: string[] = [];
    let below = false;
    for (const id of from) {
      const k = pieces.replica(host(ds, id));
      const t = than[out.length] ?? '';
      if (!below && k !== t) {
        if (k > t) return null;
        below = true;
      }
      out.push(k);
    }
    for (const k of ds.network.map(pieces.packet).sort()) {
      const t = than[out.length] ?? '';
      if (!below && k !== t) {
        if (k > t) return null;
        below = true;
      }
      out.push(k);
    }
    return below ? out : null;
  };
  return (ds) => {
    let best: Renaming | null = null;
    let bestKey: readonly string[] = identityKey(ds);
    for (const { renaming, pieces, from } of renamings) {
      const k = renamedKeyBelow(ds, pieces, from, bestKey);
      if (k !== null) {
        best = renaming;
        bestKey = k;
      }
    }
    if (best === null) return ds;
    const r = best;
    const hosts = new Map<HostId, ReplicaState<number>>();
    for (const [id, s] of ds.hosts) hosts.set(r.ids.get(id) ?? id, renameReplica(s, r));
    // The network is kept sorted by packet key, and renaming changes keys.
    const network = sortNetwork(keys, ds.network.map((p) => renameValue(p, r) as (typeof ds.network)[number]));
    return { ...ds, hosts, network };
  };
}

/** A renaming's keys of replicas and packets, each computed once per object (states share unchanged hosts and packets). */
interface CachedPieces {
  readonly replica: (s: ReplicaState<number>) => string;
  readonly packet: (p: RslDistributedState<number>['network'][number]) => string;
}

function cached(pieces: ReturnType<typeof keyPieces>): CachedPieces {
  const replicas = new WeakMap<ReplicaState<number>, string>();
  const packets = new WeakMap<RslDistributedState<number>['network'][number], string>();
  return {
    replica: (s) => {
      let k = replicas.get(s);
      if (k === undefined) {
        k = pieces.replica(s);
        replicas.set(s, k);
      }
      return k;
    },
    packet: (p) => {
      let k = packets.get(p);
      if (k === undefined) {
        k = packetKey(pieces.id(p.src), pieces.id(p.dst), pieces.msg(p.msg));
        packets.set(p, k);
      }
      return k;
    },
  };
}

/** IronRSL's distributed system as a model, with the counter app. */
export function rslModel(options: RslModelOptions = {}): Model<RslDistributedState<number>> {
  const replicaCount = options.replicas ?? 3;
  const requests = options.requests ?? 1;
  const ballotSeqnoMax = options.ballotSeqnoMax ?? 1;
  const opnMax = options.opnMax ?? 2;
  const viewTestsMax = options.viewTestsMax ?? 0;
  const clientTo = options.clientTo ?? 'leader';
  const heartbeatsOption = options.heartbeatsMax ?? 1;
  const heartbeatsOf = (me: number): number => (typeof heartbeatsOption === 'number' ? heartbeatsOption : heartbeatsOption[me] ?? 0);
  const clients = options.clients ?? 1;
  if (!Number.isInteger(clients) || clients < 1 || clients > rslClientsMax) throw new RangeError(`clients must be a whole number from 1 to ${rslClientsMax}`);
  const clientIds = Array.from({ length: clients }, (_, i) => `c${i}`);
  const lossy = options.network === 'lossy';
  const crashes = options.crashes ?? (options.bug !== undefined && rslRestartBugs.has(options.bug));
  // A crash loop would keep any request from being answered: with crashes the model checks safety.
  if (crashes && (options.liveness === true || lossy)) throw new RangeError('a model with crashes checks safety only: no liveness, no lossy links');
  const params: RslParams = { ...rslModelParams, ...options.params };
  const replicaIds = Array.from({ length: replicaCount }, (_, i) => `r${i}`);
  const config = { replicaIds };
  const app = counterApp;
  const protocol = options.protocol ?? (options.bug !== undefined ? rslBugProtocol(app, options.bug) : rslProtocol(app));
  const { abstract } = rslAbstraction(app, config, params);
  const receives = new Set(rslReceiveActions);
  const clocked = new Set(rslClockActions);
  const reading = (nowMs: number): { nowMs: number }[] => [{ nowMs }];
  // The model's bound, not the protocol's: the leader holds a request it may not propose, since
  // the next slot is at the slot bound or past its log window (which only truncation, after
  // heartbeats, moves).
  const slotsExhausted = (ds: RslDistributedState<number>): boolean => [...ds.hosts.values()].some((s) =>
    s.proposer.currentState === 2 && s.proposer.requestQueue.length > 0 &&
    s.proposer.nextOpnToPropose >= Math.min(opnMax, s.acceptor.logTruncationPoint + params.logLengthMax));

  // Followers are interchangeable when no view changes (every ballot above 0 is r0's), each has
  // the same heartbeat bound, and the protocol is IronRSL's or a known variant of it.
  const followersAlike = replicaCount > 2 && viewTestsMax === 0 && !crashes && options.protocol === undefined &&
    replicaIds.every((_, i) => i === 0 || heartbeatsOf(i) === heartbeatsOf(1));
  const binding: DistributedBinding<RslConstants, ReplicaState<number>, RslMsg<number>> = {
    name: options.name ?? 'rsl',
    bounds: `${replicaCount} replicas, ${clients} client${clients === 1 ? '' : 's'} with ${requests} request${requests === 1 ? '' : 's'} each to ${clientTo === 'all' ? 'every replica' : 'the leader'}, ballot seqno <= ${ballotSeqnoMax}, ` +
      `slots < ${opnMax}, ${perReplica([viewTestsMax], 'view test')}, ${perReplica(replicaIds.map((_, i) => heartbeatsOf(i)), 'heartbeat')}, ` +
      `logLengthMax ${params.logLengthMax}` +
      (lossy ? (options.lose === 'clients' ? ', lossy client links' : ', lossy links') : '') +
      (crashes ? ', crashes and restarts of any replica or all at once' : '') + (options.bug !== undefined ? `, bug ${options.bug}` : ''),
    protocol,
    config: { config, params },
    hostIds: replicaIds,
    inputs: {
      // Ignoring a packet changes nothing in IronFleet's network (the packet stays), so the model
      // leaves it out: it would only add self-loops.
      receives: (action) => action !== 'ignore' && receives.has(action),
      inputs: (_host, action, s) => {
        if (!clocked.has(action)) return [{}];
        const e = s.proposer.election;
        switch (action) {
          case 'checkViewTimeout':
            return e.epochEndTime < viewTestsMax * params.viewTimeoutBaselineMs ? reading(e.epochEndTime) : [];
          case 'sendHeartbeat':
            return s.nextHeartbeatTime < heartbeatsOf(s.me) * params.heartbeatPeriodMs ? reading(s.nextHeartbeatTime) : [];
          case 'maybeNominate':
            return reading(s.proposer.batchTimer.on ? s.proposer.batchTimer.whenMs : 0);
          default:
            return reading(e.epochEndTime);
        }
      },
    },
    hostKey: replicaKey,
    msgKey,
    viewHost: viewReplica,
    // On lossy links a receive consumes its packet, so the network no longer records every 2b,
    // 1b and reply sent, which the invariants and the spec abstraction read. Safety is checked in
    // IronFleet's network, where every step possible on lossy links is possible too; on lossy
    // links the model checks liveness.
    ...(lossy ? { network: 'lossy' as const } : { invariants: rslInvariants(app, config, params), refinement: { spec: rslSpec(app), abstract } }),
    ...(options.liveness === true ? { liveness: clientIds.map((c) => answeredProperty(protocol, c, requests, lossy, slotsExhausted)) } : {}),
    // Clients are interchangeable (each sends the same requests), and so are the followers of a
    // stable leader with the same heartbeat bound; a liveness property names one client, so the
    // checker refuses symmetry with liveness on, and it serves the safety checks.
    ...(clients > 1 || followersAlike ? { symmetry: rslSymmetry(clientIds, replicaIds, followersAlike) } : {}),
    constraint: (ds) => {
      for (const s of ds.hosts.values()) {
        if (s.proposer.election.currentView.seqno > ballotSeqnoMax || s.proposer.maxBallotISent1a.seqno > ballotSeqnoMax) return false;
        if (s.proposer.nextOpnToPropose > opnMax) return false;
      }
      return true;
    },
    outsiders: {
      ids: clientIds,
      messages: (client, ds) => clientSends(ds, client, clientTo === 'all' ? replicaIds : replicaIds.slice(0, 1), requests),
      packetsMax: (clientTo === 'all' ? replicaCount : 1) * requests * clients,
    },
  };
  const base = lossy && options.lose === 'clients' ? losingOnlyClientPackets(distributedModel(binding), new Set(clientIds)) : distributedModel(binding);
  const model = crashes ? withCrashes(base, replicaIds, rslBugRestart<number>(options.bug)) : base;
  // A restarted leader leaves its view (`checkSuspicion`), so with crashes 2bs carry several ballots.
  const eager = options.eagerLearners ?? (viewTestsMax === 0 && !crashes && (!lossy || options.lose === 'clients') && options.protocol === undefined && options.bug !== 'learner-counts-twice');
  const learn = protocol.actions['process2b'];
  return eager && learn !== undefined ? withEagerLearners(model, replicaIds, learn, lossy) : model;
}

/**
 * `model` with learners that take each 2b as soon as it is in the network: in a state where some
 * replica's `process2b` would change its learner, that step (the first such, in host order) is the
 * state's only successor. Sound for safety when every 2b carries one ballot (no view change is
 * possible: no view tests) and the learner is IronFleet's, because:
 *
 * - no invariant reads a learner, and the spec abstraction reads only the network, which
 *   `process2b` does not change: the step is invisible (a stutter of the spec);
 * - at one ballot a learner only ever adds senders to slots (or forgets executed ones), so a
 *   learner that took more 2bs can do everything one that took fewer can: the same decisions,
 *   with the same batches (a decision's batch is the replica's own vote, which the learner does
 *   not touch), no later than it;
 *   nothing else a replica or the network does depends on its learner. Every state of the full
 *   graph thus has a state of the reduced graph that differs only in learners that took more 2bs,
 *   and the same invariants hold in both;
 * - `process2b` steps alone cannot cycle (each one adds a sender), so no state is deferred forever.
 *
 * On lossy links where only client packets are lost, a 2b in flight to a replica can only be
 * taken by that replica's `process2b`, so a learner that took it at once is again ahead of one
 * that has it still in flight.
 *
 * Liveness on the reduced graph speaks of behaviours where learners are prompt, which every
 * behaviour fair to `process2b` becomes after a finite delay.
 */
function withEagerLearners(
  model: Model<RslDistributedState<number>>, replicaIds: readonly HostId[], process2b: RslAction<number>, lossy: boolean,
): Model<RslDistributedState<number>> {
  const actionOf = new Map(replicaIds.map((id) => [id, model.actions.indexOf(`process2b(${id})`)]));
  return {
    ...model,
    bounds: `${model.bounds ?? ''}, learners take 2bs at once`,
    successors: (ds, emit) => {
      // The same step the distributed model would take: the packet stays in IronFleet's network
      // and is consumed on lossy links (removing it keeps the network sorted).
      for (const packet of ds.network) {
        if (packet.msg.type !== '2b') continue;
        const s = ds.hosts.get(packet.dst);
        const action = actionOf.get(packet.dst);
        if (s === undefined || action === undefined) continue;
        const out = process2b(s, { packet });
        if (!isEnabled(out) || out.state === s) continue;
        const hosts = new Map(ds.hosts);
        hosts.set(packet.dst, out.state);
        emit(action, { hosts, network: lossy ? ds.network.filter((p) => p !== packet) : ds.network }, { host: packet.dst, packet });
        return;
      }
      model.successors(ds, emit);
    },
  };
}

/**
 * `model` with crashes: in every state, besides its own steps, each replica may crash and restart
 * (`crash(r)`), and so may all of them at once (`crashAll`), each becoming `restart` of its state.
 * The network is untouched (packets in flight stay deliverable, as in IronFleet's network), so a
 * crash is a stutter of the spec. The steps are never assumed fair.
 */
function withCrashes(
  model: Model<RslDistributedState<number>>, replicaIds: readonly HostId[], restart: (s: ReplicaState<number>) => ReplicaState<number>,
): Model<RslDistributedState<number>> {
  const first = model.actions.length;
  const all = first + replicaIds.length;
  return {
    ...model,
    actions: [...model.actions, ...replicaIds.map((id) => `crash(${id})`), 'crashAll'],
    successors: (ds, emit) => {
      model.successors(ds, emit);
      const everyone = new Map(ds.hosts);
      replicaIds.forEach((id, i) => {
        const s = ds.hosts.get(id);
        if (s === undefined) return;
        const t = restart(s);
        everyone.set(id, t);
        const hosts = new Map(ds.hosts);
        hosts.set(id, t);
        emit(first + i, { hosts, network: ds.network }, { host: id });
      });
      if (replicaIds.length > 1) emit(all, { hosts: everyone, network: ds.network });
    },
  };
}

/** "2 heartbeats per replica", or "heartbeats 1/0/0" when the replicas' bounds differ. */
function perReplica(bounds: readonly number[], what: string): string {
  const first = bounds[0] ?? 0;
  return bounds.every((b) => b === first) ? `${first} ${what}${first === 1 ? '' : 's'} per replica` : `${what}s ${bounds.join('/')}`;
}

/** The highest seqno of a reply to `client` in the network (0 if none). */
function answeredBy(ds: RslDistributedState<number>, client: HostId): number {
  let answered = 0;
  for (const p of ds.network) if (p.dst === client && p.msg.type === 'reply') answered = Math.max(answered, p.msg.seqno);
  return answered;
}

/**
 * Liveness with a stable leader, `${client}Answered`: the client's requests are eventually
 * executed and answered (a reply to its last request reaches the network), or the model's bound
 * is reached (`exhausted`: the leader holds a request but no slot within the bounds is left). One property per
 * client: on lossy links a reply may be lost after it arrived, so "all answered at once" is not
 * a goal any fair behaviour must reach. The model explores no view test, so the
 * leader of the first view stays leader; the property assumes weak fairness of every other
 * replica action and of the clients' sends (a client sends its outstanding request, and on lossy
 * links sends it again while it is not in flight: the client's retransmission). In IronFleet's
 * network a packet stays deliverable, so weak fairness of receiving is fair delivery; on lossy
 * links receiving is strongly fair (a packet sent again and again is eventually received), while
 * the replicas themselves retransmit nothing but what a request sent again makes them resend.
 */
function answeredProperty(
  protocol: HostProtocol<RslConstants, ReplicaState<number>, RslMsg<number>>, client: HostId, requests: number, lossy: boolean,
  exhausted: (ds: RslDistributedState<number>) => boolean,
): LivenessProperty<RslDistributedState<number>> {
  const names = Object.keys(protocol.actions).filter((a) => !unfairActions.has(a));
  const receives = new Set(rslReceiveActions);
  const weak = [...names.filter((a) => !lossy || !receives.has(a)).map((a) => `${a}(*)`), 'send(*)'];
  const strong = lossy ? names.filter((a) => receives.has(a)).map((a) => `${a}(*)`) : [];
  return {
    kind: 'eventually',
    name: `${client}Answered`,
    holds: (ds) => answeredBy(ds, client) >= requests || exhausted(ds),
    fairness: weak,
    ...(strong.length > 0 ? { strongFairness: strong } : {}),
  };
}

/** `model` (on lossy links) without the steps that lose a packet between two replicas. */
function losingOnlyClientPackets(model: Model<RslDistributedState<number>>, clients: ReadonlySet<HostId>): Model<RslDistributedState<number>> {
  const losing = new Set(model.actions.flatMap((a, i) => (a.startsWith('lose(') ? [i] : [])));
  return {
    ...model,
    successors: (ds, emit) => model.successors(ds, (action, t, note) => {
      if (losing.has(action)) {
        // A lose step removes one packet: the first position where the networks differ.
        const lost = ds.network.find((p, i) => t.network[i] !== p);
        if (lost !== undefined && !clients.has(lost.src) && !clients.has(lost.dst)) return;
      }
      emit(action, t, note);
    }),
  };
}

/**
 * What the client may send: request 1 to any replica, and request n + 1 once a reply to n has
 * reached it (so it has one request outstanding). A request's payload adds its seqno.
 */
function clientSends(ds: RslDistributedState<number>, client: HostId, replicaIds: readonly HostId[], requests: number): { dst: HostId; msg: RslMsg<number> }[] {
  const answered = answeredBy(ds, client);
  const seqno = answered + 1;
  if (seqno > requests) return [];
  return replicaIds.map((dst) => ({ dst, msg: { type: 'request', seqno, payload: Uint8Array.of(seqno) } }));
}
