import type { HostAction, HostInput, HostProtocol, HostStep } from '../../framework/protocol.js';
import { isEnabled, notEnabled } from '../../framework/protocol.js';
import type { HostId, Packet } from '../../framework/types.js';
import type { AppSpec } from '../spec.js';
import type { AcceptorState } from './acceptor.js';
import {
  acceptorInit, acceptorProcess1a, acceptorProcess2a, acceptorProcessHeartbeat, acceptorTruncateBasedOnCheckpoints, acceptorTruncateLog,
} from './acceptor.js';
import { electionAfterRestart, electionCheckQuorumOfSuspicions, electionCheckViewTimeout, electionLeaveView, electionProcessHeartbeat, electionRecordExecution, electionRecordRequest } from './election.js';
import type { ExecutorState } from './executor.js';
import {
  executorApplySupply, executorCachedReply, executorCanSupply, executorExecute, executorInit, executorMakeDecision,
} from './executor.js';
import type { LearnerRoleState } from './learner.js';
import { learnerForgetBefore, learnerForgetDecision, learnerInit, learnerProcess2a, learnerProcess2b } from './learner.js';
import type { RslMsg, RslMsgOf, RslMsgType } from './messages.js';
import type { ProposerState } from './proposer.js';
import {
  proposerCannotLeadView, proposerEnterNewView, proposerEnterPhase2, proposerInit, proposerNominate, proposerProcess1b, proposerQueueRequest, proposerStepDown,
  proposerTakes1b,
} from './proposer.js';
import type { Opn, ReplicaIndex, Request, RslConfig, RslParams } from './types.js';
import { addSat, quorumSize, replicaIndex } from './types.js';
import { messageEquality, replicaEquality } from './equality.js';

/**
 * The IronRSL replica (docs/rsl.md §4, §5; IronFleet's `Replica.i.dfy`): the roles composed, and
 * one named action per IronFleet replica action. Receiving is split per message type, because
 * the model checker's fairness applies per action and host: a single receive action could
 * "fairly" take only useless packets. IronFleet's fixed scheduler loop is not part of the state;
 * the model checker interleaves the actions freely, a superset of the loop's behaviours.
 */

/** What every replica of a service shares: the configuration and the parameters. */
export interface RslConstants {
  readonly config: RslConfig;
  readonly params: RslParams;
}

/** One replica's protocol state. */
export interface ReplicaState<A> {
  readonly constants: RslConstants;
  /** This replica's index in `constants.config.replicaIds`. */
  readonly me: ReplicaIndex;
  /** When the next heartbeat is due, in ms. */
  readonly nextHeartbeatTime: number;
  /** The proposer, with the election inside it. */
  readonly proposer: ProposerState;
  readonly acceptor: AcceptorState;
  readonly learner: LearnerRoleState;
  readonly executor: ExecutorState<A>;
}

/** The message type of replicas of an app with state `A`. */
export type RslPacket<A> = Packet<RslMsg<A>>;

/** One replica action. */
export type RslAction<A> = HostAction<ReplicaState<A>, RslMsg<A>>;

/** The initial state of replica `me` (IronFleet's `LReplicaInit`). */
export function replicaInit<A>(app: AppSpec<A>, constants: RslConstants, me: HostId): ReplicaState<A> {
  const index = replicaIndex(constants.config, me);
  if (index < 0) throw new RangeError(`host ${me} is not a replica`);
  return {
    constants,
    me: index,
    nextHeartbeatTime: 0,
    proposer: proposerInit(constants.params, index),
    acceptor: acceptorInit(constants.config.replicaIds.length),
    learner: learnerInit(),
    executor: executorInit(app),
  };
}

