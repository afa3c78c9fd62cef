import type { HostId } from '../../framework/types.js';
import type { ElectionState } from './election.js';
import { electionInit } from './election.js';
import type { RequestList } from './request-list.js';
import { appended, concatenated, firstRequests, withoutFirst } from './request-list.js';
import { withEntries } from './shared-map.js';
import type { Ballot, Opn, ReplicaIndex, Request, RequestBatch, RslConfig, RslParams, Vote, Votes } from './types.js';
import { addSat, balEq, balLt, quorumSize } from './types.js';

/**
 * The proposer (docs/rsl.md §4.2, IronFleet's `Proposer.i.dfy`): the leader's side of Paxos.
 * Phase 1 collects 1bs from a quorum; phase 2 proposes, slot by slot, the value of the
 * highest-ballot vote in the held 1bs if there is one, else a batch of queued requests. The
 * election lives inside it, as in IronFleet.
 */

/** A 1b as the proposer holds it: its contents. */
export interface Held1b {
  readonly logTruncationPoint: Opn;
  readonly votes: Votes;
}

/** The batch timer: when to stop waiting for a batch to fill. */
export type BatchTimer = { readonly on: true; readonly whenMs: number } | { readonly on: false };

/** 0: not leading; 1: leader in phase 1; 2: leader in phase 2. */
export type ProposerPhase = 0 | 1 | 2;

/** One replica's proposer state. */
export interface ProposerState {
  readonly currentState: ProposerPhase;
  /** Requests to propose, in order. Invariant: empty while `currentState == 0`. */
  readonly requestQueue: RequestList;
  /** The highest ballot this replica sent a 1a for. Invariants: never decreases; its proposer is this replica. */
  readonly maxBallotISent1a: Ballot;
  /** The next slot to fill; set on entering phase 2. */
  readonly nextOpnToPropose: Opn;
  /** The 1bs for `maxBallotISent1a`, by sender (one per sender). */
  readonly received1bs: ReadonlyMap<HostId, Held1b>;
  /** Per client, the highest seqno queued in this view. */
  readonly highestSeqnoThisView: ReadonlyMap<HostId, number>;
  readonly batchTimer: BatchTimer;
  readonly election: ElectionState;
}

/** The initial proposer of replica `me`. */
export function proposerInit(params: RslParams, me: ReplicaIndex): ProposerState {
  return {
    currentState: 0,
    requestQueue: [],
    maxBallotISent1a: { seqno: 0, proposer: me },
    nextOpnToPropose: 0,
    received1bs: new Map(),
    highestSeqnoThisView: new Map(),
    batchTimer: { on: false },
    election: electionInit(params),
  };
}

/**
 * A request reaches the proposer (IronFleet's `LProposerProcessRequest`, after the election has
 * recorded it): a leader queues it unless a request of that client with a seqno at least as high
 * was queued in this view.
 */
export function proposerQueueRequest(p: ProposerState, req: Request): ProposerState {
  if (p.currentState === 0) return p;
  const highest = p.highestSeqnoThisView.get(req.client);
  if (highest !== undefined && req.seqno <= highest) return p;
  return {
    ...p,
    requestQueue: appended(p.requestQueue, req),
    highestSeqnoThisView: withEntries(p.highestSeqnoThisView, new Map([[req.client, req.seqno]])),
  };
}

/** The proposer after its view rose: not leading, nothing queued. */
export function proposerStepDown(p: ProposerState, election: ElectionState): ProposerState {
  return { ...p, election, currentState: 0, requestQueue: [] };
}

/**
 * Whether replica `me` leads its current view but can never run it **[ours]**: it is in neither
 * phase and already sent a 1a at or above the view's ballot, which only happens when the 1a was
 * sent before a crash (the ballot survives, the phase does not). A second run of phase 1 at that
 * ballot could propose a slot a second, different value in one ballot, so the view is lost for it.
 */
export function proposerCannotLeadView(p: ProposerState, me: ReplicaIndex): boolean {
  const view = p.election.currentView;
  return p.currentState === 0 && view.proposer === me && !balLt(p.maxBallotISent1a, view);
}

/**
 * Phase 1 start (IronFleet's `LProposerMaybeEnterNewViewAndSend1a`): null unless this replica
 * leads its current view and has not sent a 1a for it. The new leader queues every request it
 * heard of and has not executed; the caller broadcasts the 1a.
 */
export function proposerEnterNewView(p: ProposerState, me: ReplicaIndex): ProposerState | null {
  const view = p.election.currentView;
  if (view.proposer !== me || !balLt(p.maxBallotISent1a, view)) return null;
  return {
    ...p,
    currentState: 1,
    maxBallotISent1a: view,
    received1bs: new Map(),
    highestSeqnoThisView: new Map(),
    requestQueue: concatenated(p.election.requestsPrevEpochs, p.election.requestsThisEpoch),
  };
}

/** Whether the proposer takes a 1b at `ballot` from `src`: phase 1 of that ballot, and none held from `src`. */
export function proposerTakes1b(p: ProposerState, src: HostId, ballot: Ballot): boolean {
  return p.currentState === 1 && balEq(ballot, p.maxBallotISent1a) && !p.received1bs.has(src);
}

