import type { DistributedBinding } from '../check/distributed.js';
import { distributedModel } from '../check/distributed.js';
import type { Model } from '../check/model.js';
import type { HostProtocol } from '../framework/protocol.js';
import type { HostId } from '../framework/types.js';
import type { RslMsg } from './protocol/messages.js';
import type { RslDistributedState } from './protocol/refinement.js';
import { rslAbstraction, rslInvariants } from './protocol/refinement.js';
import type { ReplicaState, RslConstants } from './protocol/replica.js';
import { rslClockActions, rslProtocol, rslReceiveActions } from './protocol/replica.js';
import type { Ballot, Request, RequestBatch, RslParams, Votes } from './protocol/types.js';
import { unreachable } from '../core/assert.js';
import { defaultRslParams } from './protocol/types.js';
import { rslSpec } from './spec.js';
import type { RslBug } from './testing.js';
import { counterApp, rslBugProtocol } from './testing.js';

/**
 * IronRSL's distributed system as a model: the replicas of src/rsl/protocol, one client, and
 * IronFleet's network of every packet ever sent. Checked on every reachable state: the invariants
 * of docs/rsl.md §6 (src/rsl/protocol/refinement.ts), and on every transition, refinement to the
 * spec of src/rsl/spec.ts through the chosen prefix.
 *
 * The client is an outsider of the distributed model (a host with no state): it may send its
 * request 1 to any replica at any time, and request n + 1 once a reply to n is in the network
 * (a client has one request outstanding). It is not a protocol host because it runs no replica
 * code, and not packets in the initial network because the model's initial network is empty and
 * because sending at any time, to any subset of replicas, is what a real client may do.
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

/** The client's id in the model. */
export const rslClientId = 'c0';

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
  /** Which replicas the client sends its requests to (default 'leader': the first view's, r0). */
  readonly clientTo?: 'leader' | 'all';
  /** Heartbeats per replica (default 1, one every 1 ms). */
  readonly heartbeatsMax?: number;
  /** Parameters beyond the model's own (default: 1 ms timers, batches of 1, logLengthMax 2). */
  readonly params?: Partial<RslParams>;
  /** A known broken variant to check instead of IronRSL's replica (src/rsl/testing.ts). */
  readonly bug?: RslBug;
  /** A protocol to check instead of IronRSL's (for tests of the checks themselves). */
  readonly protocol?: HostProtocol<RslConstants, ReplicaState<number>, RslMsg<number>>;
  /** The model's name (default 'rsl'). */
  readonly name?: string;
}

/** The model's parameters: 1 ms timers so that the clock bound counts timeouts, batches of one request. */
export const rslModelParams: RslParams = {
  ...defaultRslParams,
  batchSizeMax: 1,
  batchDelayMs: 0,
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
    ops: s.executor.opsComplete, app: s.executor.app, decided: s.executor.nextOp.known, nextHeartbeat: s.nextHeartbeatTime,
  };
}

