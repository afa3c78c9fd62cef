import { unreachable } from '../core/assert.js';
import type { HostInput, HostProtocol } from '../framework/protocol.js';
import { isEnabled, notEnabled } from '../framework/protocol.js';
import { acceptorProcess2a, acceptorTruncateLog } from './protocol/acceptor.js';
import { highestVote, proposerNominate } from './protocol/proposer.js';
import type { RslMsgOf } from './protocol/messages.js';
import type { HostId } from '../framework/types.js';
import type { AppSpec, RslSpecState } from './spec.js';
import type { RslMsg } from './protocol/messages.js';
import type { RslDistributedState } from './protocol/refinement.js';
import { rslAbstraction, rslInvariants } from './protocol/refinement.js';
import type { ReplicaState, RslAction, RslConstants, RslPacket } from './protocol/replica.js';
import { broadcast, makeMaybeExecute, process2a, process2b, receivedOf, replicaRestart, repliesOnExecution, rslProtocol, rslProtocolWith } from './protocol/replica.js';
import { electionAfterRestart as electionAfterRestartForBug } from './protocol/election.js';
import type { RslParams } from './protocol/types.js';
import { balEq, ballotZero, defaultRslParams, isReplica, quorumSize } from './protocol/types.js';

/** The counter: the state is a number, a request adds its first byte (1 if empty), the reply is the new value's low byte. */
export const counterApp: AppSpec<number> = {
  name: 'counter',
  init: () => 0,
  apply: (state, request) => {
    const next = state + (request[0] ?? 1);
    return { state: next, reply: Uint8Array.of(next & 0xff) };
  },
  equal: (a, b) => a === b,
  show: (a) => String(a),
};

/**
 * A hand-driven IronRSL cluster for scenario tests: the replicas' states and every packet sent
 * (IronFleet's network). Each call runs one named action and fails the test if it is not enabled,
 * so a scenario reads as the sequence of protocol steps it takes.
 */
export class Cluster {
  readonly protocol = rslProtocol(counterApp);
  readonly constants: RslConstants;
  readonly hosts = new Map<HostId, ReplicaState<number>>();
  /** Every packet sent, in order (duplicates once). */
  readonly network: RslPacket<number>[] = [];
  /** Packets not yet delivered by `deliver`, in order. */
  pending: RslPacket<number>[] = [];

  constructor(readonly ids: readonly HostId[] = ['r0', 'r1', 'r2'], params: Partial<RslParams> = {}) {
    this.constants = { config: { replicaIds: ids }, params: { ...defaultRslParams, ...params } };
    for (const id of ids) this.hosts.set(id, this.protocol.init(this.constants, id));
  }

  /** The state of replica `id`. */
  host(id: HostId): ReplicaState<number> {
    const s = this.hosts.get(id);
    if (s === undefined) throw new RangeError(`no replica ${id}`);
    return s;
  }

  /** Whether `action` of `id` is enabled on `input`, and why not. */
  tryAct(id: HostId, action: string, input: HostInput<RslMsg<number>> = {}): string | readonly RslPacket<number>[] {
    const f = this.protocol.actions[action];
    if (f === undefined) throw new RangeError(`no action ${action}`);
    const out = f(this.host(id), input);
    if (!isEnabled(out)) return out.why;
    this.hosts.set(id, out.state);
    for (const p of out.sent) {
      if (!this.network.some((q) => q.src === p.src && q.dst === p.dst && this.protocol.equalMsg(q.msg, p.msg))) this.network.push(p);
      this.pending.push(p);
    }
    return out.sent;
  }

  /** Runs `action` of `id`, which must be enabled; returns the packets sent. */
  act(id: HostId, action: string, input: HostInput<RslMsg<number>> = {}): readonly RslPacket<number>[] {
    const out = this.tryAct(id, action, input);
    if (typeof out === 'string') throw new Error(`${action}(${id}) not enabled: ${out}`);
    return out;
  }

  /** A client sends `msg` to `dst` (the packet joins the network). */
  clientSends(client: HostId, dst: HostId, msg: RslMsg<number>): RslPacket<number> {
    const p = { src: client, dst, msg };
    this.network.push(p);
    this.pending.push(p);
    return p;
  }