/** Holds a 1b from `src` (the caller checks `proposerTakes1b`). */
export function proposerProcess1b(p: ProposerState, src: HostId, b: Held1b): ProposerState {
  return { ...p, received1bs: new Map([...p.received1bs, [src, b]]) };
}

/**
 * Phase 2 start (IronFleet's `LProposerMaybeEnterPhase2`): null unless in phase 1 with a quorum of
 * 1bs; proposing starts at this replica's own truncation point `ltp`.
 */
export function proposerEnterPhase2(p: ProposerState, config: RslConfig, ltp: Opn): ProposerState | null {
  if (p.currentState !== 1 || p.received1bs.size < quorumSize(config)) return null;
  return { ...p, currentState: 2, nextOpnToPropose: ltp };
}

/**
 * The value of the highest-ballot vote for `opn` among the held 1bs, if any voted there
 * (IronFleet's `LSetOfMessage1bAboutBallot` merge: two votes at one ballot carry one value).
 */
export function highestVote(received1bs: ReadonlyMap<HostId, Held1b>, opn: Opn): Vote | null {
  let best: Vote | null = null;
  for (const b of received1bs.values()) {
    const v = b.votes.get(opn);
    if (v !== undefined && (best === null || balLt(best.maxVBal, v.maxVBal))) best = v;
  }
  return best;
}

/** Whether some held 1b has a vote in a slot above `opn`: a gap to fill with a no-op if need be. */
export function voteAbove(received1bs: ReadonlyMap<HostId, Held1b>, opn: Opn): boolean {
  for (const b of received1bs.values()) for (const slot of b.votes.keys()) if (slot > opn) return true;
  return false;
}

/** What a nomination did: the new proposer, and the 2a to broadcast if any. */
export interface Nomination {
  readonly proposer: ProposerState;
  readonly proposal: { readonly opn: Opn; readonly batch: RequestBatch } | null;
}

/** How the proposer picks an old value for a slot: IronFleet's is `highestVote`. */
export type VotePicker = (received1bs: ReadonlyMap<HostId, Held1b>, opn: Opn) => Vote | null;

/**
 * Nomination (IronFleet's `LProposerMaybeNominateValueAndSend2a`), with this replica's own
 * truncation point `ltp` and executed position `opsComplete`: null when it cannot nominate or has
 * nothing to do. In order: an old value from the 1bs; a new batch (full, timed out, eager, or a
 * no-op below a later vote); else start the batch timer.
 *
 * Beyond IronFleet, an incomplete batch is eager, proposed at once, while fewer than
 * `eagerSlotsMax` slots are proposed and not yet executed here: a lone request does not wait for
 * the timer, and under load requests gather into full batches while the slots in flight complete,
 * so the log window (`logLengthMax` slots) carries full batches rather than many small ones. An
 * eager proposal is one IronFleet's rule could make with a shorter `batchDelayMs`, so safety is
 * unchanged.
 */
export function proposerNominate(
  p: ProposerState, config: RslConfig, params: RslParams, ltp: Opn, opsComplete: Opn, nowMs: number, pick: VotePicker = highestVote,
  windowMax: Opn = addSat(ltp, params.logLengthMax, params.integerMax),
): Nomination | null {
  const opn = p.nextOpnToPropose;
  const canNominate = balEq(p.election.currentView, p.maxBallotISent1a) &&
    p.currentState === 2 &&
    p.received1bs.size >= quorumSize(config) &&
    [...p.received1bs.values()].every((b) => opn >= b.logTruncationPoint) &&
    opn < windowMax &&
    opn >= 0 && opn < params.integerMax;
  if (!canNominate) return null;
  const old = pick(p.received1bs, opn);
  if (old !== null) {
    return { proposer: { ...p, nextOpnToPropose: opn + 1 }, proposal: { opn, batch: old.maxVal } };
  }
  const queue = p.requestQueue;
  const timedOut = p.batchTimer.on && nowMs >= p.batchTimer.whenMs;
  const eager = opn - opsComplete < params.eagerSlotsMax;
  if (voteAbove(p.received1bs, opn) || queue.length >= params.batchSizeMax || (queue.length > 0 && (timedOut || eager))) {
    const size = Math.min(queue.length, params.batchSizeMax);
    const rest = withoutFirst(queue, size);
    const batchTimer: BatchTimer = rest.length > 0 ? { on: true, whenMs: addSat(nowMs, params.batchDelayMs, params.integerMax) } : { on: false };
    return { proposer: { ...p, requestQueue: rest, nextOpnToPropose: opn + 1, batchTimer }, proposal: { opn, batch: firstRequests(queue, size) } };
  }
  if (queue.length > 0 && !p.batchTimer.on) {
    return { proposer: { ...p, batchTimer: { on: true, whenMs: addSat(nowMs, params.batchDelayMs, params.integerMax) } }, proposal: null };
  }
  return null;
}
