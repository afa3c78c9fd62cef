import { assert } from '../../core/assert.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
import type { DiskError, DurableStore, HostEnvironment, ImplHost, StepReport } from '../../framework/host.js';
import type { HostId, Packet } from '../../framework/types.js';
import type { AppVersion } from '../app-version.js';
import type { ExecutorState } from '../protocol/executor.js';
import type { ReplicaState, RslConstants } from '../protocol/replica.js';
import { withinLearnerWindow } from '../protocol/replica.js';
import type { Ballot, Opn, ReplicaIndex, RequestBatch } from '../protocol/types.js';
import { addSat, balEq, quorumSize, replicaIndex } from '../protocol/types.js';
import { viewAfterRestart } from '../protocol/election.js';
import type { ServiceFactory, ServiceState } from '../service.js';
import type { RslImplMsg } from '../wire.js';
import { rslWireProblems, SessionClientIds } from '../wire.js';
import { AcceptorImpl } from './acceptor.js';
import type { RslDurableState, RslExecutorRecovery } from './durable.js';
import { RslExecutorStore, RslStateStore } from './durable.js';
import { ExecutorImpl } from './executor.js';
import { LearnerImpl } from './learner.js';
import { ProposerImpl } from './proposer.js';

/**
 * The IronRSL implementation host (docs/rsl.md §5, "Implementation"): the five roles in mutable
 * form, a real service executing requests in place, stepped through its `HostEnvironment`.
 *
 * A step takes at most one packet and reads the clock at most once, after it. With a packet it
 * runs the receive action for its type (or `ignore`); without one it reads the clock and runs the
 * first enabled spontaneous action of IronFleet's loop (slots 1-9 of §5), starting after the one
 * it ran last, so every enabled action gets its turn. Each step reports the protocol action it
 * refines; `abstract()` is the protocol's `ReplicaState` over `serviceAppSpec(factory)`.
 *
 * Durable state: the promise, votes and truncation point are synced before the 1b or 2b that
 * announces them, and the 1a ballot before the 1a. A failed sync drops the step (a stutter: the
 * packet is treated as lost). The rest restarts from its initial value after a crash.
 */
export class RslReplica<S extends ServiceState = ServiceState> implements ImplHost<ReplicaState<Uint8Array>, RslImplMsg> {
  readonly me: ReplicaIndex;
  readonly id: HostId;
  nextHeartbeatTime = 0;
  readonly proposer: ProposerImpl;
  readonly acceptor: AcceptorImpl;
  readonly learner = new LearnerImpl();
  readonly executor: ExecutorImpl<S>;
  /** The loop slot (1-9) to try first in the next step without a packet. */
  private loopNext = 1;
  /** Whether the last step did something: the next may find another action enabled. */
  private busy = true;
  /**
   * The `opsComplete` the executor's log holds, checkpoint and executed slots since without a gap
   * (-1: no checkpoint yet). A heartbeat syncs the log first, and checkpoints the executor when
   * this is behind (after a state supply or a failed append), so no heartbeat reports more than
   * the disk holds: acceptors truncate below what a quorum reports.
   */
  private executorLoggedOps = -1;
  /** The session client ids of requests taken and replies sent, built and parsed once each. */
  private readonly clientIds = new SessionClientIds();
  /** What recovery dropped from the disk (a torn tail of the log), in words, or null. */
  readonly recoveryNote: string | null;
  /** Each role's abstraction, until a step changes the role (see `abstract`). */
  private readonly abstractCache = new Map<Role, RoleAbstractions[Role]>();