/**
 * Replica `s` after a crash and restart (docs/rsl.md §7, durable state): what it wrote before
 * sending anything that depends on it survives, and everything else starts from its initial value.
 * Kept: the acceptor's promise (`maxBal`), votes and truncation point; the proposer's last 1a
 * ballot (a restarted leader must never run phase 1 at a ballot again); the executor's position,
 * app state, reply cache and `maxBalReflected` (its next decision is relearnt). Lost: the election
 * (it resumes in the highest view those ballots name, `electionAfterRestart`), the proposer's
 * phase, queue and 1bs, the learner, the acceptor's record of others' checkpoints, the timers.
 *
 * This is a crash after the last step's writes were synced, which a host on the event loop
 * guarantees for everything a sent packet depends on. The implementation's executor may restart
 * further back (its log is synced lazily, and before every heartbeat), never behind the position
 * its last heartbeat reported: the model checks the crash that keeps it, the simulator the others.
 */
export function replicaRestart<A>(s: ReplicaState<A>): ReplicaState<A> {
  const { params, config } = s.constants;
  const a = s.acceptor;
  const maxBallotISent1a = s.proposer.maxBallotISent1a;
  return {
    constants: s.constants,
    me: s.me,
    nextHeartbeatTime: 0,
    proposer: { ...proposerInit(params, s.me), maxBallotISent1a, election: electionAfterRestart(params, a.maxBal, maxBallotISent1a) },
    acceptor: { ...acceptorInit(config.replicaIds.length), maxBal: a.maxBal, votes: a.votes, logTruncationPoint: a.logTruncationPoint },
    learner: learnerInit(),
    executor: s.executor.nextOp.known ? { ...s.executor, nextOp: { known: false } } : s.executor,
  };
}

/** The host id of replica `s`. */
export function selfId<A>(s: ReplicaState<A>): HostId {
  return s.constants.config.replicaIds[s.me] ?? '';
}

function step<A>(state: ReplicaState<A>, sent: readonly RslPacket<A>[] = []): HostStep<ReplicaState<A>, RslMsg<A>> {
  return { state, sent };
}

/** One packet per replica (the sender included: its messages to itself travel through the network). */
export function broadcast<A>(s: ReplicaState<A>, msg: RslMsg<A>): RslPacket<A>[] {
  const src = selfId(s);
  return s.constants.config.replicaIds.map((dst) => ({ src, dst, msg }));
}

/** The received packet of type `type` addressed to `s`, if that is what `input` holds. */
export function receivedOf<A, T extends RslMsgType>(
  s: ReplicaState<A>, input: HostInput<RslMsg<A>>, type: T,
): { readonly src: HostId; readonly msg: RslMsgOf<A, T> } | null {
  const p = input.packet;
  if (p === undefined || p.dst !== selfId(s) || p.msg.type !== type) return null;
  return { src: p.src, msg: p.msg as RslMsgOf<A, T> };
}

/** The received packet of type `type` from a replica (its index as `j`), or why not. */
function fromReplica<A, T extends RslMsgType>(
  s: ReplicaState<A>, input: HostInput<RslMsg<A>>, type: T,
): { readonly src: HostId; readonly j: ReplicaIndex; readonly msg: RslMsgOf<A, T> } | string {
  const r = receivedOf(s, input, type);
  if (r === null) return `no ${type} received`;
  const j = replicaIndex(s.constants.config, r.src);
  if (j < 0) return `${type} from ${r.src}, not a replica`;
  return { ...r, j };
}

/** The proposer with its election replaced, stepping down if the view rose. */
function withElection<A>(s: ReplicaState<A>, outcome: { election: ProposerState['election']; viewRaised: boolean }): ProposerState {
  return outcome.viewRaised ? proposerStepDown(s.proposer, outcome.election) : { ...s.proposer, election: outcome.election };
}

/**
 * A client request (IronFleet's `LReplicaNextProcessRequest`, proposer part): the election records
 * it and a leader queues it. A replica that does not lead answers with a leader hint **[ours]**.
 * Requests larger than `requestBytesMax` are dropped unprocessed. A request the reply cache
 * answers goes to `replyFromCache` instead: IronFleet may take either, and this protocol takes
 * what its implementation does, so an executed request is never recorded again for suspicion.
 */
