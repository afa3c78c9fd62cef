import type { HostId } from '../../framework/types.js';
import type { AppSpec } from '../spec.js';
import type { LearnerRoleState } from './learner.js';
import type { Ballot, Opn, Reply, ReplyCache, RequestBatch, RslParams, ServiceSnapshot } from './types.js';
import { balEq, balLeq, balMax, ballotZero, equalReply } from './types.js';
import { withEntries } from './shared-map.js';

/**
 * The executor (docs/rsl.md §4.4, IronFleet's `Executor.i.dfy`): executes decided slots in order,
 * answers clients, and moves a replica that fell behind the truncation point forward by state
 * transfer. Beyond IronFleet **[ours]**: exactly once. A request whose client already has a reply
 * for that seqno or a later one is not executed again, and the reply cache travels with the app
 * state in a state transfer.
 */

/** The decided, not yet executed slot `opsComplete`. */
export type NextOp =
  | { readonly known: true; readonly batch: RequestBatch; readonly ballot: Ballot }
  | { readonly known: false };

/** One replica's executor state. */
export interface ExecutorState<A> {
  /**
   * The app after executing slots `0 .. opsComplete - 1`. Invariant: equal on every replica at the
   * same position, and to the spec's app after the chosen prefix of that length.
   */
  readonly app: A;
  /** Slots executed. Invariants: never decreases; at most the length of the chosen prefix. */
  readonly opsComplete: Opn;
  /** The highest ballot of a decision executed or a state supplied. */
  readonly maxBalReflected: Ballot;
  /** Invariant: when known, its batch is the value chosen in slot `opsComplete`. */
  readonly nextOp: NextOp;
  /** Per client, its latest reply. Invariant: at most `clientsMax` clients; `replyCache.get(c).client === c`. */
  readonly replyCache: ReplyCache;
}

/** The initial executor: nothing executed. */
export function executorInit<A>(app: AppSpec<A>): ExecutorState<A> {
  return { app: app.init(), opsComplete: 0, maxBalReflected: ballotZero, nextOp: { known: false }, replyCache: new Map() };
}

/**
 * Executes `batch` on a service snapshot with the exactly-once rule: a request whose client has a
 * cached reply at its seqno or later is skipped (the cached reply is resent if its seqno is the
 * request's); a new client beyond `clientsMax` is skipped with no reply; every other request is
 * applied, cached and answered.
 */
export function executeOnSnapshot<A>(
  app: AppSpec<A>, params: RslParams, snapshot: ServiceSnapshot<A>, batch: RequestBatch,
): { readonly snapshot: ServiceSnapshot<A>; readonly replies: readonly Reply[] } {
  let state = snapshot.app;
  // The entries this batch sets, applied to the cache at the end: the cost is the batch's, not the cache's.
  const changes = new Map<HostId, Reply>();
  let clients = snapshot.replyCache.size;
  const replies: Reply[] = [];
  for (const r of batch) {
    const cached = changes.get(r.client) ?? snapshot.replyCache.get(r.client);
    if (cached !== undefined && cached.seqno >= r.seqno) {
      if (cached.seqno === r.seqno) replies.push(cached);
      continue;
    }
    if (cached === undefined && clients >= params.clientsMax) continue;
    const out = app.apply(state, r.payload);
    state = out.state;
    const reply: Reply = { client: r.client, seqno: r.seqno, reply: out.reply };
    if (cached === undefined) clients++;
    changes.set(r.client, reply);
    replies.push(reply);
  }
  // Replies equal to those the implementation cached give its cache back (equal entries), so the
  // monitor compares the caches by reference rather than entry by entry.
  return { snapshot: { app: state, replyCache: withEntries(snapshot.replyCache, changes, equalReply) }, replies };
}

/**
 * A decision (IronFleet's `LExecutorGetDecision`): null unless the next slot is undecided here, the
 * learner holds a quorum of senders for it, and the learner keeps the 2a proposed there at the
 * learner's ballot. **[ours]** The batch decided is that 2a's: a 2b names only its slot and ballot,
 * and every 2a at one ballot and slot carries the one batch that ballot's leader proposed there
 * (`twoAsAgree`). A replica that missed that 2a waits for a later ballot's, or catches up by state
 * transfer (`stateRequestIfBehind`).
 */
export function executorMakeDecision<A>(ex: ExecutorState<A>, learner: LearnerRoleState, quorum: number): ExecutorState<A> | null {
  if (ex.nextOp.known) return null;
  const tuple = learner.unexecuted.get(ex.opsComplete);
  if (tuple === undefined || tuple.senders.size < quorum) return null;
  const proposal = learner.proposed.get(ex.opsComplete);
  if (proposal === undefined || !balEq(proposal.ballot, learner.maxBallotSeen)) return null;
  return { ...ex, nextOp: { known: true, batch: proposal.batch, ballot: learner.maxBallotSeen } };
}

/** What executing the next slot did: the executor after it, the replies to send, and the batch. */
export interface Execution<A> {
  readonly executor: ExecutorState<A>;
  readonly replies: readonly Reply[];
  readonly batch: RequestBatch;
}

/** Executes the decided next slot (IronFleet's `LExecutorExecute`); null if none is decided or at the bound. */
export function executorExecute<A>(ex: ExecutorState<A>, app: AppSpec<A>, params: RslParams): Execution<A> | null {
  if (!ex.nextOp.known || ex.opsComplete >= params.integerMax) return null;
  const { snapshot, replies } = executeOnSnapshot(app, params, { app: ex.app, replyCache: ex.replyCache }, ex.nextOp.batch);
  return {
    executor: {
      app: snapshot.app,
      replyCache: snapshot.replyCache,
      opsComplete: ex.opsComplete + 1,
      maxBalReflected: balMax(ex.maxBalReflected, ex.nextOp.ballot),
      nextOp: { known: false },
    },
    replies,
    batch: ex.nextOp.batch,
  };
}

/** The cached reply for a request `seqno` of `client`, if the cache holds one at that seqno or later. */
export function executorCachedReply<A>(ex: ExecutorState<A>, client: HostId, seqno: number): Reply | null {
  const cached = ex.replyCache.get(client);
  return cached !== undefined && cached.seqno >= seqno ? cached : null;
}

/**
 * Whether this executor can supply its state to a replica asking for `opn` in `ballot`
 * (IronFleet's `LExecutorProcessAppStateRequest`): it has executed that far, and reflects no ballot above the request's.
 */
export function executorCanSupply<A>(ex: ExecutorState<A>, ballot: Ballot, opn: Opn): boolean {
  return balLeq(ex.maxBalReflected, ballot) && ex.opsComplete >= opn;
}

/** The executor after taking a supplied state of `opn` executed slots at `ballot` (IronFleet's `LExecutorProcessAppStateSupply`). */
export function executorApplySupply<A>(ex: ExecutorState<A>, ballot: Ballot, opn: Opn, state: ServiceSnapshot<A>): ExecutorState<A> | null {
  if (opn <= ex.opsComplete) return null;
  return { app: state.app, replyCache: state.replyCache, opsComplete: opn, maxBalReflected: ballot, nextOp: { known: false } };
}
