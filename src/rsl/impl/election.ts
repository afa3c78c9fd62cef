import type { ElectionState } from '../protocol/election.js';
import type { Ballot, ReplicaIndex, Request, RequestBatch, RslConfig, RslParams } from '../protocol/types.js';
import { addSat, balEq, balLt, initialView, quorumSize, successorView } from '../protocol/types.js';

/** The key naming a request for the election's lists: (client, seqno). */
function nameOf(r: Request): string {
  return `${r.seqno}\u0000${r.client}`;
}

/**
 * The election of the implementation host (docs/rsl.md §4.1): the protocol's `ElectionState` in
 * mutable form, with a set of the recorded requests' names so recording one is O(1).
 * `abstract()` is the protocol state.
 */
export class ElectionImpl {
  currentView: Ballot = initialView;
  suspectors = new Set<ReplicaIndex>();
  epochEndTime = 0;
  epochLengthMs: number;
  thisEpoch: Request[] = [];
  prevEpochs: Request[] = [];
  /** The names of the requests in both lists. Invariant: exactly those. */
  private readonly names = new Set<string>();

  constructor(private readonly params: RslParams) {
    this.epochLengthMs = params.viewTimeoutBaselineMs;
  }

  /** Records a received request, unless one with its (client, seqno) is recorded. */
  recordRequest(req: Request): void {
    const name = nameOf(req);
    if (this.names.has(name)) return;
    this.names.add(name);
    this.thisEpoch.push(req);
  }

  /** Forgets every request superseded by a request of the same client in `batch`. */
  recordExecution(batch: RequestBatch): void {
    if (batch.length === 0 || this.names.size === 0) return;
    const highest = new Map<string, number>();
    for (const r of batch) highest.set(r.client, Math.max(highest.get(r.client) ?? -1, r.seqno));
    const keep = (r: Request): boolean => {
      if (r.seqno > (highest.get(r.client) ?? -1)) return true;
      this.names.delete(nameOf(r));
      return false;
    };
    this.thisEpoch = this.thisEpoch.filter(keep);
    this.prevEpochs = this.prevEpochs.filter(keep);
  }

  private enterView(view: Ballot, suspectors: Set<ReplicaIndex>, nowMs: number): void {
    this.epochLengthMs = addSat(this.epochLengthMs, this.epochLengthMs, this.params.integerMax);
    this.currentView = view;
    this.suspectors = suspectors;
    this.epochEndTime = addSat(nowMs, this.epochLengthMs, this.params.integerMax);
    this.mergeEpochs();
  }

  private mergeEpochs(): void {
    if (this.thisEpoch.length > 0) {
      for (const r of this.thisEpoch) this.prevEpochs.push(r);
      this.thisEpoch = [];
    }
  }

  /** A heartbeat from replica `j`; returns whether the view rose. */
  processHeartbeat(j: ReplicaIndex, ballot: Ballot, suspicious: boolean, nowMs: number): boolean {
    if (balEq(ballot, this.currentView) && suspicious) {
      this.suspectors.add(j);
      return false;
    }
    if (balLt(this.currentView, ballot)) {
      this.enterView(ballot, suspicious ? new Set([j]) : new Set(), nowMs);
      return true;
    }
    return false;
  }

  /** The view test; false (nothing changed) before the epoch ends. */
  checkViewTimeout(me: ReplicaIndex, nowMs: number): boolean {
    if (nowMs < this.epochEndTime) return false;
    if (this.prevEpochs.length === 0) {
      this.epochLengthMs = this.params.viewTimeoutBaselineMs;
      this.epochEndTime = addSat(nowMs, this.params.viewTimeoutBaselineMs, this.params.integerMax);
      this.prevEpochs = this.thisEpoch;
      this.thisEpoch = [];
      return true;
    }
    this.suspectors.add(me);
    this.epochEndTime = addSat(nowMs, this.epochLengthMs, this.params.integerMax);
    this.mergeEpochs();
    return true;
  }

  /** Moves to the successor view on a quorum of suspicions; false when there is none. */
  checkQuorumOfSuspicions(config: RslConfig, nowMs: number): boolean {
    if (this.suspectors.size < quorumSize(config) || this.currentView.seqno >= this.params.integerMax) return false;
    this.enterView(successorView(this.currentView, config.replicaIds.length), new Set(), nowMs);
    return true;
  }

  /** The protocol's election state (copies: the protocol state never changes afterwards). */
  abstract(): ElectionState {
    return {
      currentView: this.currentView,
      suspectors: new Set(this.suspectors),
      epochEndTime: this.epochEndTime,
      epochLengthMs: this.epochLengthMs,
      requestsThisEpoch: [...this.thisEpoch],
      requestsPrevEpochs: [...this.prevEpochs],
    };
  }
}
