import { sameBytes } from '../../core/bytes.js';
import type { HostId } from '../../framework/types.js';
import type { AppSpec } from '../spec.js';
import type { AcceptorState } from './acceptor.js';
import type { ElectionState } from './election.js';
import type { ExecutorState, NextOp } from './executor.js';
import type { LearnerRoleState } from './learner.js';
import type { RslMsg, RslMsgOf, RslMsgType } from './messages.js';
import type { Held1b, ProposerState } from './proposer.js';
import type { ReplicaState } from './replica.js';
import type { RequestList } from './request-list.js';
import { SharedRequestList } from './request-list.js';
import type { Ballot, LearnerTuple, Proposal, Reply, ReplyCache, Request, RequestBatch, ServiceSnapshot, Vote } from './types.js';
import { plainEqual } from './types.js';

/**
 * Equality of IronRSL replica states and messages as the refinement monitor needs it on every
 * step: the same relation as `plainEqual` and `equalMsg` (app states by the app's `equal`), but
 * comparing by reference first at every level. The states compared share most of their parts:
 * the implementation's abstraction hands out a role's copy until a step changes the role, a
 * protocol step copies only what it changes, and the copies of a changed role still hold the same
 * requests, batches and replies. So a comparison costs about what the step changed, not the size
 * of the queues, votes and caches around it.
 *
 * Each record type is compared field by field through a table typed with every field of its type
 * (`FieldEquality`): a field added to a protocol type does not compile here until it is compared.
 */

/** One comparison per field of `T`, each field required. */
type FieldEquality<T> = { readonly [K in keyof T]-?: (a: T[K], b: T[K]) => boolean };

/** Equality of records of type `T`: the same object, or every field equal by its comparison in `fields`. */
function byFields<T extends object>(fields: FieldEquality<T>): (a: T, b: T) => boolean {
  const keys = Object.keys(fields) as (keyof T)[];
  return (a, b) => {
    if (a === b) return true;
    for (const k of keys) {
      const equal = fields[k] as (x: T[keyof T], y: T[keyof T]) => boolean;
      if (!equal(a[k], b[k])) return false;
    }
    return true;
  };
}

/**
 * Equality of maps whose values are compared by `value`, by reference first (a `SharedMap` the
 * protocol derived with the implementation's changes is the implementation's view itself).
 */
function byEntries<K, V>(value: (a: V, b: V) => boolean): (a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>) => boolean {
  return (a, b) => {
    if (a === b) return true;
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      const w = b.get(k);
      if (w === undefined ? !b.has(k) || v !== undefined : v !== w && !value(v, w)) return false;
    }
    return true;
  };
}

const same = <T>(a: T, b: T): boolean => Object.is(a, b);

const sameBallot = (a: Ballot, b: Ballot): boolean => a === b || (a.seqno === b.seqno && a.proposer === b.proposer);

const sameRequest = byFields<Request>({ client: same, seqno: same, payload: sameBytes });

/** Whether two batches (or request lists) hold the same requests in the same order, by reference first. */
export function sameBatch(a: RequestBatch, b: RequestBatch): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const r = a[i];
    const q = b[i];
    if (r !== q && (r === undefined || q === undefined || !sameRequest(r, q))) return false;
  }
  return true;
}

/**
 * Whether two request lists (the queue, the election's lists) hold the same requests in the same
 * order: the same object or the same window of one shared buffer at once, else request by request.
 */