export const processRequest = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  const r = receivedOf(s, input, 'request');
  if (r === null) return notEnabled('no request received');
  if (r.msg.payload.length > s.constants.params.requestBytesMax) return notEnabled('request payload above requestBytesMax');
  if (executorCachedReply(s.executor, r.src, r.msg.seqno) !== null) return notEnabled('answered from the reply cache');
  const req: Request = { client: r.src, seqno: r.msg.seqno, payload: r.msg.payload };
  const election = electionRecordRequest(s.proposer.election, req);
  const recorded = election === s.proposer.election ? s.proposer : { ...s.proposer, election };
  const proposer = proposerQueueRequest(recorded, req);
  const view = proposer.election.currentView;
  const sent: RslPacket<A>[] = [];
  if (proposer.currentState === 0 && view.proposer !== s.me) {
    const leader = s.constants.config.replicaIds[view.proposer] ?? '';
    sent.push({ src: selfId(s), dst: r.src, msg: { type: 'leaderHint', seqno: req.seqno, leader } });
  }
  return step(proposer === s.proposer ? s : { ...s, proposer }, sent);
};

/** A request already executed: resend the cached reply (IronFleet's `LReplicaNextProcessRequest`, cache part). */
export const replyFromCache = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  const r = receivedOf(s, input, 'request');
  if (r === null) return notEnabled('no request received');
  const cached = executorCachedReply(s.executor, r.src, r.msg.seqno);
  if (cached === null) return notEnabled('no cached reply at that seqno or later');
  return step(s, [{ src: selfId(s), dst: r.src, msg: { type: 'reply', seqno: cached.seqno, reply: cached.reply } }]);
};

/** A 1a (IronFleet's `LReplicaNextProcess1a`): promise a higher ballot and answer with a 1b. */
export const process1a = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  const r = fromReplica(s, input, '1a');
  if (typeof r === 'string') return notEnabled(r);
  const acceptor = acceptorProcess1a(s.acceptor, r.msg.ballot);
  if (acceptor === null) return notEnabled('1a ballot not above the promise');
  const msg: RslMsg<A> = { type: '1b', ballot: r.msg.ballot, logTruncationPoint: s.acceptor.logTruncationPoint, votes: s.acceptor.votes };
  return step({ ...s, acceptor }, [{ src: selfId(s), dst: r.src, msg }]);
};

/** A 1b (IronFleet's `LReplicaNextProcess1b`): hold it, and truncate the own log to its truncation point. */
export const process1b = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  const r = fromReplica(s, input, '1b');
  if (typeof r === 'string') return notEnabled(r);
  if (!proposerTakes1b(s.proposer, r.src, r.msg.ballot)) return notEnabled('1b not for the phase-1 ballot, or already held from its sender');
  const proposer = proposerProcess1b(s.proposer, r.src, { logTruncationPoint: r.msg.logTruncationPoint, votes: r.msg.votes });
  return step({ ...s, proposer, acceptor: acceptorTruncateLog(s.acceptor, r.msg.logTruncationPoint) });
};

/** A new leader's phase-2 start (IronFleet's `LReplicaNextProcessStartingPhase2`): ask for state if behind its truncation point. */
export const processStartingPhase2 = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  const r = fromReplica(s, input, 'startingPhase2');
  if (typeof r === 'string') return notEnabled(r);
  if (r.msg.logTruncationPoint <= s.executor.opsComplete) return notEnabled('not behind the leader\'s truncation point');
  return step(s, broadcast(s, { type: 'appStateRequest', ballot: r.msg.ballot, opn: r.msg.logTruncationPoint }));
};

/**
 * A 2a (IronFleet's `LReplicaNextProcess2a`): accept it and broadcast the 2b; **[ours]** the
 * learner keeps its batch, if the slot is still to be learnt, for the decision (a 2b names only
 * its slot).
 */
