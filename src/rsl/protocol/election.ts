import type { RequestList } from './request-list.js';
import { appended, concatenated, holdsRequest, withoutSuperseded } from './request-list.js';
import type { Ballot, ReplicaIndex, Request, RequestBatch, RslConfig, RslParams } from './types.js';
import { addSat, balEq, balLt, balMax, initialView, quorumSize, successorView } from './types.js';

/**
 * The election (docs/rsl.md §4.1, IronFleet's `Election.i.dfy`): which view this replica believes
 * in, who suspects it, and the view test. A replica suspects its view when a request it saw stays
 * unexecuted for a whole epoch after the one it arrived in; a quorum of suspicions moves every
 * replica that hears of them to the next view, whose epoch is twice as long.
 */

/** One replica's election state. */
export interface ElectionState {
  /** The view this replica believes won. Invariant: never decreases. */
  readonly currentView: Ballot;
  /** Replicas known to suspect `currentView`; emptied on a view change. */
  readonly suspectors: ReadonlySet<ReplicaIndex>;
  /** When the current view-test epoch ends, in ms. */
  readonly epochEndTime: number;
  /** The epoch's length in ms: doubled on every view change, reset to the baseline by a healthy epoch. */
  readonly epochLengthMs: number;
  /** Requests received this epoch and not yet executed here, one per (client, seqno). */
  readonly requestsThisEpoch: RequestList;
  /** Requests received in earlier epochs and still not executed here. */
  readonly requestsPrevEpochs: RequestList;
}

/** The initial election state: view (1, 0), no suspicions, an epoch that ends at once. */
export function electionInit(params: RslParams): ElectionState {
  return {
    currentView: initialView,
    suspectors: new Set(),
    epochEndTime: 0,
    epochLengthMs: params.viewTimeoutBaselineMs,
    requestsThisEpoch: [],
    requestsPrevEpochs: [],
  };
}

/** Records a received request, unless one with the same (client, seqno) is already recorded. */
export function electionRecordRequest(e: ElectionState, req: Request): ElectionState {
  if (holdsRequest(e.requestsThisEpoch, req.client, req.seqno) || holdsRequest(e.requestsPrevEpochs, req.client, req.seqno)) return e;
  return { ...e, requestsThisEpoch: appended(e.requestsThisEpoch, req) };
}

/**
 * Records an executed batch: forgets every request `r` for which the batch holds a request of the
 * same client with seqno >= `r.seqno`.
 */
export function electionRecordExecution(e: ElectionState, batch: RequestBatch): ElectionState {
  if (batch.length === 0) return e;
  const highest = new Map<string, number>();
  for (const r of batch) highest.set(r.client, Math.max(highest.get(r.client) ?? -1, r.seqno));
  const requestsThisEpoch = withoutSuperseded(e.requestsThisEpoch, highest);
  const requestsPrevEpochs = withoutSuperseded(e.requestsPrevEpochs, highest);
  if (requestsThisEpoch === e.requestsThisEpoch && requestsPrevEpochs === e.requestsPrevEpochs) return e;
  return { ...e, requestsThisEpoch, requestsPrevEpochs };
}

/** Moves to view `view` at time `nowMs`: a doubled epoch, suspicions from `suspectors`, lists merged. */
function enterView(e: ElectionState, params: RslParams, view: Ballot, suspectors: ReadonlySet<ReplicaIndex>, nowMs: number): ElectionState {
  const epochLengthMs = addSat(e.epochLengthMs, e.epochLengthMs, params.integerMax);
  return {
    currentView: view,
    suspectors,
    epochLengthMs,
    epochEndTime: addSat(nowMs, epochLengthMs, params.integerMax),
    requestsPrevEpochs: concatenated(e.requestsPrevEpochs, e.requestsThisEpoch),
    requestsThisEpoch: [],
  };
}

/** What an election step did: the new state, and whether the view rose (the proposer then steps down). */
export interface ElectionOutcome {
  readonly election: ElectionState;
  readonly viewRaised: boolean;
}

/**
 * A heartbeat from replica `j` at `nowMs`: a suspicion of the current view is counted; a higher
 * view is adopted. Anything else changes nothing.
 */
export function electionProcessHeartbeat(
  e: ElectionState, params: RslParams, j: ReplicaIndex, ballot: Ballot, suspicious: boolean, nowMs: number,
): ElectionOutcome {
  if (balEq(ballot, e.currentView) && suspicious) {
    if (e.suspectors.has(j)) return { election: e, viewRaised: false };
    return { election: { ...e, suspectors: new Set([...e.suspectors, j]) }, viewRaised: false };
  }
  if (balLt(e.currentView, ballot)) {
    return { election: enterView(e, params, ballot, suspicious ? new Set([j]) : new Set(), nowMs), viewRaised: true };
  }
  return { election: e, viewRaised: false };
}

/**
 * The view test at the end of an epoch (IronFleet's `ElectionStateCheckForViewTimeout`); null
 * before `epochEndTime`. A healthy epoch (every request seen before it was executed) resets the
 * epoch length; otherwise replica `me` suspects the view.
 */
export function electionCheckViewTimeout(e: ElectionState, params: RslParams, me: ReplicaIndex, nowMs: number): ElectionState | null {
  if (nowMs < e.epochEndTime) return null;
  if (e.requestsPrevEpochs.length === 0) {
    return {
      ...e,
      epochLengthMs: params.viewTimeoutBaselineMs,
      epochEndTime: addSat(nowMs, params.viewTimeoutBaselineMs, params.integerMax),
      requestsPrevEpochs: e.requestsThisEpoch,
      requestsThisEpoch: [],
    };
  }
  return {
    ...e,
    suspectors: e.suspectors.has(me) ? e.suspectors : new Set([...e.suspectors, me]),
    epochEndTime: addSat(nowMs, e.epochLengthMs, params.integerMax),
    requestsPrevEpochs: concatenated(e.requestsPrevEpochs, e.requestsThisEpoch),
    requestsThisEpoch: [],
  };
}

/**
 * A quorum of suspicions moves to the successor view (IronFleet's
 * `ElectionStateCheckForQuorumOfViewSuspicions`); null without a quorum or at the ballot bound.
 */
export function electionCheckQuorumOfSuspicions(e: ElectionState, config: RslConfig, params: RslParams, nowMs: number): ElectionState | null {
  if (e.suspectors.size < quorumSize(config)) return null;
  return electionLeaveView(e, config, params, nowMs);
}

/**
 * The election a replica restarts with **[ours]**: initial, but in the highest view its durable
 * ballots name (its promise, its last 1a), so that a restart of every replica resumes near the
 * views they were in instead of climbing from the first view, one doubled epoch per view.
 */
export function electionAfterRestart(params: RslParams, maxBal: Ballot, maxBallotISent1a: Ballot): ElectionState {
  return { ...electionInit(params), currentView: viewAfterRestart(maxBal, maxBallotISent1a) };
}

/** The view a restarted replica resumes in: the highest its durable ballots name, at least the first. */
export function viewAfterRestart(maxBal: Ballot, maxBallotISent1a: Ballot): Ballot {
  return balMax(initialView, balMax(maxBal, maxBallotISent1a));
}

/** The successor view, entered at `nowMs`; null at the ballot bound. */
export function electionLeaveView(e: ElectionState, config: RslConfig, params: RslParams, nowMs: number): ElectionState | null {
  if (e.currentView.seqno >= params.integerMax) return null;
  return enterView(e, params, successorView(e.currentView, config.replicaIds.length), new Set(), nowMs);
}
