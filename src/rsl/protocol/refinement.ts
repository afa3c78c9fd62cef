import { sameBytes } from '../../core/bytes.js';
import type { DistributedState } from '../../framework/distributed.js';
import type { HostId, Packet } from '../../framework/types.js';
import type { AppSpec, RslRequest, RslSpecState } from '../spec.js';
import { executeBatch, isFresh, replyCorresponds, rslSpecInit } from '../spec.js';
import type { RslMsg } from './messages.js';
import type { ReplicaState } from './replica.js';
import type { Ballot, Opn, Request, RequestBatch, RslConfig, RslParams } from './types.js';
import { balLeq, balLt, equalBatch, isReplica, quorumSize } from './types.js';

/**
 * The abstraction from IronRSL's distributed system to its spec (IronFleet's `Refinement.i.dfy`)
 * and the invariants of docs/rsl.md §6, checked on every explored state.
 *
 * A slot is *chosen* with value `v` when a quorum of distinct replicas have sent `2b(bal, opn)`
 * for one ballot `bal`, and a replica sent `2a(bal, opn, v)`: a 2b names the slot and ballot of the
 * 2a it answers, not its batch (**[ours]**; IronFleet's 2b repeats the batch). The spec state is
 * the result of executing the longest prefix of chosen slots in order, each batch with the
 * executor's exactly-once rule. The abstraction reads only the network's 2a and 2b packets (which
 * IronFleet's network keeps forever), never host states.
 */

/** The distributed state of IronRSL replicas of an app with state `A`. */
export type RslDistributedState<A> = DistributedState<ReplicaState<A>, RslMsg<A>>;

/** A named safety property of the distributed state (the shape of the model checker's `Invariant`). */
export interface RslInvariant<A> {
  readonly name: string;
  holds(ds: RslDistributedState<A>): boolean;
}

/** The spec's form of a protocol request. */
export function toSpecRequest(r: Request): RslRequest {
  return { client: r.client, seqno: r.seqno, request: r.payload };
}

/** The key of a ballot and slot, as the 2as and 2bs of the abstraction are grouped. */
export function slotKey(ballot: Ballot, opn: Opn): string {
  return `${ballot.seqno}.${ballot.proposer}@${opn}`;
}

/**
 * Every value chosen in each slot, by the network's 2a and 2b packets from replicas: the batches of
 * the 2as at each ballot and slot that a quorum's 2bs name. A slot with more than one value breaks
 * agreement.
 */
export function chosenValues<A>(config: RslConfig, network: readonly Packet<RslMsg<A>>[]): ReadonlyMap<Opn, readonly RequestBatch[]> {
  const groups = new Map<string, { opn: Opn; senders: Set<HostId> }>();
  const proposed = new Map<string, RequestBatch[]>();
  for (const p of network) {
    if (!isReplica(config, p.src)) continue;
    if (p.msg.type === '2a') {
      const key = slotKey(p.msg.ballot, p.msg.opn);
      const batches = proposed.get(key) ?? [];
      const batch = p.msg.batch;
      if (!batches.some((b) => equalBatch(b, batch))) batches.push(batch);
      proposed.set(key, batches);
    } else if (p.msg.type === '2b') {
      const key = slotKey(p.msg.ballot, p.msg.opn);
      let g = groups.get(key);
      if (g === undefined) {
        g = { opn: p.msg.opn, senders: new Set() };
        groups.set(key, g);
      }
      g.senders.add(p.src);
    }
  }
  const chosen = new Map<Opn, RequestBatch[]>();
  const quorum = quorumSize(config);
  for (const [key, g] of groups) {
    const batches = proposed.get(key);
    if (g.senders.size < quorum || batches === undefined) continue;
    const values = chosen.get(g.opn) ?? [];
    for (const batch of batches) if (!values.some((v) => equalBatch(v, batch))) values.push(batch);
    chosen.set(g.opn, values);
  }
  return chosen;
}

/**
 * The spec state after executing `batch` after `s` with the executor's rule (docs/rsl.md §4.4): a
 * request that is not fresh is skipped, and so is a new client once `clientsMax` clients have
 * executed; the rest execute in order with the spec's own `executeBatch`.
 */
export function executeChosenBatch<A>(app: AppSpec<A>, clientsMax: number, s: RslSpecState<A>, batch: RequestBatch): RslSpecState<A> {
  let t = s;
  for (const r of batch) {
    const req = toSpecRequest(r);
    if (!isFresh(t, req)) continue;
    if (!t.latest.has(req.client) && t.latest.size >= clientsMax) continue;
    const next = executeBatch(app, t, [req]);
    if (next !== null) t = next;
  }
  return t;
}

/** The spec states along the chosen prefix: entry k is the state after executing slots `0 .. k - 1`. */
export interface ChosenPrefix<A> {
  readonly chosen: ReadonlyMap<Opn, readonly RequestBatch[]>;
  readonly states: readonly RslSpecState<A>[];
}