  /**
   * Delivers, in order, every pending packet of type `type` to a replica in `to` (default: all),
   * with `action`, reading the clock at `nowMs`; a packet the action refuses is dropped. Returns
   * how many were taken.
   */
  deliver(type: RslMsg<number>['type'], action: string, options: { to?: readonly HostId[]; nowMs?: number; from?: readonly HostId[] } = {}): number {
    let taken = 0;
    const mine = (p: RslPacket<number>): boolean => p.msg.type === type && this.hosts.has(p.dst) &&
      (options.to?.includes(p.dst) ?? true) && (options.from?.includes(p.src) ?? true);
    const batch = this.pending.filter(mine);
    this.pending = this.pending.filter((p) => !mine(p));
    for (const packet of batch) {
      const out = this.tryAct(packet.dst, action, options.nowMs === undefined ? { packet } : { packet, nowMs: options.nowMs });
      if (typeof out !== 'string') taken++;
    }
    return taken;
  }

  /** The distributed state: hosts and network. */
  state(): RslDistributedState<number> {
    return { hosts: new Map(this.hosts), network: [...this.network] };
  }

  /** The invariants of refinement.ts that do not hold now (none, if all is well). */
  failingInvariants(): string[] {
    const ds = this.state();
    return rslInvariants(counterApp, this.constants.config, this.constants.params).filter((i) => !i.holds(ds)).map((i) => i.name);
  }

  /** The spec state the network stands for. */
  spec(): RslSpecState<number> {
    return rslAbstraction(counterApp, this.constants.config, this.constants.params).abstract(this.state());
  }

  /** Packets sent to `dst` of type `type`. */
  sentTo<T extends RslMsg<number>['type']>(dst: HostId, type: T): { src: HostId; msg: Extract<RslMsg<number>, { type: T }> }[] {
    return this.network.filter((p) => p.dst === dst && p.msg.type === type).map((p) => ({ src: p.src, msg: p.msg as Extract<RslMsg<number>, { type: T }> }));
  }

  /**
   * Phase 1 and the start of phase 2 for the leader `leader` of its current view, with the
   * replicas in `with` answering (default: all).
   */
  elect(leader: HostId, withReplicas: readonly HostId[] = this.ids): void {
    this.act(leader, 'maybeEnterNewView');
    this.deliver('1a', 'process1a', { to: withReplicas });
    this.deliver('1b', 'process1b', { to: [leader] });
    this.act(leader, 'maybeEnterPhase2');
  }

  /** Delivers the 2as to `acceptors` and the 2bs to `learners`, then decides and executes where possible. */
  commit(acceptors: readonly HostId[] = this.ids, learners: readonly HostId[] = this.ids): void {
    this.deliver('2a', 'process2a', { to: acceptors });
    this.deliver('2b', 'process2b', { to: learners });
    for (const id of learners) {
      while (typeof this.tryAct(id, 'maybeMakeDecision') !== 'string') {
        this.act(id, 'maybeExecute');
      }
    }
  }
}

/**
 * Broken variants of IronRSL's replica, each kept because a check catches it (src/rsl/check.test.ts).
 * Each replaces one action of the correct protocol and nothing else.
 */

/** The 2a from a replica in `input`, if any. */
function twoAFromReplica<A>(s: ReplicaState<A>, input: HostInput<RslMsg<A>>): { src: HostId; msg: RslMsgOf<A, '2a'> } | null {
  const r = receivedOf(s, input, '2a');
  return r !== null && isReplica(s.constants.config, r.src) ? r : null;
}

/**
 * An acceptor that takes a 2a below its promise: IronFleet's `LAcceptorProcess2a` without its
 * guard `maxBal <= ballot`, so it sets `maxBal` to the 2a's ballot, lowering its promise.
 * Caught by `promiseCoversSent` once a view change leaves an old leader's 2a in flight.
 */
export function acceptBelowPromise<A>(): RslAction<A> {
  return (s, input) => {
    const r = twoAFromReplica(s, input);
    if (r === null) return notEnabled('no 2a from a replica received');
    const acceptor = acceptorProcess2a({ ...s.acceptor, maxBal: ballotZero }, s.constants.params, r.msg.ballot, r.msg.opn, r.msg.batch);
    if (acceptor === null) return notEnabled('slot past integerMax');
    return { state: { ...s, acceptor }, sent: broadcast(s, { type: '2b', ballot: r.msg.ballot, opn: r.msg.opn }) };
  };
}

/**
 * An acceptor that, voting again in a slot it already voted in, raises the vote's ballot but keeps
 * the old batch (a tempting shortcut: "the value is already there"). Its vote is then no 2a of
 * that ballot. Caught by `votesAre2as`.
 */
