import type { ElectionState } from '../protocol/election.js';
import { SharedRequestList } from '../protocol/request-list.js';
import type { Ballot, ReplicaIndex, Request, RequestBatch, RslConfig, RslParams } from '../protocol/types.js';
import { addSat, balEq, balLt, initialView, quorumSize, successorView } from '../protocol/types.js';
import { copyOfSet } from './copies.js';

/**
 * The election of the implementation host (docs/rsl.md §4.1): the protocol's `ElectionState` in
 * mutable form. The request lists are immutable `SharedRequestList`s, replaced on every change:
 * recording a request looks it up by client in O(1) and appends in O(1), an execution usually
 * drops a prefix in O(1), and `abstract()` hands the lists out as they are.
 */
export class ElectionImpl {
  currentView: Ballot = initialView;
  suspectors = new Set<ReplicaIndex>();
  epochEndTime = 0;
  epochLengthMs: number;
  thisEpoch = SharedRequestList.empty();
  prevEpochs = SharedRequestList.empty();
  /** The copy of `suspectors` the last abstraction handed out. */
  private suspectorsCopy: ReadonlySet<ReplicaIndex> | null = null;

  constructor(private readonly params: RslParams) {
    this.epochLengthMs = params.viewTimeoutBaselineMs;
  }

  /** Records a received request, unless one with its (client, seqno) is recorded. */
  recordRequest(req: Request): void {
    if (this.thisEpoch.has(req.client, req.seqno) || this.prevEpochs.has(req.client, req.seqno)) return;
    this.thisEpoch = this.thisEpoch.append(req);
  }

  /** Forgets every request superseded by a request of the same client in `batch`. */
  recordExecution(batch: RequestBatch): void {
    if (batch.length === 0 || (this.thisEpoch.length === 0 && this.prevEpochs.length === 0)) return;
    const highest = new Map<string, number>();
    for (const r of batch) highest.set(r.client, Math.max(highest.get(r.client) ?? -1, r.seqno));
    this.thisEpoch = this.thisEpoch.withoutSuperseded(highest);
    this.prevEpochs = this.prevEpochs.withoutSuperseded(highest);
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
      this.prevEpochs = this.prevEpochs.concat(this.thisEpoch);
      this.thisEpoch = SharedRequestList.empty();
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
      this.thisEpoch = SharedRequestList.empty();
      return true;
    }
    this.suspectors.add(me);
    this.epochEndTime = addSat(nowMs, this.epochLengthMs, this.params.integerMax);
    this.mergeEpochs();
    return true;
  }

  /** Moves to the successor view on a quorum of suspicions; false when there is none. */
  checkQuorumOfSuspicions(config: RslConfig, nowMs: number): boolean {
    return this.suspectors.size >= quorumSize(config) && this.leaveView(config, nowMs);
  }

  /** Moves to the successor view; false at the ballot bound. */
  leaveView(config: RslConfig, nowMs: number): boolean {
    if (this.currentView.seqno >= this.params.integerMax) return false;
    this.enterView(successorView(this.currentView, config.replicaIds.length), new Set(), nowMs);
    return true;
  }

  /** The protocol's election state: the suspectors copied when they changed (`copyOfSet`), the lists as they are (immutable). */
  abstract(): ElectionState {
    this.suspectorsCopy = copyOfSet(this.suspectors, this.suspectorsCopy);
    return {
      currentView: this.currentView,
      suspectors: this.suspectorsCopy,
      epochEndTime: this.epochEndTime,
      epochLengthMs: this.epochLengthMs,
      requestsThisEpoch: this.thisEpoch,
      requestsPrevEpochs: this.prevEpochs,
    };
  }
}
