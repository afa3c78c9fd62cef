import type { DurableStore } from '../../framework/host.js';
import { CodecRecord } from '../../framework/durable-record.js';
import { array, bytes, record, u64 } from '../../marshal/grammar.js';
import { compileCodec } from '../../marshal/compile.js';
import type { Ballot, Opn, Reply, Vote } from '../protocol/types.js';
import {
  rslAppStateBytesMax, rslBallotGrammar, rslReplyCacheLengthMax, rslReplyGrammar, rslVoteGrammar, rslVotesLengthMax,
} from '../wire.js';

/**
 * What an IronRSL replica keeps across a crash (docs/rsl.md §7, "Implementation"): the acceptor's
 * promise, votes and truncation point, written and synced before any 1b or 2b that depends on
 * them, and the highest ballot the proposer sent a 1a for, synced before that 1a (a restarted
 * leader must never reuse a ballot). The executor's state is a second record
 * (`RslExecutorDurableState`). Everything else restarts from its initial value: the election and
 * learner relearn from the network.
 */
export interface RslDurableState {
  readonly maxBal: Ballot;
  readonly logTruncationPoint: Opn;
  /** The votes, in ascending slot order. */
  readonly votes: readonly (Vote & { readonly opn: Opn })[];
  readonly maxBallotISent1a: Ballot;
}

const rslDurableCodec = compileCodec(record({
  maxBal: rslBallotGrammar,
  logTruncationPoint: u64(),
  votes: array(rslVoteGrammar, rslVotesLengthMax),
  maxBallotISent1a: rslBallotGrammar,
}), 'RslDurableState');

/** Reads and writes a replica's durable state, as one DurableRecord. */
export class RslStateStore extends CodecRecord<RslDurableState> {
  constructor(disk: DurableStore) {
    super(disk, 'rsl-replica', rslDurableCodec, 'replica state');
  }
}

/**
 * The executor's part of what a replica keeps across a crash (docs/rsl.md §7): its position, the
 * highest ballot reflected and the service snapshot with the reply cache, synced before any
 * heartbeat that reports that `opsComplete`. Acceptors truncate their logs below the position a
 * quorum reports, so a replica that lost an executed prefix it had reported could leave no
 * replica able to supply it.
 */
export interface RslExecutorDurableState {
  readonly opsComplete: Opn;
  readonly maxBalReflected: Ballot;
  /** The service's snapshot. */
  readonly app: Uint8Array;
  /** The reply cache, in ascending client order. */
  readonly replyCache: readonly Reply[];
}

const rslExecutorDurableCodec = compileCodec(record({
  opsComplete: u64(),
  maxBalReflected: rslBallotGrammar,
  app: bytes(rslAppStateBytesMax),
  replyCache: array(rslReplyGrammar, rslReplyCacheLengthMax),
}), 'RslExecutorDurableState');

/** Reads and writes a replica executor's durable state, as one DurableRecord. */
export class RslExecutorStore extends CodecRecord<RslExecutorDurableState> {
  constructor(disk: DurableStore) {
    super(disk, 'rsl-executor', rslExecutorDurableCodec, 'executor state');
  }
}