export function voteKeepsOldValue<A>(): RslAction<A> {
  return (s, input) => {
    const r = twoAFromReplica(s, input);
    if (r === null) return process2a(s, input);
    const old = s.acceptor.votes.get(r.msg.opn);
    const out = process2a(s, input);
    if (!isEnabled(out) || old === undefined) return out;
    const acceptor = acceptorProcess2a(s.acceptor, s.constants.params, r.msg.ballot, r.msg.opn, old.maxVal);
    if (acceptor === null) return out;
    return { state: { ...out.state, acceptor }, sent: out.sent };
  };
}

/**
 * A learner that counts 2b receipts rather than senders: a 2b delivered twice (IronFleet's network
 * may deliver any packet again) counts as two acceptors. Caught by `decisionIsChosen`.
 */
export function learnerCountsTwice<A>(): RslAction<A> {
  return (s, input) => {
    const out = process2b(s, input);
    if (!isEnabled(out) || out.state !== s) return out;
    // The correct learner changed nothing: a repeated sender. Count it again under another name.
    const r = receivedOf(s, input, '2b');
    const tuple = r === null ? undefined : s.learner.unexecuted.get(r.msg.opn);
    if (r === null || tuple === undefined || !balEq(r.msg.ballot, s.learner.maxBallotSeen)) return out;
    const senders = new Set([...tuple.senders, `${r.src}/again${tuple.senders.size}`]);
    return { state: { ...s, learner: { ...s.learner, unexecuted: new Map([...s.learner.unexecuted, [r.msg.opn, { ...tuple, senders }]]) } }, sent: [] };
  };
}

/**
 * A learner that keeps, per slot, the batch of any 2a its replica accepted, whatever its ballot,
 * and a decision that takes it: when a higher ballot's 2bs arrive, the correct learner forgets
 * the lower ballot's batches and decides only with one at the 2bs' ballot. A replica that took an
 * older ballot's 2a and missed the new one then decides the old batch. Caught by `decisionIsChosen`.
 */
export function learnerIgnores2aBallot<A>(): { process2b: RslAction<A>; maybeMakeDecision: RslAction<A> } {
  return {
    process2b: (s, input) => {
      const out = process2b(s, input);
      if (!isEnabled(out)) return out;
      const proposed = new Map([...s.learner.proposed, ...out.state.learner.proposed]);
      return { state: { ...out.state, learner: { ...out.state.learner, proposed } }, sent: out.sent };
    },
    maybeMakeDecision: (s) => {
      const ex = s.executor;
      const tuple = s.learner.unexecuted.get(ex.opsComplete);
      const proposal = s.learner.proposed.get(ex.opsComplete);
      if (ex.nextOp.known || tuple === undefined || tuple.senders.size < quorumSize(s.constants.config) || proposal === undefined) {
        return notEnabled('next slot not decided');
      }
      return { state: { ...s, executor: { ...ex, nextOp: { known: true, batch: proposal.batch, ballot: s.learner.maxBallotSeen } } }, sent: [] };
    },
  };
}

/**
 * Truncation to the highest checkpoint rather than the quorum-th highest: one replica's progress
 * is taken for a quorum's. Caught by `truncationBelowQuorumExecuted`.
 */
export function truncateToHighestCheckpoint<A>(): RslAction<A> {
  return (s) => {
    const t = Math.max(...s.acceptor.lastCheckpointed);
    if (t <= s.acceptor.logTruncationPoint) return notEnabled('no checkpoint above the truncation point');
    return { state: { ...s, acceptor: acceptorTruncateLog(s.acceptor, t) }, sent: [] };
  };
}

/**
 * A proposer that ignores its window `opn < ltp + logLengthMax`: it proposes in a slot whose 2a
 * makes acceptors truncate below what a quorum executed. Caught by `truncationBelowQuorumExecuted`.
 */
export function nominateIgnoringWindow<A>(): RslAction<A> {
  return (s, input) => {
    if (input.nowMs === undefined) return notEnabled('no clock reading');
    const n = proposerNominate(s.proposer, s.constants.config, s.constants.params, s.acceptor.logTruncationPoint, s.executor.opsComplete, input.nowMs, highestVote, s.constants.params.integerMax);
    if (n === null) return notEnabled('cannot nominate, or nothing to nominate');
    const sent = n.proposal === null ? [] : broadcast(s, { type: '2a', ballot: s.proposer.maxBallotISent1a, opn: n.proposal.opn, batch: n.proposal.batch });
    return { state: { ...s, proposer: n.proposer }, sent };
  };
}