const bal = (b: Ballot): string => `${b.seqno}.${b.proposer}`;
const req = (r: Request): string => `${JSON.stringify(r.client)}#${r.seqno}:${r.payload.join('.')}`;
const batch = (b: RequestBatch): string => `[${b.map(req).join(',')}]`;
const sorted = <K extends string | number, V>(m: ReadonlyMap<K, V>, show: (v: V) => string): string =>
  [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}=${show(v)}`).join(';');
const votes = (v: Votes): string => sorted(v, (x) => `${bal(x.maxVBal)}${batch(x.maxVal)}`);

/**
 * A stable, injective key of a replica state of the counter app (faster than the generic
 * stableKey; the constants are left out because they never change).
 */
export function replicaKey(s: ReplicaState<number>): string {
  const p = s.proposer;
  const e = p.election;
  const a = s.acceptor;
  const x = s.executor;
  return [
    s.me, s.nextHeartbeatTime,
    p.currentState, p.requestQueue.map(req).join(','), bal(p.maxBallotISent1a), p.nextOpnToPropose,
    sorted(p.received1bs, (b) => `${b.logTruncationPoint}{${votes(b.votes)}}`), sorted(p.highestSeqnoThisView, String),
    p.batchTimer.on ? p.batchTimer.whenMs : '-',
    bal(e.currentView), [...e.suspectors].sort().join(','), e.epochEndTime, e.epochLengthMs,
    e.requestsThisEpoch.map(req).join(','), e.requestsPrevEpochs.map(req).join(','),
    bal(a.maxBal), votes(a.votes), a.lastCheckpointed.join(','), a.logTruncationPoint,
    bal(s.learner.maxBallotSeen), sorted(s.learner.unexecuted, (t) => `${[...t.senders].sort().join('+')}${batch(t.value)}`),
    x.app, x.opsComplete, bal(x.maxBalReflected), x.nextOp.known ? `${bal(x.nextOp.ballot)}${batch(x.nextOp.batch)}` : '-',
    sorted(x.replyCache, (r) => `${r.seqno}:${r.reply.join('.')}`),
  ].join('|');
}

/** A stable, injective key of a message of the counter app. */
export function msgKey(m: RslMsg<number>): string {
  switch (m.type) {
    case 'request': return `rq${m.seqno}:${m.payload.join('.')}`;
    case '1a': return `1a${bal(m.ballot)}`;
    case '1b': return `1b${bal(m.ballot)}:${m.logTruncationPoint}{${votes(m.votes)}}`;
    case '2a': return `2a${bal(m.ballot)}@${m.opn}${batch(m.batch)}`;
    case '2b': return `2b${bal(m.ballot)}@${m.opn}${batch(m.batch)}`;
    case 'heartbeat': return `hb${bal(m.ballot)}${m.suspicious ? 's' : ''}:${m.opsComplete}`;
    case 'reply': return `rp${m.seqno}:${m.reply.join('.')}`;
    case 'appStateRequest': return `sr${bal(m.ballot)}@${m.opn}`;
    case 'appStateSupply': return `ss${bal(m.ballot)}@${m.opn}:${m.state.app}{${sorted(m.state.replyCache, (r) => `${r.seqno}:${r.reply.join('.')}`)}}`;
    case 'startingPhase2': return `p2${bal(m.ballot)}:${m.logTruncationPoint}`;
    case 'leaderHint': return `lh${m.seqno}:${JSON.stringify(m.leader)}`;
    default: return unreachable(m, 'message');
  }
}

/** IronRSL's distributed system as a model, with the counter app. */
export function rslModel(options: RslModelOptions = {}): Model<RslDistributedState<number>> {
  const replicaCount = options.replicas ?? 3;
  const requests = options.requests ?? 1;
  const ballotSeqnoMax = options.ballotSeqnoMax ?? 1;
  const opnMax = options.opnMax ?? 2;
  const viewTestsMax = options.viewTestsMax ?? 0;
  const clientTo = options.clientTo ?? 'leader';
  const heartbeatsMax = options.heartbeatsMax ?? 1;
  const params: RslParams = { ...rslModelParams, ...options.params };
  const replicaIds = Array.from({ length: replicaCount }, (_, i) => `r${i}`);
  const config = { replicaIds };
  const app = counterApp;
  const protocol = options.protocol ?? (options.bug !== undefined ? rslBugProtocol(app, options.bug) : rslProtocol(app));
  const { abstract } = rslAbstraction(app, config, params);
  const receives = new Set(rslReceiveActions);
  const clocked = new Set(rslClockActions);
  const reading = (nowMs: number): { nowMs: number }[] => [{ nowMs }];

  const binding: DistributedBinding<RslConstants, ReplicaState<number>, RslMsg<number>> = {
    name: options.name ?? 'rsl',
    bounds: `${replicaCount} replicas, 1 client with ${requests} request${requests === 1 ? '' : 's'} to ${clientTo === 'all' ? 'every replica' : 'the leader'}, ballot seqno <= ${ballotSeqnoMax}, ` +
      `slots < ${opnMax}, ${viewTestsMax} view test${viewTestsMax === 1 ? '' : 's'}, ${heartbeatsMax} heartbeat${heartbeatsMax === 1 ? '' : 's'} per replica, logLengthMax ${params.logLengthMax}` +
      (options.bug !== undefined ? `, bug ${options.bug}` : ''),
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
            return s.nextHeartbeatTime < heartbeatsMax * params.heartbeatPeriodMs ? reading(s.nextHeartbeatTime) : [];
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
    invariants: rslInvariants(app, config, params),
    constraint: (ds) => {
      for (const s of ds.hosts.values()) {
        if (s.proposer.election.currentView.seqno > ballotSeqnoMax || s.proposer.maxBallotISent1a.seqno > ballotSeqnoMax) return false;
        if (s.proposer.nextOpnToPropose > opnMax) return false;
      }
      return true;
    },
    refinement: { spec: rslSpec(app), abstract },
    outsiders: {
      ids: [rslClientId],
      messages: (_x, ds) => clientSends(ds, clientTo === 'all' ? replicaIds : replicaIds.slice(0, 1), requests),
      packetsMax: (clientTo === 'all' ? replicaCount : 1) * requests,
    },
  };
  return distributedModel(binding);
}

/**
 * What the client may send: request 1 to any replica, and request n + 1 once a reply to n has
 * reached it (so it has one request outstanding). A request's payload adds its seqno.
 */
function clientSends(ds: RslDistributedState<number>, replicaIds: readonly HostId[], requests: number): { dst: HostId; msg: RslMsg<number> }[] {
  let answered = 0;
  for (const p of ds.network) if (p.dst === rslClientId && p.msg.type === 'reply') answered = Math.max(answered, p.msg.seqno);
  const seqno = answered + 1;
  if (seqno > requests) return [];
  return replicaIds.map((dst) => ({ dst, msg: { type: 'request', seqno, payload: Uint8Array.of(seqno) } }));
}