export const process2a = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  const r = fromReplica(s, input, '2a');
  if (typeof r === 'string') return notEnabled(r);
  const acceptor = acceptorProcess2a(s.acceptor, s.constants.params, r.msg.ballot, r.msg.opn, r.msg.batch);
  if (acceptor === null) return notEnabled('2a below the promise');
  const learner = learnable(s, r.msg.opn) === null ? learnerProcess2a(s.learner, r.msg.ballot, r.msg.opn, r.msg.batch) : s.learner;
  return step({ ...s, acceptor, learner }, broadcast(s, { type: '2b', ballot: r.msg.ballot, opn: r.msg.opn }));
};

/** Null if slot `opn` is still to be learnt here (not decided, within the learner window), else why not. */
function learnable<A>(s: ReplicaState<A>, opn: Opn): string | null {
  const ex = s.executor;
  if (!(ex.opsComplete < opn || (ex.opsComplete === opn && !ex.nextOp.known))) return 'slot already decided here';
  if (!withinLearnerWindow(s.constants.params, ex.opsComplete, opn)) return 'slot beyond the learner window';
  return null;
}

/** A 2b (IronFleet's `LReplicaNextProcess2b`): count its sender, if the slot is still to be learnt. */
export const process2b = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  const r = fromReplica(s, input, '2b');
  if (typeof r === 'string') return notEnabled(r);
  const why = learnable(s, r.msg.opn);
  if (why !== null) return notEnabled(why);
  const learner = learnerProcess2b(s.learner, r.src, r.msg.ballot, r.msg.opn);
  if (learner === null) return notEnabled('2b below the highest ballot seen');
  return step(learner === s.learner ? s : { ...s, learner });
};

/**
 * Whether a 2b for `opn` is within the learner's window [ours]: below `opsComplete + 2 ×
 * logLengthMax`. A leader proposes below its truncation point plus `logLengthMax`, and the
 * truncation point is at most what a quorum executed, so a replica keeping up never sees a slot
 * beyond; one that does has fallen behind, and catches up by state transfer (`sendHeartbeat`).
 * Without the window, such a replica's learner would keep every 2b it hears until the next view
 * change: memory that grows with the traffic.
 */
export function withinLearnerWindow(params: RslParams, opsComplete: Opn, opn: Opn): boolean {
  return opn < addSat(opsComplete, addSat(params.logLengthMax, params.logLengthMax, params.integerMax), params.integerMax);
}

/** A heartbeat (IronFleet's `LReplicaNextProcessHeartbeat`): view and suspicions, and the sender's checkpoint. Reads the clock. */
export const processHeartbeat = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  const r = fromReplica(s, input, 'heartbeat');
  if (typeof r === 'string') return notEnabled(r);
  if (input.nowMs === undefined) return notEnabled('no clock reading');
  const outcome = electionProcessHeartbeat(s.proposer.election, s.constants.params, r.j, r.msg.ballot, r.msg.suspicious, input.nowMs);
  const acceptor = acceptorProcessHeartbeat(s.acceptor, r.j, r.msg.opsComplete);
  if (outcome.election === s.proposer.election && acceptor === s.acceptor) return step(s);
  return step({ ...s, proposer: withElection(s, outcome), acceptor });
};

/** A request for state (IronFleet's `LReplicaNextProcessAppStateRequest`): supply it if executed far enough. */
export const processAppStateRequest = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  const r = fromReplica(s, input, 'appStateRequest');
  if (typeof r === 'string') return notEnabled(r);
  if (!executorCanSupply(s.executor, r.msg.ballot, r.msg.opn)) return notEnabled('not executed that far, or reflects a higher ballot');
  const ex = s.executor;
  const msg: RslMsg<A> = { type: 'appStateSupply', ballot: ex.maxBalReflected, opn: ex.opsComplete, state: { app: ex.app, replyCache: ex.replyCache } };
  return step(s, [{ src: selfId(s), dst: r.src, msg }]);
};