  protected constructor(
    readonly constants: RslConstants, id: HostId, factory: ServiceFactory<S>, protected readonly store: RslStateStore,
    recovered: RslDurableState | null, private readonly executorStore: RslExecutorStore, recoveredExecutor: RslExecutorRecovery | null,
  ) {
    const { config, params } = constants;
    this.id = id;
    this.me = replicaIndex(config, id);
    this.proposer = new ProposerImpl(config, params, this.me);
    this.acceptor = new AcceptorImpl(config.replicaIds.length, params);
    this.executor = this.createExecutor(factory);
    const notes = [store.recoveryNote, executorStore.recoveryNote].filter((n) => n !== null);
    this.recoveryNote = notes.length > 0 ? `recovered, dropping ${notes.join(' and ')}` : null;
    if (recovered !== null) {
      this.acceptor.restore(recovered);
      this.proposer.maxBallotISent1a = recovered.maxBallotISent1a;
      this.proposer.election.currentView = viewAfterRestart(recovered.maxBal, recovered.maxBallotISent1a);
    }
    if (recoveredExecutor !== null) {
      const restored = this.executor.restore(recoveredExecutor.checkpoint);
      // recover() checked the snapshot deserializes before building the replica.
      assert(restored.ok, 'the recovered executor snapshot was refused');
      // The slots executed since the checkpoint, run again: the service is deterministic.
      for (const slot of recoveredExecutor.executed) {
        if (slot.opn !== this.executor.opsComplete) break;
        this.executor.decide(slot.batch, slot.ballot);
        this.executor.execute();
      }
      this.executorLoggedOps = this.executor.opsComplete;
    }
  }

  /** The executor (broken variants of src/rsl/testing.ts replace it). */
  protected createExecutor(factory: ServiceFactory<S>): ExecutorImpl<S> {
    return new ExecutorImpl(factory, this.constants.params);
  }

  /**
   * Replica `id` of `constants`, in the state its disk holds (fresh on an empty disk). Fails when
   * the disk cannot be read or is corrupt. `variant` is a subclass to build instead (tests use
   * broken variants).
   */
  static recover<S extends ServiceState>(
    constants: RslConstants, id: HostId, disk: DurableStore, factory: ServiceFactory<S>, variant: typeof RslReplica = RslReplica,
  ): Result<RslReplica<S>, DiskError> {
    assert(replicaIndex(constants.config, id) >= 0, `host ${id} is not a replica`);
    const problems = rslWireProblems(constants.params);
    assert(problems.length === 0, () => problems.join('; '));
    const store = new RslStateStore(disk);
    const recovered = store.recover();
    if (!recovered.ok) return recovered;
    const executorStore = new RslExecutorStore(disk);
    const recoveredExecutor = executorStore.recover();
    if (!recoveredExecutor.ok) return recoveredExecutor;
    if (recoveredExecutor.value !== null) {
      const app = factory.deserialize(recoveredExecutor.value.checkpoint.app);
      if (!app.ok) return err({ kind: 'corrupt', detail: `the executor record holds a snapshot the service refuses: ${app.error}` });
    }
    return ok(new variant(
      constants, id, factory as unknown as ServiceFactory, store, recovered.value, executorStore, recoveredExecutor.value,
    ) as unknown as RslReplica<S>);
  }

  step(env: HostEnvironment<RslImplMsg>): StepReport {
    const report = this.stepOnce(env);
    if (report.action !== null) {
      const touched = roleChanges[report.action];
      if (touched === undefined) this.abstractCache.clear();
      else for (const role of touched) this.abstractCache.delete(role);
    }
    return report;
  }

  private stepOnce(env: HostEnvironment<RslImplMsg>): StepReport {
    const packet = env.receive();
    if (packet !== null) {
      this.busy = true;
      return this.onPacket(env, packet);
    }
    const nowMs = env.now();
    for (let k = 0; k < 9; k++) {
      const slot = ((this.loopNext - 1 + k) % 9) + 1;
      const report = this.spontaneous(env, slot, nowMs);
      if (report !== null) {
        this.loopNext = (slot % 9) + 1;
        this.busy = true;
        return report;
      }
    }
    this.busy = false;
    return { action: null };
  }

  wakeAfterMs(nowMs: number): number | null {
    if (this.busy) return 0;
    let wake = Math.min(this.nextHeartbeatTime, this.proposer.election.epochEndTime);
    if (this.proposer.batchTimer.on) wake = Math.min(wake, this.proposer.batchTimer.whenMs);
    return Math.max(0, wake - nowMs);
  }

