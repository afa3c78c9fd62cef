import { sameBytes } from '../../core/bytes.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
import type { HostId } from '../../framework/types.js';
import { deepEqual } from '../../framework/refinement.js';

/**
 * IronRSL's vocabulary (docs/rsl.md §2): ballots, slots, requests and batches, votes, the reply
 * cache, the configuration and the parameters, after IronFleet's `Types.i.dfy`,
 * `Configuration.i.dfy` and `Parameters.i.dfy`.
 */

/** A replica's position in `RslConfig.replicaIds`. */
export type ReplicaIndex = number;

/** An operation number: a slot of the log, from 0. */
export type Opn = number;

/**
 * A ballot, which is also a view: view `(seqno, i)` is led by replica `i`. Ordered by seqno, then
 * proposer (`balLt`). `(0, 0)` is "no ballot"; the initial view is `(1, 0)`.
 */
export interface Ballot {
  readonly seqno: number;
  readonly proposer: ReplicaIndex;
}

/** The ballot below every real one: "no ballot yet". */
export const ballotZero: Ballot = { seqno: 0, proposer: 0 };

/** The view every replica starts in, led by replica 0. */
export const initialView: Ballot = { seqno: 1, proposer: 0 };

/** Whether ballot `a` is below ballot `b` (a total order: seqno first, then proposer). */
export function balLt(a: Ballot, b: Ballot): boolean {
  return a.seqno < b.seqno || (a.seqno === b.seqno && a.proposer < b.proposer);
}

/** Whether ballot `a` is at most ballot `b`. */
export function balLeq(a: Ballot, b: Ballot): boolean {
  return !balLt(b, a);
}

/** Whether two ballots are the same. */
export function balEq(a: Ballot, b: Ballot): boolean {
  return a.seqno === b.seqno && a.proposer === b.proposer;
}

/** The higher of two ballots. */
export function balMax(a: Ballot, b: Ballot): Ballot {
  return balLt(a, b) ? b : a;
}

/**
 * The view after `v` in a configuration of `replicaCount` replicas: leaders rotate round-robin,
 * `(s, i) -> (s, i + 1)`, and `(s, n - 1) -> (s + 1, 0)`.
 */
export function successorView(v: Ballot, replicaCount: number): Ballot {
  return v.proposer + 1 < replicaCount ? { seqno: v.seqno, proposer: v.proposer + 1 } : { seqno: v.seqno + 1, proposer: 0 };
}

/** A client's request: `(client, seqno)` names it; `payload` is the app's bytes. */
export interface Request {
  readonly client: HostId;
  readonly seqno: number;
  readonly payload: Uint8Array;
}

/** One slot's value: the requests to execute, in order. May be empty (a no-op filling a gap). */
export type RequestBatch = readonly Request[];

/** The app's reply to one request. */
export interface Reply {
  readonly client: HostId;
  readonly seqno: number;
  readonly reply: Uint8Array;
}

/** An acceptor's last accepted value in one slot, and the ballot it was accepted at. */
export interface Vote {
  readonly maxVBal: Ballot;
  readonly maxVal: RequestBatch;
}

/** An acceptor's votes, per slot. */
export type Votes = ReadonlyMap<Opn, Vote>;

/**
 * What a learner knows of one slot at its highest ballot: who sent a 2b for it. The value is the
 * batch of the 2a at that ballot (**[ours]**, docs/rsl.md §4.4).
 */
export interface LearnerTuple {
  /** Invariant: non-empty, and every member is a replica. */
  readonly senders: ReadonlySet<HostId>;
}

/** A learner's knowledge, per slot. */
export type LearnerState = ReadonlyMap<Opn, LearnerTuple>;

/** A batch a replica's 2a proposed, at its ballot. */
export interface Proposal {
  readonly ballot: Ballot;
  readonly batch: RequestBatch;
}

/** The proposals a learner keeps, per slot. */
export type Proposals = ReadonlyMap<Opn, Proposal>;

/** Per client, the reply to its latest executed request. Invariant: `cache.get(c).client === c`. */
export type ReplyCache = ReadonlyMap<HostId, Reply>;

/**
 * The replicated service state **[ours]**: the app state with the reply cache, so that state
 * transfer carries the cache and a replica that caught up dedups like the rest.
 */
export interface ServiceSnapshot<A> {
  readonly app: A;
  readonly replyCache: ReplyCache;
}

/** The replicas of a service (IronFleet's `LConfiguration`). Invariant: non-empty, distinct. */
export interface RslConfig {
  readonly replicaIds: readonly HostId[];
}

/** The size of a quorum: a majority of the replicas. */
export function quorumSize(config: RslConfig): number {
  return Math.floor(config.replicaIds.length / 2) + 1;
}

/** The index of replica `id`, or -1 if it is not a replica. */
export function replicaIndex(config: RslConfig, id: HostId): ReplicaIndex {
  return config.replicaIds.indexOf(id);
}

/** Whether `id` is one of the replicas. */
export function isReplica(config: RslConfig, id: HostId): boolean {
  return config.replicaIds.includes(id);
}