/** A supplied state (IronFleet's `LReplicaNextProcessAppStateSupply`): jump to it if it is ahead. */
export const processAppStateSupply = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  const r = fromReplica(s, input, 'appStateSupply');
  if (typeof r === 'string') return notEnabled(r);
  const executor = executorApplySupply(s.executor, r.msg.ballot, r.msg.opn, r.msg.state);
  if (executor === null) return notEnabled('supplied state not ahead of this replica');
  return step({ ...s, executor, learner: learnerForgetBefore(s.learner, r.msg.opn) });
};

/** Phase 1 (IronFleet's `LReplicaNextSpontaneousMaybeEnterNewViewAndSend1a`): lead my view. */
export const maybeEnterNewView = <A>(s: ReplicaState<A>): ReturnType<RslAction<A>> => {
  const proposer = proposerEnterNewView(s.proposer, s.me);
  if (proposer === null) return notEnabled('not the leader of a view without a 1a');
  return step({ ...s, proposer }, broadcast(s, { type: '1a', ballot: proposer.maxBallotISent1a }));
};

/** Phase 2 (IronFleet's `LReplicaNextSpontaneousMaybeEnterPhase2`): a quorum of 1bs held. */
export const maybeEnterPhase2 = <A>(s: ReplicaState<A>): ReturnType<RslAction<A>> => {
  const ltp = s.acceptor.logTruncationPoint;
  const proposer = proposerEnterPhase2(s.proposer, s.constants.config, ltp);
  if (proposer === null) return notEnabled('not in phase 1 with a quorum of 1bs');
  return step({ ...s, proposer }, broadcast(s, { type: 'startingPhase2', ballot: proposer.maxBallotISent1a, logTruncationPoint: ltp }));
};

/** Nomination (IronFleet's `LReplicaNextReadClockMaybeNominateValueAndSend2a`): propose the next slot. Reads the clock. */
export const maybeNominate = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  if (input.nowMs === undefined) return notEnabled('no clock reading');
  const n = proposerNominate(s.proposer, s.constants.config, s.constants.params, s.acceptor.logTruncationPoint, s.executor.opsComplete, input.nowMs);
  if (n === null) return notEnabled('cannot nominate, or nothing to nominate');
  const sent = n.proposal === null ? [] : broadcast(s, { type: '2a', ballot: s.proposer.maxBallotISent1a, opn: n.proposal.opn, batch: n.proposal.batch });
  return step({ ...s, proposer: n.proposer }, sent);
};

/** Truncation (IronFleet's `LReplicaNextSpontaneousTruncateLogBasedOnCheckpoints`): up to a quorum's checkpoint. */
export const truncateLog = <A>(s: ReplicaState<A>): ReturnType<RslAction<A>> => {
  const acceptor = acceptorTruncateBasedOnCheckpoints(s.acceptor, quorumSize(s.constants.config));
  if (acceptor === null) return notEnabled('no quorum checkpoint above the truncation point');
  return step({ ...s, acceptor });
};

/**
 * Decision (IronFleet's `LReplicaNextSpontaneousMaybeMakeDecision`): the next slot has a quorum of
 * 2bs, and the batch is the 2a's at their ballot, as the learner kept it.
 */
export const maybeMakeDecision = <A>(s: ReplicaState<A>): ReturnType<RslAction<A>> => {
  const executor = executorMakeDecision(s.executor, s.learner, quorumSize(s.constants.config));
  if (executor === null) return notEnabled('next slot not decided');
  return step({ ...s, executor });
};

/**
 * Whether replica `s` answers the requests it executes [ours]: only if it leads its current view,
 * where clients send. IronFleet's replicas all answer, which triples the replies a client
 * receives and the replicas send; here the others only fill their reply caches, from which any
 * replica answers a resent request (`replyFromCache`).
 */