  private broadcast(env: HostEnvironment<RslImplMsg>, msg: RslImplMsg): void {
    for (const dst of this.constants.config.replicaIds) env.send(dst, msg);
  }

  private save(env: HostEnvironment<RslImplMsg>, state: RslDurableState, what: string): boolean {
    const saved = this.persist(state);
    if (saved.ok) return true;
    env.emit(`disk-error ${saved.error.kind}: ${saved.error.detail}; ${what} dropped`);
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Receive actions (slot 0 of the loop).

  private onPacket(env: HostEnvironment<RslImplMsg>, p: Packet<RslImplMsg>): StepReport {
    if (p.dst !== this.id) return { action: null };
    const m = p.msg;
    if (m.type === 'request') return this.onRequest(env, p.src, m.session, m.seqno, m.payload);
    // A reply or hint goes to a session of this host: in the protocol it stands for a packet to
    // another host (`rslPacketAbstraction`), which this replica never receives. Dropped: a stutter.
    if (m.type === 'reply' || m.type === 'leaderHint') return { action: null };
    const j = replicaIndex(this.constants.config, p.src);
    if (j < 0) return { action: 'ignore' };
    switch (m.type) {
      case '1a': {
        if (!this.acceptor.takes1a(m.ballot)) return { action: 'ignore' };
        if (!this.save(env, this.acceptor.durableAfter1a(m.ballot, this.proposer.maxBallotISent1a), '1b')) return { action: null };
        const msg: RslImplMsg = { type: '1b', ballot: m.ballot, logTruncationPoint: this.acceptor.logTruncationPoint, votes: new Map(this.acceptor.votes) };
        this.acceptor.process1a(m.ballot);
        env.send(p.src, msg);
        return { action: 'process1a' };
      }
      case '1b':
        if (!this.proposer.takes1b(p.src, m.ballot)) return { action: 'ignore' };
        this.proposer.received1bs.set(p.src, { logTruncationPoint: m.logTruncationPoint, votes: m.votes });
        this.acceptor.truncateLog(m.logTruncationPoint);
        return { action: 'process1b' };
      case 'startingPhase2':
        if (m.logTruncationPoint <= this.executor.opsComplete) return { action: 'ignore' };
        this.broadcast(env, { type: 'appStateRequest', ballot: m.ballot, opn: m.logTruncationPoint });
        return { action: 'processStartingPhase2' };
      case '2a': {
        if (!this.acceptsTwoA(m.ballot, m.opn)) return { action: 'ignore' };
        if (!this.save(env, this.acceptor.durableAfter2a(m.ballot, m.opn, m.batch, this.proposer.maxBallotISent1a), '2b')) return { action: null };
        this.acceptor.process2a(m.ballot, m.opn, m.batch);
        if (this.learnable(m.opn)) this.learner.process2a(m.ballot, m.opn, m.batch);
        this.broadcast(env, { type: '2b', ballot: m.ballot, opn: m.opn });
        return { action: 'process2a' };
      }
      case '2b': {
        if (!this.learnable(m.opn) || !this.learner.takes2b(m.ballot)) return { action: 'ignore' };
        this.learner.process2b(p.src, m.ballot, m.opn);
        return { action: 'process2b' };
      }
      case 'heartbeat': {
        const nowMs = env.now();
        if (this.proposer.election.processHeartbeat(j, m.ballot, m.suspicious, nowMs)) this.proposer.stepDown();
        this.acceptor.processHeartbeat(j, m.opsComplete);
        return { action: 'processHeartbeat' };
      }
      case 'appStateRequest': {
        const ex = this.executor;
        if (!ex.canSupply(m.ballot, m.opn)) return { action: 'ignore' };
        env.send(p.src, {
          type: 'appStateSupply', ballot: ex.maxBalReflected, opn: ex.opsComplete, state: { app: ex.appState(), replyCache: new Map(ex.replyCache) },
        });
        return { action: 'processAppStateRequest' };
      }
      case 'appStateSupply': {
        if (m.opn <= this.executor.opsComplete) return { action: 'ignore' };
        const applied = this.executor.applySupply(m.ballot, m.opn, m.state.app, m.state.replyCache);
        if (!applied.ok) {
          // A snapshot this service refuses: dropped, as if lost (a stutter).
          env.emit(`refused a state supply from ${p.src}: ${applied.error}`);
          return { action: null };
        }
        this.learner.forgetBefore(m.opn);
        return { action: 'processAppStateSupply' };
      }
      default: {
        const never: never = m;
        throw new TypeError(`unknown IronRSL message ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Appends an executed slot to the executor's log when the log holds every slot before it; else
   * (no checkpoint yet, a state supply, a failed append) the next heartbeat checkpoints instead.
   */
  private logExecuted(env: HostEnvironment<RslImplMsg>, slot: { readonly opn: Opn; readonly ballot: Ballot; readonly batch: RequestBatch }): void {
    if (this.executorLoggedOps !== slot.opn || !this.executorStore.started) return;
    const appended = this.executorStore.append(slot);
    if (appended.ok) this.executorLoggedOps = slot.opn + 1;
    else env.emit(`disk-error ${appended.error.kind}: ${appended.error.detail}; the executor checkpoints at the next heartbeat`);
  }

  /** Makes `state` durable before the packet that announces it is sent (a broken variant of src/rsl/testing.ts does not sync). */
  protected persist(state: RslDurableState): Result<void, DiskError> {
    return this.store.save(state);
  }

    /** The acceptor's guard for a 2a (a broken variant of src/rsl/testing.ts weakens it). */
  protected acceptsTwoA(ballot: ReplicaState<Uint8Array>['acceptor']['maxBal'], opn: Opn): boolean {
    return this.acceptor.takes2a(ballot, opn);
  }

  /** Whether slot `opn` is still to be learnt here: not decided, and within the learner window. */
  private learnable(opn: Opn): boolean {
    const ex = this.executor;
    return (ex.opsComplete < opn || (ex.opsComplete === opn && !ex.nextOp.known)) &&
      withinLearnerWindow(this.constants.params, ex.opsComplete, opn);
  }


  /**
   * A request from session `session` of client host `host`: the protocol's client is
   * `sessionClientId(host, session)`. The host is the packet's authenticated source, so a host can
   * only ever speak for its own sessions. Replies and hints go to the host, with the session.
   */
  private onRequest(env: HostEnvironment<RslImplMsg>, host: HostId, session: number, seqno: number, payload: Uint8Array): StepReport {
    if (payload.length > this.constants.params.requestBytesMax) return { action: 'ignore' };
    const client = this.clientIds.idOf(host, session);
    // A client id too long for a batch on the wire: dropped, as if lost (a stutter).
    if (client === null) return { action: null };
    const cached = this.executor.cachedReply(client, seqno);
    if (cached !== null) {
      env.send(host, { type: 'reply', session, seqno: cached.seqno, reply: cached.reply });
      return { action: 'replyFromCache' };
    }
    const req = { client, seqno, payload };
    this.proposer.election.recordRequest(req);
    this.proposer.queueRequest(req);
    const view = this.proposer.election.currentView;
    if (this.proposer.currentState === 0 && view.proposer !== this.me) {
      env.send(host, { type: 'leaderHint', session, seqno, leader: this.constants.config.replicaIds[view.proposer] ?? '' });
    }
    return { action: 'processRequest' };
  }

  // -------------------------------------------------------------------------------------------
  // Spontaneous actions (slots 1-9 of the loop): the step's report, or null when not enabled.

  private spontaneous(env: HostEnvironment<RslImplMsg>, slot: number, nowMs: number): StepReport | null {
    const { config, params } = this.constants;
    const p = this.proposer;
    switch (slot) {
      case 1: {
        if (!p.canEnterNewView(this.me)) return null;
        const ballot = p.election.currentView;
        if (!this.save(env, this.acceptor.durableNow(ballot), '1a')) return { action: null };
        p.enterNewView();
        this.broadcast(env, { type: '1a', ballot });
        return { action: 'maybeEnterNewView' };
      }
      case 2: {
        const ltp = this.acceptor.logTruncationPoint;
        if (!p.enterPhase2(ltp)) return null;
        this.broadcast(env, { type: 'startingPhase2', ballot: p.maxBallotISent1a, logTruncationPoint: ltp });
        return { action: 'maybeEnterPhase2' };
      }
      case 3: {
        const proposal = p.nominate(this.acceptor.logTruncationPoint, this.executor.opsComplete, nowMs);
        if (proposal === undefined) return null;
        if (proposal !== null) this.broadcast(env, { type: '2a', ballot: p.maxBallotISent1a, opn: proposal.opn, batch: proposal.batch });
        return { action: 'maybeNominate' };
      }
      case 4: {
        const t = this.acceptor.truncationTarget(quorumSize(config));
        if (t === null) return null;
        this.acceptor.truncateLog(t);
        return { action: 'truncateLog' };
      }
      case 5: {
        const ex = this.executor;
        if (ex.nextOp.known) return null;
        const tally = this.learner.unexecuted.get(ex.opsComplete);
        if (tally === undefined || tally.senders.size < quorumSize(config)) return null;
        // The batch is the 2a's at the learner's ballot, as the learner kept it (`executorMakeDecision`).
        const proposal = this.learner.proposed.get(ex.opsComplete);
        if (proposal === undefined || !balEq(proposal.ballot, this.learner.maxBallotSeen)) return null;
        ex.decide(proposal.batch, this.learner.maxBallotSeen);
        return { action: 'maybeMakeDecision' };
      }
      case 6: {
        const ex = this.executor;
        if (!ex.canExecute()) return null;
        const opn = ex.opsComplete;
        const decided = ex.nextOp;
        assert(decided.known, 'execution is enabled only for a decided slot');
        const { replies, batch } = ex.execute();
        this.logExecuted(env, { opn, ballot: decided.ballot, batch });
        this.learner.forgetDecision(opn);
        p.election.recordExecution(batch);
        // Only the replica leading its view answers (`repliesOnExecution`); the others answer resends from the cache.
        if (p.election.currentView.proposer !== this.me) return { action: 'maybeExecute' };
        for (const r of replies) {
          // Replicas batch only requests `onRequest` named, so every client is a session client id.
          const to = this.clientIds.parse(r.client);
          if (to !== null) env.send(to.host, { type: 'reply', session: to.session, seqno: r.seqno, reply: r.reply });
        }
        return { action: 'maybeExecute' };
      }
      case 7:
        return p.election.checkViewTimeout(this.me, nowMs) ? { action: 'checkViewTimeout' } : null;
      case 8:
        if (!p.election.checkQuorumOfSuspicions(config, nowMs) && !(p.cannotLeadView(this.me) && p.election.leaveView(config, nowMs))) return null;
        p.stepDown();
        return { action: 'checkSuspicion' };
      case 9: {
        if (nowMs < this.nextHeartbeatTime) return null;
        // Acceptors truncate below what a quorum reports, so the reported position must survive a crash.
        const ex = this.executor;
        const store = this.executorStore;
        const saved = ex.opsComplete !== this.executorLoggedOps || store.checkpointDue ? store.checkpoint(() => ex.durable()) : store.sync();
        if (!saved.ok) {
          env.emit(`disk-error ${saved.error.kind}: ${saved.error.detail}; heartbeat dropped`);
          return { action: null };
        }
        this.executorLoggedOps = ex.opsComplete;
        const e = p.election;
        this.nextHeartbeatTime = addSat(nowMs, params.heartbeatPeriodMs, params.integerMax);
        this.broadcast(env, { type: 'heartbeat', ballot: e.currentView, suspicious: e.suspectors.has(this.me), opsComplete: this.executor.opsComplete });
        // Behind the truncation point: ask for state now rather than at the next view change (`stateRequestIfBehind`).
        const ltp = this.acceptor.logTruncationPoint;
        if (ltp > ex.opsComplete) this.broadcast(env, { type: 'appStateRequest', ballot: e.currentView, opn: ltp });
        return { action: 'sendHeartbeat' };
      }
      default:
        return null;
    }
  }

  /**
   * The protocol state. Each role's part is copied once and handed out until a step whose action
   * changes that role (`roleChanges`), so the monitor's before and after states share the roles a
   * step left alone, and comparing them is cheap. A step reporting a stutter or `ignore` keeps
   * every role: should it change one all the same, the next step that changes that role exposes it
   * (its before state is then the stale copy, which the protocol step does not lead to).
   */
  abstract(): ReplicaState<Uint8Array> {
    const c = this.abstractCache;
    const proposer = c.get('proposer') ?? this.proposer.abstract();
    const acceptor = c.get('acceptor') ?? this.acceptor.abstract();
    const learner = c.get('learner') ?? this.learner.abstract();
    const executor = c.get('executor') ?? this.executor.abstract();
    c.set('proposer', proposer).set('acceptor', acceptor).set('learner', learner).set('executor', executor);
    return { constants: this.constants, me: this.me, nextHeartbeatTime: this.nextHeartbeatTime, proposer, acceptor, learner, executor } as ReplicaState<Uint8Array>;
  }

  /**
   * The protocol state over app versions (`serviceVersionSpec`, src/rsl/app-version.ts): as
   * `abstract()`, with the executor's app the version its service recorded, so taking it costs no
   * serialization. What `rsl serve --checked` monitors (src/rsl/checked.ts).
   */
  abstractVersions(): ReplicaState<AppVersion> {
    const c = this.abstractCache;
    const proposer = c.get('proposer') ?? this.proposer.abstract();
    const acceptor = c.get('acceptor') ?? this.acceptor.abstract();
    const learner = c.get('learner') ?? this.learner.abstract();
    // A serialization (the executor's save before a heartbeat, a state supply) makes the recorded
    // version the root of the snapshot taken, whatever role the step changed: retaken then, so the
    // monitor compares that snapshot with the version's content in the step that took it.
    const cached = c.get('executorVersions') as ExecutorState<AppVersion> | undefined;
    const executor = cached !== undefined && cached.app === this.executor.appVersion() ? cached : this.executor.abstractVersions();
    c.set('proposer', proposer).set('acceptor', acceptor).set('learner', learner).set('executorVersions', executor);
    return { constants: this.constants, me: this.me, nextHeartbeatTime: this.nextHeartbeatTime, proposer, acceptor, learner, executor } as ReplicaState<AppVersion>;
  }
}

/** What the abstraction caches per role; the executor in both forms (`abstract`, `abstractVersions`). */
interface RoleAbstractions {
  readonly proposer: ReplicaState<Uint8Array>['proposer'];
  readonly acceptor: ReplicaState<Uint8Array>['acceptor'];
  readonly learner: ReplicaState<Uint8Array>['learner'];
  readonly executor: ExecutorState<Uint8Array>;
  readonly executorVersions: ExecutorState<AppVersion>;
}

/** A replica's roles, as the abstraction caches them. */
type Role = keyof RoleAbstractions;

/** Both forms of the executor's abstraction. */
const executorRoles: readonly Role[] = ['executor', 'executorVersions'];

/**
 * Which roles each protocol action may change (docs/rsl.md §3-§5); an action not listed clears
 * every cached role. `sendHeartbeat` changes only `nextHeartbeatTime`, which is never cached.
 */
const roleChanges: Readonly<Record<string, readonly Role[]>> = {
  ignore: [],
  replyFromCache: [],
  processStartingPhase2: [],
  processAppStateRequest: [],
  sendHeartbeat: [],
  processRequest: ['proposer'],
  process1a: ['acceptor'],
  process1b: ['proposer', 'acceptor'],
  process2a: ['acceptor', 'learner'],
  process2b: ['learner'],
  processHeartbeat: ['proposer', 'acceptor'],
  processAppStateSupply: [...executorRoles, 'learner'],
  maybeEnterNewView: ['proposer'],
  maybeEnterPhase2: ['proposer'],
  maybeNominate: ['proposer'],
  truncateLog: ['acceptor'],
  maybeMakeDecision: executorRoles,
  maybeExecute: [...executorRoles, 'learner', 'proposer'],
  checkViewTimeout: ['proposer'],
  checkSuspicion: ['proposer'],
};