/**
 * A proposer that ignores the votes in the 1bs it holds: it learns from them only where the log
 * ends, and fills a slot where acceptors voted as it fills a gap, with a batch from its own queue
 * or a no-op, instead of the highest-ballot value (IronFleet's `LProposerMaybeNominateValueAndSend2a`
 * without its "old value" case). A new leader then overwrites a value already chosen. Caught by
 * `chosenAgreement`.
 */
export function nominateIgnoringVotes<A>(): RslAction<A> {
  return (s, input) => {
    if (input.nowMs === undefined) return notEnabled('no clock reading');
    const p = s.proposer;
    const opn = p.nextOpnToPropose;
    // A vote in this slot is read as a vote above it: "there is a gap to fill here".
    const asGap = new Map(p.received1bs);
    if (highestVote(p.received1bs, opn) !== null) {
      asGap.set('(gap)', { logTruncationPoint: 0, votes: new Map([[opn + 1, { maxVBal: ballotZero, maxVal: [] }]]) });
    }
    const n = proposerNominate({ ...p, received1bs: asGap }, s.constants.config, s.constants.params, s.acceptor.logTruncationPoint, s.executor.opsComplete, input.nowMs, () => null);
    if (n === null) return notEnabled('cannot nominate, or nothing to nominate');
    const sent = n.proposal === null ? [] : broadcast(s, { type: '2a', ballot: p.maxBallotISent1a, opn: n.proposal.opn, batch: n.proposal.batch });
    return { state: { ...s, proposer: { ...n.proposer, received1bs: p.received1bs } }, sent };
  };
}

/**
 * IronFleet's own execution, without this project's seqno test: every request of a batch is
 * applied, so a request that sits in two slots (a new leader re-proposes what it heard of; a
 * request received again after phase 1 is queued again) runs twice. Caught by
 * `executedPrefixesAgree`, whose abstraction applies the spec's exactly-once rule.
 */
export function executeWithoutSeqnoTest<A>(app: AppSpec<A>): RslAction<A> {
  const once = makeMaybeExecute(app);
  return (s, input) => {
    const out = once(s, input);
    if (!isEnabled(out) || !s.executor.nextOp.known) return out;
    let state = s.executor.app;
    const replyCache = new Map(s.executor.replyCache);
    for (const r of s.executor.nextOp.batch) {
      const applied = app.apply(state, r.payload);
      state = applied.state;
      replyCache.set(r.client, { client: r.client, seqno: r.seqno, reply: applied.reply });
    }
    return { state: { ...out.state, executor: { ...out.state.executor, app: state, replyCache } }, sent: out.sent };
  };
}

/** Known broken variants of the replica, by name. */
export type RslBug = 'accept-below-promise' | 'ignore-1b-votes' | 'learner-counts-twice' | 'truncate-to-highest' | 'ignore-window' | 'execute-twice' | 'learner-ignores-2a-ballot' | 'vote-keeps-old-value' |
  'restart-forgets-1a';

/** What each broken variant does, and which check sees it. */
export const rslBugs: Readonly<Record<RslBug, string>> = {
  'accept-below-promise': 'an acceptor takes a 2a below its promise and lowers it (promiseCoversSent, after a view change)',
  'ignore-1b-votes': 'a new leader ignores the values voted in its 1bs, filling those slots from its own queue or with a no-op (chosenAgreement, after a view change)',
  'learner-counts-twice': 'a learner counts a 2b delivered twice as two acceptors (decisionIsChosen)',
  'truncate-to-highest': 'truncation to the highest checkpoint instead of the quorum-th highest (truncationBelowQuorumExecuted)',
  'ignore-window': 'a proposer ignores the ltp + logLengthMax bound on the slots it proposes (truncationBelowQuorumExecuted)',
  'execute-twice': 'an executor without the seqno test runs a request that sits in two slots twice (executedPrefixesAgree)',
  'learner-ignores-2a-ballot': 'a learner keeps the batch of any 2a accepted in a slot, whatever its ballot, and decides with it (decisionIsChosen; it needs 3 replicas, 2 clients and a view change, past the bounds the tests model-check: caught in a scenario test)',
  'vote-keeps-old-value': 'an acceptor voting again in a slot raises the ballot but keeps its old batch (votesAre2as, after a view change with 3 replicas: caught in a scenario test)',
  'restart-forgets-1a': 'a restarted replica forgets the ballot of its last 1a and leads that view again (maxBalLedByProposer, with crashes)',
};