export function repliesOnExecution<A>(s: ReplicaState<A>): boolean {
  return s.proposer.election.currentView.proposer === s.me;
}

/** Execution (IronFleet's `LReplicaNextSpontaneousMaybeExecute`) with `app`: run the decided slot, answer its clients if leading. */
export function makeMaybeExecute<A>(app: AppSpec<A>): RslAction<A> {
  return (s) => {
    const e = executorExecute(s.executor, app, s.constants.params);
    if (e === null) return notEnabled('no decided slot to execute');
    const election = electionRecordExecution(s.proposer.election, e.batch);
    const sent: RslPacket<A>[] = repliesOnExecution(s) ? e.replies.map((r) => ({ src: selfId(s), dst: r.client, msg: { type: 'reply', seqno: r.seqno, reply: r.reply } })) : [];
    return step({
      ...s,
      executor: e.executor,
      learner: learnerForgetDecision(s.learner, s.executor.opsComplete),
      proposer: { ...s.proposer, election },
    }, sent);
  };
}

/**
 * The state request a replica sends with its heartbeat when it has fallen behind [ours]: when its
 * acceptor's truncation point (what a quorum reported executing) is past its own executor, the
 * slots between may be gone from every acceptor, and IronFleet would wait for a view change to
 * transfer state. Any replica that has executed that far, in this view or an earlier one, supplies
 * its state (`processAppStateRequest`). Null when not behind.
 */
export function stateRequestIfBehind<A>(s: ReplicaState<A>): RslMsg<A> | null {
  const ltp = s.acceptor.logTruncationPoint;
  return ltp > s.executor.opsComplete ? { type: 'appStateRequest', ballot: s.proposer.election.currentView, opn: ltp } : null;
}

/** The view test (IronFleet's `LReplicaNextReadClockCheckForViewTimeout`). Reads the clock. */
export const checkViewTimeout = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  if (input.nowMs === undefined) return notEnabled('no clock reading');
  const election = electionCheckViewTimeout(s.proposer.election, s.constants.params, s.me, input.nowMs);
  if (election === null) return notEnabled('epoch not over');
  return step({ ...s, proposer: { ...s.proposer, election } });
};

/**
 * A quorum of suspicions (IronFleet's `LReplicaNextReadClockCheckForQuorumOfViewSuspicions`): next
 * view. Also **[ours]**: a replica leading a view it can never run (`proposerCannotLeadView`, after
 * a restart) moves on at once, and its heartbeats carry the others along, instead of everyone
 * waiting out a doubled epoch for a leader that will never propose. Reads the clock.
 */
export const checkSuspicion = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  if (input.nowMs === undefined) return notEnabled('no clock reading');
  const { config, params } = s.constants;
  const e = s.proposer.election;
  const election = electionCheckQuorumOfSuspicions(e, config, params, input.nowMs) ??
    (proposerCannotLeadView(s.proposer, s.me) ? electionLeaveView(e, config, params, input.nowMs) : null);
  if (election === null) return notEnabled('no quorum of suspicions');
  return step({ ...s, proposer: proposerStepDown(s.proposer, election) });
};

/** Heartbeat (IronFleet's `LReplicaNextReadClockMaybeSendHeartbeat`): view, suspicion, executed count. Reads the clock. */
export const sendHeartbeat = <A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): ReturnType<RslAction<A>> => {
  if (input.nowMs === undefined) return notEnabled('no clock reading');
  if (input.nowMs < s.nextHeartbeatTime) return notEnabled('heartbeat not due');
  const e = s.proposer.election;
  const msg: RslMsg<A> = { type: 'heartbeat', ballot: e.currentView, suspicious: e.suspectors.has(s.me), opsComplete: s.executor.opsComplete };
  const catchUp = stateRequestIfBehind(s);
  const sent = catchUp === null ? broadcast(s, msg) : [...broadcast(s, msg), ...broadcast(s, catchUp)];
  return step({ ...s, nextHeartbeatTime: addSat(input.nowMs, s.constants.params.heartbeatPeriodMs, s.constants.params.integerMax) }, sent);
};

