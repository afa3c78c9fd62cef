import type { Ballot, Opn, ReplicaIndex, RequestBatch, RslParams, Votes } from './types.js';
import { balLeq, balLt, ballotZero } from './types.js';

/**
 * The acceptor (docs/rsl.md §4.3, IronFleet's `Acceptor.i.dfy`): promises (1a -> 1b), accepts
 * (2a -> 2b), keeps at most `logLengthMax` slots of votes, and truncates its log to the point a
 * quorum is known to have executed.
 */

/** One replica's acceptor state. */
export interface AcceptorState {
  /**
   * The highest ballot promised or accepted. Invariants: never decreases; at most the
   * `maxBallotISent1a` of the replica that leads it.
   */
  readonly maxBal: Ballot;
  /**
   * The last accepted value per slot. Invariants: every vote has `maxVBal <= maxBal`; every slot
   * lies in `[logTruncationPoint, logTruncationPoint + logLengthMax)`.
   */
  readonly votes: Votes;
  /**
   * Per replica, the highest `opsComplete` heard in its heartbeats. Invariant: entry `j` is at
   * most replica `j`'s actual `opsComplete`.
   */
  readonly lastCheckpointed: readonly Opn[];
  /**
   * Slots below it are forgotten. Invariants: never decreases; at most the `opsComplete` of some
   * quorum of replicas.
   */
  readonly logTruncationPoint: Opn;
}

/** The initial acceptor of a configuration of `replicaCount` replicas. */
export function acceptorInit(replicaCount: number): AcceptorState {
  return { maxBal: ballotZero, votes: new Map(), lastCheckpointed: new Array<Opn>(replicaCount).fill(0), logTruncationPoint: 0 };
}

/** `votes` without the slots below `opn`. */
function votesFrom(votes: Votes, opn: Opn): Votes {
  let dropped = false;
  for (const slot of votes.keys()) if (slot < opn) dropped = true;
  if (!dropped) return votes;
  return new Map([...votes].filter(([slot]) => slot >= opn));
}

/**
 * A 1a at `ballot` (IronFleet's `LAcceptorProcess1a`): null unless the ballot is strictly above
 * the promise (a repeated 1a gets no second 1b); otherwise the promise, and the 1b's contents.
 */
export function acceptorProcess1a(a: AcceptorState, ballot: Ballot): AcceptorState | null {
  if (!balLt(a.maxBal, ballot)) return null;
  return { ...a, maxBal: ballot };
}

/**
 * A 2a (IronFleet's `LAcceptorProcess2a`): null if the ballot is below the promise or the slot is
 * past `integerMax`. Otherwise accept the value (if the slot is not truncated) and slide the
 * window so that it holds at most `logLengthMax` slots; the caller broadcasts the 2b.
 */
export function acceptorProcess2a(a: AcceptorState, params: RslParams, ballot: Ballot, opn: Opn, batch: RequestBatch): AcceptorState | null {
  if (!balLeq(a.maxBal, ballot) || opn > params.integerMax) return null;
  const newLtp = Math.max(a.logTruncationPoint, opn - params.logLengthMax + 1);
  const votes = a.logTruncationPoint <= opn
    ? votesFrom(new Map([...a.votes, [opn, { maxVBal: ballot, maxVal: batch }]]), newLtp)
    : a.votes;
  return { ...a, maxBal: ballot, votes, logTruncationPoint: newLtp };
}

/** A heartbeat from replica `j` reporting `opsComplete`: raise its checkpoint. */
export function acceptorProcessHeartbeat(a: AcceptorState, j: ReplicaIndex, opsComplete: Opn): AcceptorState {
  if (opsComplete <= (a.lastCheckpointed[j] ?? 0)) return a;
  return { ...a, lastCheckpointed: a.lastCheckpointed.map((c, i) => (i === j ? opsComplete : c)) };
}

/** Forgets slots below `t` (IronFleet's `LAcceptorTruncateLog`); unchanged if `t` is not above the truncation point. */
export function acceptorTruncateLog(a: AcceptorState, t: Opn): AcceptorState {
  if (t <= a.logTruncationPoint) return a;
  return { ...a, logTruncationPoint: t, votes: votesFrom(a.votes, t) };
}

/**
 * The `quorum`-th highest checkpoint: the highest slot a quorum of replicas is known to have
 * executed up to (fewer than `quorum` entries are above it, at least `quorum` are at or above it).
 */
export function quorumCheckpoint(lastCheckpointed: readonly Opn[], quorum: number): Opn {
  const sorted = [...lastCheckpointed].sort((x, y) => y - x);
  return sorted[quorum - 1] ?? 0;
}

/**
 * Truncation based on checkpoints (IronFleet's `LAcceptorTruncateLogBasedOnCheckpoints`): null
 * unless a quorum is known to have executed past the truncation point.
 */
export function acceptorTruncateBasedOnCheckpoints(a: AcceptorState, quorum: number): AcceptorState | null {
  const t = quorumCheckpoint(a.lastCheckpointed, quorum);
  return t > a.logTruncationPoint ? acceptorTruncateLog(a, t) : null;
}