/** Which broken variants are in the restart (`replicaRestart`) rather than in an action: they need crashes. */
export const rslRestartBugs: ReadonlySet<RslBug> = new Set(['restart-forgets-1a']);

/** What a crash and restart keeps of a replica, in broken variant `bug` (IronRSL's `replicaRestart` otherwise). */
export function rslBugRestart<A>(bug: RslBug | undefined): (s: ReplicaState<A>) => ReplicaState<A> {
  if (bug !== 'restart-forgets-1a') return replicaRestart;
  return (s) => {
    const t = replicaRestart(s);
    const maxBallotISent1a = { seqno: 0, proposer: s.me };
    return { ...t, proposer: { ...t.proposer, maxBallotISent1a, election: electionAfterRestartForBug(s.constants.params, s.acceptor.maxBal, maxBallotISent1a) } };
  };
}

/** The protocol of broken variant `bug` for `app`. */
export function rslBugProtocol<A>(app: AppSpec<A>, bug: RslBug): HostProtocol<RslConstants, ReplicaState<A>, RslMsg<A>> {
  switch (bug) {
    case 'accept-below-promise': return rslProtocolWith(app, { process2a: acceptBelowPromise<A>() });
    case 'ignore-1b-votes': return rslProtocolWith(app, { maybeNominate: nominateIgnoringVotes<A>() });
    case 'learner-counts-twice': return rslProtocolWith(app, { process2b: learnerCountsTwice<A>() });
    case 'truncate-to-highest': return rslProtocolWith(app, { truncateLog: truncateToHighestCheckpoint<A>() });
    case 'ignore-window': return rslProtocolWith(app, { maybeNominate: nominateIgnoringWindow<A>() });
    case 'execute-twice': return rslProtocolWith(app, { maybeExecute: executeWithoutSeqnoTest(app) });
    case 'learner-ignores-2a-ballot': return rslProtocolWith(app, learnerIgnores2aBallot<A>());
    case 'vote-keeps-old-value': return rslProtocolWith(app, { process2a: voteKeepsOldValue<A>() });
    case 'restart-forgets-1a':
      return rslProtocol(app);
    default: return unreachable(bug, 'bug');
  }
}

// ---------------------------------------------------------------------------------------------
// Broken implementation hosts (src/rsl/impl), each with the protocol its monitor checks it against.

import { electionRecordExecution as recordExecutionForBug } from './protocol/election.js';
import { learnerForgetDecision as forgetDecisionForBug } from './protocol/learner.js';
import { balMax as balMaxForBug } from './protocol/types.js';
import { ExecutorImpl } from './impl/executor.js';
import { RslReplica } from './impl/replica.js';
import type { Opn as OpnForBug, Reply as ReplyForBug, RequestBatch as BatchForBug } from './protocol/types.js';
import type { ServiceFactory, ServiceState } from './service.js';
import type { RslDurableState } from './impl/durable.js';
import type { DiskError } from '../framework/host.js';
import type { Result } from '../core/result.js';

/**
 * A protocol executor that runs every request of a batch, resent ones included, and answers each:
 * IronFleet's execution without this project's seqno test, replies and all. The implementation
 * twin is `ExecuteTwiceReplica`; the spec check catches both (a reply to a request run twice does
 * not correspond to the spec, which runs it once).
 */
export function executeEveryRequest<A>(app: AppSpec<A>): RslAction<A> {
  return (s) => {
    const ex = s.executor;
    if (!ex.nextOp.known || ex.opsComplete >= s.constants.params.integerMax) return notEnabled('no decided slot to execute');
    let state = ex.app;
    const replyCache = new Map(ex.replyCache);
    const replies: ReplyForBug[] = [];
    for (const r of ex.nextOp.batch) {
      const out = app.apply(state, r.payload);
      state = out.state;
      const reply = { client: r.client, seqno: r.seqno, reply: out.reply };
      replyCache.set(r.client, reply);
      replies.push(reply);
    }
    const sent: RslPacket<A>[] = !repliesOnExecution(s) ? [] :
      replies.map((r) => ({ src: s.constants.config.replicaIds[s.me] ?? '', dst: r.client, msg: { type: 'reply', seqno: r.seqno, reply: r.reply } }));
    return {
      state: {
        ...s,
        executor: { app: state, replyCache, opsComplete: ex.opsComplete + 1, maxBalReflected: balMaxForBug(ex.maxBalReflected, ex.nextOp.ballot), nextOp: { known: false } },
        learner: forgetDecisionForBug(s.learner, ex.opsComplete),
        proposer: { ...s.proposer, election: recordExecutionForBug(s.proposer.election, ex.nextOp.batch) },
      },
      sent,
    };
  };
}

