import type { DiskError, DurableStore } from '../../framework/host.js';
import { DurableRecord } from '../../framework/durable-record.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
import { array, record, u64 } from '../../marshal/grammar.js';
import { compileCodec } from '../../marshal/compile.js';
import type { Ballot, Opn, Vote } from '../protocol/types.js';
import { rslBallotGrammar, rslVoteGrammar, rslVotesLengthMax } from '../wire.js';

/**
 * What an IronRSL replica keeps across a crash (docs/rsl.md §7, "Implementation"): the acceptor's
 * promise, votes and truncation point, written and synced before any 1b or 2b that depends on
 * them, and the highest ballot the proposer sent a 1a for, synced before that 1a (a restarted
 * leader must never reuse a ballot). Everything else restarts from its initial value: the
 * executor catches up by state transfer, the election and learner relearn from the network.
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
export class RslStateStore {
  private readonly record: DurableRecord;

  constructor(disk: DurableStore) {
    this.record = new DurableRecord(disk, 'rsl-replica');
  }

  /**
   * The last synced state, or null on a fresh disk. An error when the disk cannot be read or holds
   * no intact record: starting fresh then could break a promise, so the replica must not start.
   */
  recover(): Result<RslDurableState | null, DiskError> {
    const r = this.record.recover();
    if (!r.ok) return r;
    if (r.value === null) return ok(null);
    const state = rslDurableCodec.decode(r.value);
    return state.ok ? ok(state.value) : err({ kind: 'corrupt', detail: `the replica record is intact but not a replica state: ${state.error.message}` });
  }

  /** Writes `state` and syncs it. Nothing may depend on it until this is ok. */
  save(state: RslDurableState): Result<void, DiskError> {
    return this.record.save(rslDurableCodec.encode(state));
  }
}
