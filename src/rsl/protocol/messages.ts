import { sameBytes } from '../../core/bytes.js';
import { unreachable } from '../../core/assert.js';
import type { HostId } from '../../framework/types.js';
import type { Ballot, Opn, RequestBatch, ServiceSnapshot, Votes } from './types.js';
import { balEq, equalBatch, equalReplyCache, equalVotes } from './types.js';

/**
 * IronRSL's messages (docs/rsl.md §3): IronFleet's ten `RslMessage` cases with camelCase fields,
 * plus the leader hint **[ours]**. The client of a request and the destination of a reply are the
 * packet's `src` and `dst`, not fields. `A` is the app state, carried by state transfer.
 */
export type RslMsg<A> =
  /** Client -> replica: execute `payload` as the client's request `seqno`. */
  | { readonly type: 'request'; readonly seqno: number; readonly payload: Uint8Array }
  /** Broadcast by a new leader: promise not to accept below `ballot`. */
  | { readonly type: '1a'; readonly ballot: Ballot }
  /** To the 1a's sender: the promise, with the acceptor's truncation point and votes. */
  | { readonly type: '1b'; readonly ballot: Ballot; readonly logTruncationPoint: Opn; readonly votes: Votes }
  /** Broadcast by the leader: accept `batch` in slot `opn` at `ballot`. */
  | { readonly type: '2a'; readonly ballot: Ballot; readonly opn: Opn; readonly batch: RequestBatch }
  /**
   * Broadcast by an acceptor: it accepted the 2a of slot `opn` at `ballot`. **[ours]** It names the
   * slot, not the batch: a ballot's leader proposes one batch per slot, which every acceptor that
   * took the 2a holds as its vote (IronFleet's 2b carries the batch again).
   */
  | { readonly type: '2b'; readonly ballot: Ballot; readonly opn: Opn }
  /** Broadcast: the sender's view, whether it suspects it, and its executed count (IronFleet's `opn_ckpt`). */
  | { readonly type: 'heartbeat'; readonly ballot: Ballot; readonly suspicious: boolean; readonly opsComplete: Opn }
  /** Replica -> client: the app's reply to request `seqno`. */
  | { readonly type: 'reply'; readonly seqno: number; readonly reply: Uint8Array }
  /** Broadcast by a replica behind `opn`: who can supply the state after slot `opn - 1`? */
  | { readonly type: 'appStateRequest'; readonly ballot: Ballot; readonly opn: Opn }
  /** To the requester: the service state after executing slots `0 .. opn - 1`. */
  | { readonly type: 'appStateSupply'; readonly ballot: Ballot; readonly opn: Opn; readonly state: ServiceSnapshot<A> }
  /** Broadcast by a leader entering phase 2 at `logTruncationPoint`. */
  | { readonly type: 'startingPhase2'; readonly ballot: Ballot; readonly logTruncationPoint: Opn }
  /** **[ours]** Replica -> client, from a replica that does not lead: send request `seqno` to `leader`. */
  | { readonly type: 'leaderHint'; readonly seqno: number; readonly leader: HostId };

/** The message types, as a union of names. */
export type RslMsgType = RslMsg<unknown>['type'];

/** The message of type `T`. */
export type RslMsgOf<A, T extends RslMsgType> = Extract<RslMsg<A>, { readonly type: T }>;

/**
 * Structural equality of messages. The app state carried by `appStateSupply` is compared with
 * `appEqual`, the app's own equality.
 */
export function equalMsg<A>(appEqual: (a: A, b: A) => boolean, a: RslMsg<A>, b: RslMsg<A>): boolean {
  switch (a.type) {
    case 'request':
      return b.type === 'request' && a.seqno === b.seqno && sameBytes(a.payload, b.payload);
    case '1a':
      return b.type === '1a' && balEq(a.ballot, b.ballot);
    case '1b':
      return b.type === '1b' && balEq(a.ballot, b.ballot) && a.logTruncationPoint === b.logTruncationPoint && equalVotes(a.votes, b.votes);
    case '2a':
      return b.type === '2a' && balEq(a.ballot, b.ballot) && a.opn === b.opn && equalBatch(a.batch, b.batch);
    case '2b':
      return b.type === '2b' && balEq(a.ballot, b.ballot) && a.opn === b.opn;
    case 'heartbeat':
      return b.type === 'heartbeat' && balEq(a.ballot, b.ballot) && a.suspicious === b.suspicious && a.opsComplete === b.opsComplete;
    case 'reply':
      return b.type === 'reply' && a.seqno === b.seqno && sameBytes(a.reply, b.reply);
    case 'appStateRequest':
      return b.type === 'appStateRequest' && balEq(a.ballot, b.ballot) && a.opn === b.opn;
    case 'appStateSupply':
      return b.type === 'appStateSupply' && balEq(a.ballot, b.ballot) && a.opn === b.opn &&
        appEqual(a.state.app, b.state.app) && equalReplyCache(a.state.replyCache, b.state.replyCache);
    case 'startingPhase2':
      return b.type === 'startingPhase2' && balEq(a.ballot, b.ballot) && a.logTruncationPoint === b.logTruncationPoint;
    case 'leaderHint':
      return b.type === 'leaderHint' && a.seqno === b.seqno && a.leader === b.leader;
    default:
      return unreachable(a, 'message');
  }
}
