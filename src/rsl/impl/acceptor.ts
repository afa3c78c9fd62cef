import type { AcceptorState } from '../protocol/acceptor.js';
import { quorumCheckpoint } from '../protocol/acceptor.js';
import type { Ballot, Opn, ReplicaIndex, RequestBatch, RslParams, Vote } from '../protocol/types.js';
import { balLeq, balLt, ballotZero } from '../protocol/types.js';
import type { RslDurableState } from './durable.js';

/**
 * The acceptor of the implementation host (docs/rsl.md §4.3): the protocol's `AcceptorState` in
 * mutable form. The host makes the promise and votes durable before the 1b or 2b that announces
 * them, so the changing methods come in pairs: a guard, the durable state the change would give,
 * and the change.
 */
export class AcceptorImpl {
  maxBal: Ballot = ballotZero;
  /** Invariant: slots in `[logTruncationPoint, logTruncationPoint + logLengthMax)`. */
  readonly votes = new Map<Opn, Vote>();
  readonly lastCheckpointed: Opn[];
  logTruncationPoint: Opn = 0;

  constructor(replicaCount: number, private readonly params: RslParams) {
    this.lastCheckpointed = new Array<Opn>(replicaCount).fill(0);
  }

  /** Restores the durable part after a crash. */
  restore(d: RslDurableState): void {
    this.maxBal = d.maxBal;
    this.logTruncationPoint = d.logTruncationPoint;
    this.votes.clear();
    for (const v of d.votes) this.votes.set(v.opn, { maxVBal: v.maxVBal, maxVal: v.maxVal });
  }

  /** Whether a 1a at `ballot` is taken: strictly above the promise. */
  takes1a(ballot: Ballot): boolean {
    return balLt(this.maxBal, ballot);
  }

  /** Whether a 2a at `ballot` for `opn` is taken: not below the promise, slot within the bound. */
  takes2a(ballot: Ballot, opn: Opn): boolean {
    return balLeq(this.maxBal, ballot) && opn <= this.params.integerMax;
  }

  /** The durable state after promising `ballot` (with `maxBallotISent1a` as it is). */
  durableAfter1a(ballot: Ballot, maxBallotISent1a: Ballot): RslDurableState {
    return { maxBal: ballot, logTruncationPoint: this.logTruncationPoint, votes: this.voteList(this.votes, -1), maxBallotISent1a };
  }

  /** The durable state after accepting a 2a (see `process2a`). */
  durableAfter2a(ballot: Ballot, opn: Opn, batch: RequestBatch, maxBallotISent1a: Ballot): RslDurableState {
    const newLtp = this.ltpAfter2a(opn);
    const votes = new Map(this.votes);
    if (this.logTruncationPoint <= opn) votes.set(opn, { maxVBal: ballot, maxVal: batch });
    return { maxBal: ballot, logTruncationPoint: newLtp, votes: this.voteList(votes, newLtp), maxBallotISent1a };
  }

  /** The durable state as it is, with `maxBallotISent1a`. */
  durableNow(maxBallotISent1a: Ballot): RslDurableState {
    return { maxBal: this.maxBal, logTruncationPoint: this.logTruncationPoint, votes: this.voteList(this.votes, -1), maxBallotISent1a };
  }

  private voteList(votes: ReadonlyMap<Opn, Vote>, from: Opn): (Vote & { opn: Opn })[] {
    const out: (Vote & { opn: Opn })[] = [];
    for (const [opn, v] of votes) if (opn >= from) out.push({ opn, maxVBal: v.maxVBal, maxVal: v.maxVal });
    return out.sort((a, b) => a.opn - b.opn);
  }

  private ltpAfter2a(opn: Opn): Opn {
    return Math.max(this.logTruncationPoint, opn - this.params.logLengthMax + 1);
  }

  /** Promises `ballot` (the caller checked `takes1a`). */
  process1a(ballot: Ballot): void {
    this.maxBal = ballot;
  }

  /** Accepts a 2a (the caller checked `takes2a`) and slides the window to at most `logLengthMax` slots. */
  process2a(ballot: Ballot, opn: Opn, batch: RequestBatch): void {
    const newLtp = this.ltpAfter2a(opn);
    this.maxBal = ballot;
    if (this.logTruncationPoint <= opn) {
      this.votes.set(opn, { maxVBal: ballot, maxVal: batch });
      this.dropBelow(newLtp);
    }
    this.logTruncationPoint = newLtp;
  }

  /** A heartbeat from replica `j` reporting `opsComplete`. */
  processHeartbeat(j: ReplicaIndex, opsComplete: Opn): void {
    if (opsComplete > (this.lastCheckpointed[j] ?? 0)) this.lastCheckpointed[j] = opsComplete;
  }

  /** Forgets slots below `t` if it is above the truncation point. */
  truncateLog(t: Opn): void {
    if (t <= this.logTruncationPoint) return;
    this.logTruncationPoint = t;
    this.dropBelow(t);
  }

  /** The quorum checkpoint, if it is above the truncation point (truncation is then enabled), else null. */
  truncationTarget(quorum: number): Opn | null {
    const t = quorumCheckpoint(this.lastCheckpointed, quorum);
    return t > this.logTruncationPoint ? t : null;
  }

  private dropBelow(t: Opn): void {
    for (const slot of this.votes.keys()) if (slot < t) this.votes.delete(slot);
  }

  /** The protocol's acceptor state (copies). */
  abstract(): AcceptorState {
    return { maxBal: this.maxBal, votes: new Map(this.votes), lastCheckpointed: [...this.lastCheckpointed], logTruncationPoint: this.logTruncationPoint };
  }
}