/** The chosen prefix of `network` and the spec states along it (of a slot with two values, the first). */
export function chosenPrefix<A>(app: AppSpec<A>, config: RslConfig, params: RslParams, network: readonly Packet<RslMsg<A>>[]): ChosenPrefix<A> {
  const chosen = chosenValues(config, network);
  const states: RslSpecState<A>[] = [rslSpecInit(app)];
  for (let opn = 0; ; opn++) {
    const value = chosen.get(opn)?.[0];
    const last = states[states.length - 1];
    if (value === undefined || last === undefined) break;
    states.push(executeChosenBatch(app, params.clientsMax, last, value));
  }
  return { chosen, states };
}

/**
 * The abstraction to the spec, for replicas of `config` with `params`: the state after the chosen
 * prefix. It depends on the network alone, so it is cached per network array.
 */
export function rslAbstraction<A>(app: AppSpec<A>, config: RslConfig, params: RslParams): {
  readonly prefix: (ds: RslDistributedState<A>) => ChosenPrefix<A>;
  readonly abstract: (ds: RslDistributedState<A>) => RslSpecState<A>;
} {
  const cache = new WeakMap<readonly Packet<RslMsg<A>>[], ChosenPrefix<A>>();
  const prefix = (ds: RslDistributedState<A>): ChosenPrefix<A> => {
    let p = cache.get(ds.network);
    if (p === undefined) {
      p = chosenPrefix(app, config, params, ds.network);
      cache.set(ds.network, p);
    }
    return p;
  };
  const abstract = (ds: RslDistributedState<A>): RslSpecState<A> => {
    const states = prefix(ds).states;
    return states[states.length - 1] ?? rslSpecInit(app);
  };
  return { prefix, abstract };
}

/** The replicas' states, in any order. */
function replicas<A>(ds: RslDistributedState<A>): ReplicaState<A>[] {
  return [...ds.hosts.values()];
}

/** How many replicas have executed at least `opn` slots. */
function executedBy<A>(ds: RslDistributedState<A>, opn: Opn): number {
  let n = 0;
  for (const r of ds.hosts.values()) if (r.executor.opsComplete >= opn) n++;
  return n;
}

function packetsOf<A, T extends RslMsg<A>['type']>(ds: RslDistributedState<A>, type: T): { src: HostId; msg: Extract<RslMsg<A>, { type: T }> }[] {
  const out: { src: HostId; msg: Extract<RslMsg<A>, { type: T }> }[] = [];
  for (const p of ds.network) if (p.msg.type === type) out.push({ src: p.src, msg: p.msg as Extract<RslMsg<A>, { type: T }> });
  return out;
}

/**
 * The invariants of docs/rsl.md §6 for replicas of `config` with `params`, in a fixed order. Each
 * reads the distributed state only.
 */