/** An executor that runs every request of a batch, resent ones included (`executeEveryRequest`). */
class ExecuteEveryRequestExecutor<S extends ServiceState> extends ExecutorImpl<S> {
  override execute(): { readonly replies: readonly ReplyForBug[]; readonly batch: BatchForBug } {
    const op = this.nextOp;
    if (!op.known) return { replies: [], batch: [] };
    const replies: ReplyForBug[] = [];
    for (const r of op.batch) {
      this.snapshot = null;
      const reply = { client: r.client, seqno: r.seqno, reply: this.service.handleRequest(r.payload) };
      this.replyCache.set(r.client, reply);
      replies.push(reply);
    }
    this.opsComplete++;
    this.maxBalReflected = balMaxForBug(this.maxBalReflected, op.ballot);
    this.nextOp = { known: false };
    return { replies, batch: op.batch };
  }
}

/** A replica whose executor runs a resent request again (see `executeEveryRequest`). */
export class ExecuteTwiceReplica<S extends ServiceState = ServiceState> extends RslReplica<S> {
  protected override createExecutor(factory: ServiceFactory<S>): ExecutorImpl<S> {
    return new ExecuteEveryRequestExecutor(factory, this.constants.params);
  }
}

/**
 * A replica whose acceptor takes a 2a below its promise (and lowers the promise to it), like
 * `acceptBelowPromise` of the protocol. Against the correct protocol the monitor catches its first
 * such step; with the protocol broken alike, the spec check catches the disagreement it allows.
 */
export class AcceptBelowPromiseReplica<S extends ServiceState = ServiceState> extends RslReplica<S> {
  protected override acceptsTwoA(_ballot: ReplicaState<Uint8Array>['acceptor']['maxBal'], opn: OpnForBug): boolean {
    return opn <= this.constants.params.integerMax;
  }
}

/**
 * A replica that writes its promise and votes to its log but does not sync them before the 1b or
 * 2b that announces them: a crash of its machine could then lose a vote a quorum was counted with.
 * Caught by src/rsl/durable-send.test.ts, which reads the synced disk whenever a 1b or 2b leaves.
 */
export class AckBeforeSyncReplica<S extends ServiceState = ServiceState> extends RslReplica<S> {
  protected override persist(state: RslDurableState): Result<void, DiskError> {
    return this.store.record(state);
  }
}

/** Broken implementation variants of the simulator binding, by name. */
export type RslImplBug = 'execute-twice' | 'accept-below-promise-impl' | 'accept-below-promise' | 'ack-before-sync';

/** What each broken implementation variant does, and which check should catch it. */
export const rslImplBugs: Readonly<Record<RslImplBug, string>> = {
  'execute-twice': 'executor runs a resent request again, implementation and protocol alike (spec check, linearizability)',
  'accept-below-promise-impl': 'acceptor takes a 2a below its promise, the implementation only (refinement monitor)',
  'accept-below-promise': 'acceptor takes a 2a below its promise, implementation and protocol alike (spec check)',
  'ack-before-sync': 'replica sends its 1b or 2b before its promise or vote is synced, so a crash can lose it (spec check, linearizability, with crashes)',
};

/** The implementation host and the protocol its monitor checks it against, of broken variant `bug`. */
export function rslImplVariants(app: AppSpec<Uint8Array>, bug: RslImplBug): {
  readonly host: typeof RslReplica;
  readonly protocol: HostProtocol<RslConstants, ReplicaState<Uint8Array>, RslMsg<Uint8Array>>;
} {
  switch (bug) {
    case 'execute-twice': return { host: ExecuteTwiceReplica, protocol: rslProtocolWith(app, { maybeExecute: executeEveryRequest(app) }) };
    case 'accept-below-promise-impl': return { host: AcceptBelowPromiseReplica, protocol: rslProtocol(app) };
    case 'accept-below-promise': return { host: AcceptBelowPromiseReplica, protocol: rslProtocolWith(app, { process2a: acceptBelowPromise<Uint8Array>() }) };
    case 'ack-before-sync': return { host: AckBeforeSyncReplica, protocol: rslProtocol(app) };
    default: return unreachable(bug, 'bug');
  }
}