export function sameRequestList(a: RequestList, b: RequestList): boolean {
  if (a === b) return true;
  if (a instanceof SharedRequestList && b instanceof SharedRequestList && a.sharesWindow(b)) return true;
  if (a.length !== b.length) return false;
  const rest = b[Symbol.iterator]();
  for (const r of a) {
    const q = rest.next();
    if (q.done === true || (r !== q.value && !sameRequest(r, q.value))) return false;
  }
  return true;
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

const sameVote = byFields<Vote>({ maxVBal: sameBallot, maxVal: sameBatch });
const sameVotes = byEntries<number, Vote>(sameVote);
const sameHeld1b = byFields<Held1b>({ logTruncationPoint: same, votes: sameVotes });
const sameReply = byFields<Reply>({ client: same, seqno: same, reply: sameBytes });

/**
 * Whether two reply caches are equal (`equalReplyCache`), by reference first: the protocol's cache
 * after a batch the implementation executed alike is the implementation's view (`SharedMap`).
 */
export const sameReplyCache: (a: ReplyCache, b: ReplyCache) => boolean = byEntries<HostId, Reply>(sameReply);

const sameNextOp = (a: NextOp, b: NextOp): boolean =>
  a === b || (a.known ? b.known && sameBallot(a.ballot, b.ballot) && sameBatch(a.batch, b.batch) : !b.known);

const sameElection = byFields<ElectionState>({
  currentView: sameBallot, epochEndTime: same, epochLengthMs: same, suspectors: sameSet, requestsThisEpoch: sameRequestList, requestsPrevEpochs: sameRequestList,
});

const sameProposer = byFields<ProposerState>({
  currentState: same,
  nextOpnToPropose: same,
  maxBallotISent1a: sameBallot,
  batchTimer: plainEqual,
  requestQueue: sameRequestList,
  received1bs: byEntries(sameHeld1b),
  highestSeqnoThisView: byEntries(same),
  election: sameElection,
});

const sameAcceptor = byFields<AcceptorState>({ logTruncationPoint: same, maxBal: sameBallot, lastCheckpointed: sameNumbers, votes: sameVotes });

const sameLearner = byFields<LearnerRoleState>({
  maxBallotSeen: sameBallot,
  unexecuted: byEntries(byFields<LearnerTuple>({ senders: sameSet })),
  proposed: byEntries(byFields<Proposal>({ ballot: sameBallot, batch: sameBatch })),
});

/** Equality of replica states of `app` (`equalReplica`), by reference first; the app states by `app.equal`. */
export function replicaEquality<A>(app: AppSpec<A>): (a: ReplicaState<A>, b: ReplicaState<A>) => boolean {
  const sameExecutor = byFields<ExecutorState<A>>({
    opsComplete: same, maxBalReflected: sameBallot, nextOp: sameNextOp, replyCache: sameReplyCache, app: (x, y) => app.equal(x, y),
  });
  return byFields<ReplicaState<A>>({
    me: same,
    nextHeartbeatTime: same,
    constants: plainEqual,
    executor: sameExecutor,
    acceptor: sameAcceptor,
    learner: sameLearner,
    proposer: sameProposer,
  });
}

/** Equality of messages whose app states are compared by `appEqual` (`equalMsg`), by reference first. */
export function messageEquality<A>(appEqual: (a: A, b: A) => boolean): (a: RslMsg<A>, b: RslMsg<A>) => boolean {
  const sameSnapshot = byFields<ServiceSnapshot<A>>({ replyCache: sameReplyCache, app: appEqual });
  const tables: { readonly [T in RslMsgType]: (a: RslMsgOf<A, T>, b: RslMsgOf<A, T>) => boolean } = {
    request: byFields<RslMsgOf<A, 'request'>>({ type: same, seqno: same, payload: sameBytes }),
    '1a': byFields<RslMsgOf<A, '1a'>>({ type: same, ballot: sameBallot }),
    '1b': byFields<RslMsgOf<A, '1b'>>({ type: same, ballot: sameBallot, logTruncationPoint: same, votes: sameVotes }),
    '2a': byFields<RslMsgOf<A, '2a'>>({ type: same, ballot: sameBallot, opn: same, batch: sameBatch }),
    '2b': byFields<RslMsgOf<A, '2b'>>({ type: same, ballot: sameBallot, opn: same }),
    heartbeat: byFields<RslMsgOf<A, 'heartbeat'>>({ type: same, ballot: sameBallot, suspicious: same, opsComplete: same }),
    reply: byFields<RslMsgOf<A, 'reply'>>({ type: same, seqno: same, reply: sameBytes }),
    appStateRequest: byFields<RslMsgOf<A, 'appStateRequest'>>({ type: same, ballot: sameBallot, opn: same }),
    appStateSupply: byFields<RslMsgOf<A, 'appStateSupply'>>({ type: same, ballot: sameBallot, opn: same, state: sameSnapshot }),
    startingPhase2: byFields<RslMsgOf<A, 'startingPhase2'>>({ type: same, ballot: sameBallot, logTruncationPoint: same }),
    leaderHint: byFields<RslMsgOf<A, 'leaderHint'>>({ type: same, seqno: same, leader: same }),
  };
  return (a, b) => {
    if (a === b) return true;
    if (a.type !== b.type) return false;
    const equal = tables[a.type] as (x: RslMsg<A>, y: RslMsg<A>) => boolean;
    return equal(a, b);
  };
}