export function rslInvariants<A>(app: AppSpec<A>, config: RslConfig, params: RslParams): readonly RslInvariant<A>[] {
  const { prefix } = rslAbstraction(app, config, params);
  const quorum = quorumSize(config);
  const ballotOf = (ds: RslDistributedState<A>, id: HostId): Ballot | null => ds.hosts.get(id)?.proposer.maxBallotISent1a ?? null;
  return [
    {
      // One value per slot, whatever the ballots it was chosen at.
      name: 'chosenAgreement',
      holds: (ds) => [...prefix(ds).chosen.values()].every((values) => values.length <= 1),
    },
    {
      // Two 2as with the same ballot and slot carry the same batch.
      name: 'twoAsAgree',
      holds: (ds) => {
        const seen = new Map<string, RequestBatch>();
        for (const { src, msg } of packetsOf(ds, '2a')) {
          if (!isReplica(config, src)) continue;
          const key = slotKey(msg.ballot, msg.opn);
          const other = seen.get(key);
          if (other !== undefined && !equalBatch(other, msg.batch)) return false;
          seen.set(key, msg.batch);
        }
        return true;
      },
    },
    {
      // Every 2b from a replica was preceded by a replica's 2a with the same ballot and slot.
      name: 'twoBHas2a',
      holds: (ds) => {
        const twoAs = new Set(packetsOf(ds, '2a').filter((p) => isReplica(config, p.src)).map((p) => slotKey(p.msg.ballot, p.msg.opn)));
        return packetsOf(ds, '2b').every(({ src, msg }) => !isReplica(config, src) || twoAs.has(slotKey(msg.ballot, msg.opn)));
      },
    },
    {
      // Every vote an acceptor holds is the batch of a replica's 2a at its ballot and slot: what a
      // decision takes as the chosen value.
      name: 'votesAre2as',
      holds: (ds) => {
        const twoAs = new Map<string, RequestBatch>();
        for (const { src, msg } of packetsOf(ds, '2a')) if (isReplica(config, src)) twoAs.set(slotKey(msg.ballot, msg.opn), msg.batch);
        return replicas(ds).every((r) => [...r.acceptor.votes].every(([opn, v]) => {
          const proposed = twoAs.get(slotKey(v.maxVBal, opn));
          return proposed !== undefined && equalBatch(proposed, v.maxVal);
        }));
      },
    },
    {
      // Every vote reported in a 1b is from a ballot below the 1b's.
      name: 'oneBVotesBelowBallot',
      holds: (ds) => packetsOf(ds, '1b').every(({ src, msg }) => !isReplica(config, src) ||
        [...msg.votes.values()].every((v) => balLt(v.maxVBal, msg.ballot))),
    },
    {
      // An acceptor's votes are at or below its promise.
      name: 'voteBelowMaxBal',
      holds: (ds) => replicas(ds).every((r) => [...r.acceptor.votes.values()].every((v) => balLeq(v.maxVBal, r.acceptor.maxBal))),
    },
    {
      // An acceptor's promise covers every 1b and 2b it sent: promises never go down.
      name: 'promiseCoversSent',
      holds: (ds) => ds.network.every((p) => {
        if (p.msg.type !== '1b' && p.msg.type !== '2b') return true;
        const acceptor = ds.hosts.get(p.src)?.acceptor;
        return acceptor === undefined || balLeq(p.msg.ballot, acceptor.maxBal);
      }),
    },
    {
      // An acceptor's promise was sent as a 1a by the ballot's leader.
      name: 'maxBalLedByProposer',
      holds: (ds) => replicas(ds).every((r) => {
        const bal = r.acceptor.maxBal;
        if (bal.seqno === 0) return true;
        const leader = ballotOf(ds, config.replicaIds[bal.proposer] ?? '');
        return leader !== null && balLeq(bal, leader);
      }),
    },
    {
      // An acceptor's votes lie in its window [ltp, ltp + logLengthMax).
      name: 'votesInWindow',
      holds: (ds) => replicas(ds).every((r) => [...r.acceptor.votes.keys()].every((opn) =>
        opn >= r.acceptor.logTruncationPoint && opn < r.acceptor.logTruncationPoint + params.logLengthMax)),
    },
    {
      // Truncation never passes what a quorum executed: acceptors' points, 1bs' points, and 2as' windows.
      name: 'truncationBelowQuorumExecuted',
      holds: (ds) => replicas(ds).every((r) => executedBy(ds, r.acceptor.logTruncationPoint) >= quorum) &&
        packetsOf(ds, '1b').every(({ src, msg }) => !isReplica(config, src) || executedBy(ds, msg.logTruncationPoint) >= quorum) &&
        packetsOf(ds, '2a').every(({ src, msg }) => !isReplica(config, src) || executedBy(ds, msg.opn - params.logLengthMax + 1) >= quorum),
    },
    {
      // Checkpoints and heartbeats never report more than their replica executed.
      name: 'checkpointsNotAhead',
      holds: (ds) => {
        const done = (id: HostId): number => ds.hosts.get(id)?.executor.opsComplete ?? 0;
        return replicas(ds).every((r) => r.acceptor.lastCheckpointed.every((c, j) => c <= done(config.replicaIds[j] ?? ''))) &&
          packetsOf(ds, 'heartbeat').every(({ src, msg }) => !isReplica(config, src) || msg.opsComplete <= done(src));
      },
    },
    {
      // A leader's own truncation point covers every 1b it holds.
      name: 'leaderLtpCoversHeld1bs',
      holds: (ds) => replicas(ds).every((r) => [...r.proposer.received1bs.values()].every((b) => b.logTruncationPoint <= r.acceptor.logTruncationPoint)),
    },
    {
      // A decided next slot is the value chosen there.
      name: 'decisionIsChosen',
      holds: (ds) => replicas(ds).every((r) => {
        const next = r.executor.nextOp;
        return !next.known || (prefix(ds).chosen.get(r.executor.opsComplete) ?? []).some((v) => equalBatch(v, next.batch));
      }),
    },
    {
      // Each executor's app and reply cache are the spec's after the chosen slots it executed.
      name: 'executedPrefixesAgree',
      holds: (ds) => {
        const states = prefix(ds).states;
        return replicas(ds).every((r) => {
          const spec = states[r.executor.opsComplete];
          if (spec === undefined || !app.equal(spec.app, r.executor.app) || spec.latest.size !== r.executor.replyCache.size) return false;
          for (const [client, reply] of r.executor.replyCache) {
            const latest = spec.latest.get(client);
            if (latest === undefined || reply.client !== client || latest.seqno !== reply.seqno || !sameBytes(latest.reply, reply.reply)) return false;
          }
          return true;
        });
      },
    },
    {
      // Every reply a replica sent corresponds to the spec (replyCorresponds).
      name: 'repliesMatchSpec',
      holds: (ds) => {
        const s = prefix(ds).states.at(-1) ?? rslSpecInit(app);
        return ds.network.every((p) => p.msg.type !== 'reply' || !isReplica(config, p.src) || replyCorresponds(s, p.dst, p.msg.seqno, p.msg.reply));
      },
    },
  ];
}
