import type { HostId } from '../../framework/types.js';
import type { BatchTimer, Held1b, ProposerPhase, ProposerState } from '../protocol/proposer.js';
import { highestVote, voteAbove } from '../protocol/proposer.js';
import { SharedRequestList } from '../protocol/request-list.js';
import { TrackedMap } from '../protocol/shared-map.js';
import type { Ballot, Opn, ReplicaIndex, Request, RequestBatch, RslConfig, RslParams } from '../protocol/types.js';
import { addSat, balEq, balLt, quorumSize } from '../protocol/types.js';
import { copyOfMap } from './copies.js';
import { ElectionImpl } from './election.js';

/**
 * The proposer of the implementation host (docs/rsl.md §4.2): the protocol's proposer in mutable
 * form, with the election inside it. The queue is an immutable `SharedRequestList` replaced on
 * every change (append and taking a batch O(1)), and `highestSeqnoThisView` a `TrackedMap`, so
 * `abstract()` costs what changed since the last one, not the queue and the view's clients.
 */
export class ProposerImpl {
  currentState: ProposerPhase = 0;
  /** Invariant: empty while `currentState == 0`. */
  queue = SharedRequestList.empty();
  maxBallotISent1a: Ballot;
  nextOpnToPropose: Opn = 0;
  readonly received1bs = new Map<HostId, Held1b>();
  readonly highestSeqnoThisView = new TrackedMap<HostId, number>();
  batchTimer: BatchTimer = { on: false };
  readonly election: ElectionImpl;
  /** The copy of `received1bs` the last abstraction handed out. */
  private received1bsCopy: ReadonlyMap<HostId, Held1b> | null = null;

  constructor(private readonly config: RslConfig, private readonly params: RslParams, me: ReplicaIndex) {
    this.maxBallotISent1a = { seqno: 0, proposer: me };
    this.election = new ElectionImpl(params);
  }

  /** A leader queues `req` unless a request of its client with a seqno at least as high was queued in this view. */
  queueRequest(req: Request): void {
    if (this.currentState === 0) return;
    const highest = this.highestSeqnoThisView.get(req.client);
    if (highest !== undefined && req.seqno <= highest) return;
    this.queue = this.queue.append(req);
    this.highestSeqnoThisView.set(req.client, req.seqno);
  }

  /** Not leading, nothing queued (after the view rose). */
  stepDown(): void {
    this.currentState = 0;
    this.queue = SharedRequestList.empty();
  }

  /** Whether phase 1 can start: this replica leads its current view and has sent no 1a for it. */
  canEnterNewView(me: ReplicaIndex): boolean {
    const view = this.election.currentView;
    return view.proposer === me && balLt(this.maxBallotISent1a, view);
  }

  /** Whether this replica leads its view but can never run it (`proposerCannotLeadView`: its 1a was sent before a restart). */
  cannotLeadView(me: ReplicaIndex): boolean {
    const view = this.election.currentView;
    return this.currentState === 0 && view.proposer === me && !balLt(this.maxBallotISent1a, view);
  }

  /** Starts phase 1 of the current view (the caller checked `canEnterNewView`). */
  enterNewView(): void {
    this.currentState = 1;
    this.maxBallotISent1a = this.election.currentView;
    this.received1bs.clear();
    this.highestSeqnoThisView.clear();
    this.queue = this.election.prevEpochs.concat(this.election.thisEpoch);
  }

  /** Whether a 1b at `ballot` from `src` is taken. */
  takes1b(src: HostId, ballot: Ballot): boolean {
    return this.currentState === 1 && balEq(ballot, this.maxBallotISent1a) && !this.received1bs.has(src);
  }

  /** Starts phase 2, if in phase 1 with a quorum of 1bs, at the own truncation point `ltp`. */
  enterPhase2(ltp: Opn): boolean {
    if (this.currentState !== 1 || this.received1bs.size < quorumSize(this.config)) return false;
    this.currentState = 2;
    this.nextOpnToPropose = ltp;
    return true;
  }

  /**
   * Nomination with the own truncation point `ltp` and executed position `opsComplete` at `nowMs`
   * (`proposerNominate`): the proposal to broadcast, `null` when only the batch timer was started,
   * or `undefined` when not enabled (nothing changed).
   */
  nominate(ltp: Opn, opsComplete: Opn, nowMs: number): { readonly opn: Opn; readonly batch: RequestBatch } | null | undefined {
    const opn = this.nextOpnToPropose;
    if (!this.canNominate(ltp, opn)) return undefined;
    const old = highestVote(this.received1bs, opn);
    if (old !== null) {
      this.nextOpnToPropose = opn + 1;
      return { opn, batch: old.maxVal };
    }
    const queue = this.queue;
    const timedOut = this.batchTimer.on && nowMs >= this.batchTimer.whenMs;
    const eager = opn - opsComplete < this.params.eagerSlotsMax;
    if (queue.length >= this.params.batchSizeMax || (queue.length > 0 && (timedOut || eager)) || voteAbove(this.received1bs, opn)) {
      const size = Math.min(queue.length, this.params.batchSizeMax);
      const batch = queue.slice(0, size);
      this.queue = queue.dropFirst(size);
      this.nextOpnToPropose = opn + 1;
      this.batchTimer = this.queue.length > 0 ? { on: true, whenMs: addSat(nowMs, this.params.batchDelayMs, this.params.integerMax) } : { on: false };
      return { opn, batch };
    }
    if (queue.length > 0 && !this.batchTimer.on) {
      this.batchTimer = { on: true, whenMs: addSat(nowMs, this.params.batchDelayMs, this.params.integerMax) };
      return null;
    }
    return undefined;
  }

  private canNominate(ltp: Opn, opn: Opn): boolean {
    if (!balEq(this.election.currentView, this.maxBallotISent1a) || this.currentState !== 2) return false;
    if (this.received1bs.size < quorumSize(this.config)) return false;
    for (const b of this.received1bs.values()) if (opn < b.logTruncationPoint) return false;
    return opn < addSat(ltp, this.params.logLengthMax, this.params.integerMax) && opn >= 0 && opn < this.params.integerMax;
  }

  /** The protocol's proposer state: mutable parts copied when changed or taken as views (the protocol state never changes afterwards). */
  abstract(): ProposerState {
    this.received1bsCopy = copyOfMap(this.received1bs, this.received1bsCopy);
    return {
      currentState: this.currentState,
      requestQueue: this.queue,
      maxBallotISent1a: this.maxBallotISent1a,
      nextOpnToPropose: this.nextOpnToPropose,
      received1bs: this.received1bsCopy,
      highestSeqnoThisView: this.highestSeqnoThisView.shared(),
      batchTimer: this.batchTimer,
      election: this.election.abstract(),
    };
  }
}