/**
 * Ignore, given the actions that take packets: a packet for this replica that none of them takes
 * (a reply or hint, a stale or repeated message, one from a stranger) is received and dropped.
 */
export function makeIgnore<A>(takers: readonly RslAction<A>[]): RslAction<A> {
  return (s, input) => {
    const p = input.packet;
    if (p === undefined || p.dst !== selfId(s)) return notEnabled('no packet for this replica received');
    for (const other of takers) if (isEnabled(other(s, input))) return notEnabled('another action takes this packet');
    return step(s);
  };
}

/** The actions that take a received packet, by name. */
export const rslReceiveActions: readonly string[] = [
  'processRequest', 'replyFromCache', 'process1a', 'process1b', 'processStartingPhase2', 'process2a', 'process2b',
  'processHeartbeat', 'processAppStateRequest', 'processAppStateSupply', 'ignore',
];

/** The actions that read the clock, by name. */
export const rslClockActions: readonly string[] = ['processHeartbeat', 'maybeNominate', 'checkViewTimeout', 'checkSuspicion', 'sendHeartbeat'];

/** Actions a broken variant may replace (src/rsl/testing.ts); the others are always IronFleet's. */
export type RslActionOverrides<A> = Partial<Record<
  'process1b' | 'process2a' | 'process2b' | 'maybeNominate' | 'truncateLog' | 'maybeMakeDecision' | 'maybeExecute', RslAction<A>
>>;

/**
 * Structural equality of replica states; the app states are compared with `app.equal`. The
 * monitor calls it on every step with states that share the parts the step left alone, so every
 * part is compared by reference first (`replicaEquality`, src/rsl/protocol/equality.ts).
 */
export function equalReplica<A>(app: AppSpec<A>, a: ReplicaState<A>, b: ReplicaState<A>): boolean {
  return replicaEquality(app)(a, b);
}

/** The IronRSL replica protocol for `app`, with some actions replaced (none by default: the correct one). */
export function rslProtocolWith<A>(app: AppSpec<A>, overrides: RslActionOverrides<A> = {}): HostProtocol<RslConstants, ReplicaState<A>, RslMsg<A>> {
  const receivers: Record<string, RslAction<A>> = {
    processRequest, replyFromCache, process1a,
    process1b: overrides.process1b ?? process1b,
    processStartingPhase2,
    process2a: overrides.process2a ?? process2a,
    process2b: overrides.process2b ?? process2b,
    processHeartbeat, processAppStateRequest, processAppStateSupply,
  };
  return {
    name: 'IronRSL',
    init: (constants, me) => replicaInit(app, constants, me),
    actions: {
      ...receivers,
      ignore: makeIgnore(Object.values(receivers)),
      maybeEnterNewView,
      maybeEnterPhase2,
      maybeNominate: overrides.maybeNominate ?? maybeNominate,
      truncateLog: overrides.truncateLog ?? truncateLog,
      maybeMakeDecision: overrides.maybeMakeDecision ?? maybeMakeDecision,
      maybeExecute: overrides.maybeExecute ?? makeMaybeExecute(app),
      checkViewTimeout,
      checkSuspicion,
      sendHeartbeat,
    },
    // equalReplica and equalMsg, comparing by reference first: the monitor compares on every step.
    equal: replicaEquality(app),
    equalMsg: messageEquality((a: A, b: A) => app.equal(a, b)),
  };
}

/** The IronRSL replica protocol for `app`. */
export function rslProtocol<A>(app: AppSpec<A>): HostProtocol<RslConstants, ReplicaState<A>, RslMsg<A>> {
  return rslProtocolWith(app);
}