/**
 * The protocol's parameters (IronFleet's `LParameters`), with units. Defaults are IronFleet's,
 * from `StaticParams()`; `requestBytesMax`, `clientsMax` and `eagerSlotsMax` are ours.
 */
export interface RslParams {
  /** Most requests in one batch (slot value). */
  readonly batchSizeMax: number;
  /** How long a leader waits for a batch to fill before proposing what it has. */
  readonly batchDelayMs: number;
  /** Time between two heartbeats of a replica. */
  readonly heartbeatPeriodMs: number;
  /** The view-test epoch's length after a healthy epoch; doubled on every view change. */
  readonly viewTimeoutBaselineMs: number;
  /** Most slots an acceptor keeps votes for; a leader proposes below its truncation point + this. */
  readonly logLengthMax: number;
  /**
   * While fewer slots than this are proposed and not yet executed by the leader, it proposes an
   * incomplete batch at once instead of waiting `batchDelayMs` (0: IronFleet's rule, always
   * wait). **[ours]**
   */
  readonly eagerSlotsMax: number;
  /** The bound every counter saturates at (IronFleet's `max_integer_val`). */
  readonly integerMax: number;
  /** Largest request payload; larger requests are dropped unprocessed. **[ours]** */
  readonly requestBytesMax: number;
  /** Most clients in the reply cache; a new client beyond it is not served. **[ours]** */
  readonly clientsMax: number;
}

/** IronFleet's parameters, and ours sized for `src/net`'s frames (a full batch fits in one). */
export const defaultRslParams: RslParams = {
  batchSizeMax: 32,
  batchDelayMs: 10,
  heartbeatPeriodMs: 100,
  viewTimeoutBaselineMs: 1000,
  logLengthMax: 7,
  eagerSlotsMax: 0,
  integerMax: Number.MAX_SAFE_INTEGER,
  requestBytesMax: 64 * 1024,
  clientsMax: 255,
};

/** Every parameter problem found, one sentence each; a valid set gives `ok(params)`. */
export function validateRslParams(p: RslParams): Result<RslParams, string> {
  const problems: string[] = [];
  const whole = (name: keyof RslParams, min: number): void => {
    const v = p[name];
    if (!Number.isSafeInteger(v) || v < min) problems.push(`${name} must be a whole number >= ${min}, got ${String(v)}`);
  };
  whole('integerMax', 1);
  whole('batchSizeMax', 1);
  whole('batchDelayMs', 0);
  whole('heartbeatPeriodMs', 1);
  whole('viewTimeoutBaselineMs', 1);
  whole('logLengthMax', 1);
  whole('eagerSlotsMax', 0);
  whole('requestBytesMax', 1);
  whole('clientsMax', 1);
  if (Number.isSafeInteger(p.logLengthMax) && p.logLengthMax >= p.integerMax) {
    problems.push(`logLengthMax must be below integerMax (${p.integerMax}), got ${p.logLengthMax}`);
  }
  return problems.length === 0 ? ok(p) : err(problems.join('; '));
}

/** Problems with a configuration (empty, or a replica listed twice); a valid one gives `ok(config)`. */
export function validateRslConfig(config: RslConfig): Result<RslConfig, string> {
  if (config.replicaIds.length === 0) return err('replicaIds must not be empty');
  const seen = new Set<HostId>();
  for (const id of config.replicaIds) {
    if (seen.has(id)) return err(`replica ${id} is listed twice`);
    seen.add(id);
  }
  return ok(config);
}

/** `a + b`, saturating at `max` (IronFleet's `UpperBoundedAddition`). */
export function addSat(a: number, b: number, max: number): number {
  return a + b >= max ? max : a + b;
}

/** Whether two requests are the same: same client, seqno and payload. */
export function equalRequest(a: Request, b: Request): boolean {
  return a.client === b.client && a.seqno === b.seqno && sameBytes(a.payload, b.payload);
}

/** Whether two batches hold the same requests in the same order. */
export function equalBatch(a: RequestBatch, b: RequestBatch): boolean {
  return a.length === b.length && a.every((r, i) => {
    const q = b[i];
    return q !== undefined && equalRequest(r, q);
  });
}

/** Whether two replies are the same. */
export function equalReply(a: Reply, b: Reply): boolean {
  return a.client === b.client && a.seqno === b.seqno && sameBytes(a.reply, b.reply);
}

/** Whether two vote maps are the same. */
export function equalVotes(a: Votes, b: Votes): boolean {
  if (a.size !== b.size) return false;
  for (const [opn, v] of a) {
    const w = b.get(opn);
    if (w === undefined || !balEq(v.maxVBal, w.maxVBal) || !equalBatch(v.maxVal, w.maxVal)) return false;
  }
  return true;
}

/** Whether two reply caches are the same. */
export function equalReplyCache(a: ReplyCache, b: ReplyCache): boolean {
  if (a.size !== b.size) return false;
  for (const [c, r] of a) {
    const q = b.get(c);
    if (q === undefined || !equalReply(r, q)) return false;
  }
  return true;
}

/** Structural equality of plain protocol data (the framework's `deepEqual`). Not for app states, which only the app can compare. */
export const plainEqual = deepEqual;
