import type { DiskError, DurableStore } from '../../framework/host.js';
import { CodecLog } from '../../framework/durable-log.js';
import type { Result } from '../../core/result.js';
import { ok } from '../../core/result.js';
import { array, bytes, record, u64, union } from '../../marshal/grammar.js';
import { compileCodec } from '../../marshal/compile.js';
import type { Ballot, Opn, Reply, RequestBatch, Vote } from '../protocol/types.js';
import { balEq } from '../protocol/types.js';
import {
  rslAppStateBytesMax, rslBallotGrammar, rslBatchGrammar, rslReplyCacheLengthMax, rslReplyGrammar, rslVoteGrammar, rslVotesLengthMax,
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

/**
 * One change to a replica's durable state, as the write-ahead log keeps it: a promise, a vote
 * (which also promises its ballot), a truncation point, or the ballot of a 1a sent.
 */
const rslDurableChangeCodec = compileCodec(union('type', {
  promise: record({ maxBal: rslBallotGrammar }),
  vote: rslVoteGrammar,
  truncate: record({ logTruncationPoint: u64() }),
  sent1a: record({ maxBallotISent1a: rslBallotGrammar }),
}), 'RslDurableChange');

type RslDurableChange = Parameters<typeof rslDurableChangeCodec.encode>[0];

/**
 * Change records a log may hold before the state is written whole again (a checkpoint), in bytes:
 * it bounds the log, and so recovery, to a few MiB (a vote of a full batch is about 20 KiB).
 */
export const rslLogCheckpointAfterBytes = 4 * 1024 * 1024;

/**
 * Reads and writes a replica's durable state in a write-ahead log (`DurableLog`): each `save`
 * appends what changed since the last one (the promise, new votes, the truncation point, the 1a
 * ballot) rather than the whole state, and writes the state whole again once the changes pass
 * `rslLogCheckpointAfterBytes`. Under group commit (src/net/group-commit.ts) the saves of one turn
 * of the event loop share one sync.
 */
export class RslStateStore {
  private readonly log: CodecLog<RslDurableState, RslDurableChange>;
  /** The state last saved or recovered; null before either. */
  private last: RslDurableState | null = null;
  /** `last`'s votes by slot, to find the ones a save adds or changes. */
  private readonly lastVotes = new Map<Opn, Vote>();
  /** What recovery dropped (a torn tail), in words, or null. */
  recoveryNote: string | null = null;

  /** A store on `disk`, writing the state whole once `checkpointAfterBytes` of changes were logged. */
  constructor(private readonly disk: DurableStore, private readonly checkpointAfterBytes = rslLogCheckpointAfterBytes) {
    this.log = new CodecLog(disk, 'rsl-replica-log', 'the replica log', rslDurableCodec, rslDurableChangeCodec);
  }

  /** The state last saved, or null when nothing was; an error when the disk cannot be read or is damaged. */
  recover(): Result<RslDurableState | null, DiskError> {
    const r = this.log.recover();
    if (!r.ok || r.value === null) return r as Result<null, DiskError>;
    this.recoveryNote = r.value.dropped;
    const state = r.value.changes.reduce(applyChange, r.value.state);
    this.remember(state);
    return ok(state);
  }

  /** Makes `state` durable (`record`, then a sync); nothing may depend on it until this is ok. */
  save(state: RslDurableState): Result<void, DiskError> {
    const r = this.record(state);
    return r.ok && this.disk.volatile !== true ? this.disk.sync() : r;
  }

  /**
   * Writes `state` to the log without the sync that makes it durable: what changed since the last
   * save is appended (or a checkpoint written, which syncs). `save` is this and a sync.
   */
  record(state: RslDurableState): Result<void, DiskError> {
    if (this.disk.volatile === true) return ok(undefined);
    const changes = this.last === null ? null : this.changesTo(state);
    if (changes === null || this.log.bytesSinceCheckpoint >= this.checkpointAfterBytes) {
      const c = this.log.checkpoint(() => state);
      if (!c.ok) return c;
    } else {
      for (const change of changes) {
        const a = this.log.append(change);
        if (!a.ok) return a;
      }
    }
    this.remember(state);
    return ok(undefined);
  }

  /** The changes that turn the last saved state into `next`, or null when a checkpoint must say it (a vote gone above the truncation point). */
  private changesTo(next: RslDurableState): RslDurableChange[] | null {
    const last = this.last;
    if (last === null) return null;
    const out: RslDurableChange[] = [];
    if (!balEq(last.maxBallotISent1a, next.maxBallotISent1a)) out.push({ type: 'sent1a', maxBallotISent1a: next.maxBallotISent1a });
    if (!balEq(last.maxBal, next.maxBal)) out.push({ type: 'promise', maxBal: next.maxBal });
    if (next.logTruncationPoint !== last.logTruncationPoint) {
      if (next.logTruncationPoint < last.logTruncationPoint) return null;
      out.push({ type: 'truncate', logTruncationPoint: next.logTruncationPoint });
    }
    let kept = 0;
    for (const v of next.votes) {
      const had = this.lastVotes.get(v.opn);
      if (had !== undefined) kept++;
      // Batches are never changed once made: the same array is the same batch.
      if (had === undefined || had.maxVal !== v.maxVal || !balEq(had.maxVBal, v.maxVBal)) {
        out.push({ type: 'vote', opn: v.opn, maxVBal: v.maxVBal, maxVal: v.maxVal });
      }
    }
    // A slot voted before, not truncated, and without a vote now: no change record says that.
    let standing = 0;
    for (const opn of this.lastVotes.keys()) if (opn >= next.logTruncationPoint) standing++;
    return standing === kept ? out : null;
  }

  private remember(state: RslDurableState): void {
    this.last = state;
    this.lastVotes.clear();
    for (const v of state.votes) this.lastVotes.set(v.opn, v);
  }
}

/** `s` with `change` made: what replaying the log does. */
function applyChange(s: RslDurableState, change: RslDurableChange): RslDurableState {
  switch (change.type) {
    case 'sent1a':
      return { ...s, maxBallotISent1a: change.maxBallotISent1a };
    case 'promise':
      return { ...s, maxBal: change.maxBal };
    case 'truncate':
      return { ...s, logTruncationPoint: change.logTruncationPoint, votes: s.votes.filter((v) => v.opn >= change.logTruncationPoint) };
    case 'vote': {
      const vote = { opn: change.opn, maxVBal: change.maxVBal, maxVal: change.maxVal };
      const votes = s.votes.filter((v) => v.opn !== change.opn);
      votes.push(vote);
      votes.sort((a, b) => a.opn - b.opn);
      return { ...s, votes };
    }
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

/** One executed slot as the executor's log keeps it: the batch decided there, at `ballot`. */
export interface RslExecutedSlot {
  readonly opn: Opn;
  readonly ballot: Ballot;
  readonly batch: RequestBatch;
}

const rslExecutedSlotCodec = compileCodec(record({ opn: u64(), ballot: rslBallotGrammar, batch: rslBatchGrammar }), 'RslExecutedSlot');

/** What an executor's log holds: its state at a checkpoint and the slots executed since, in order. */
export interface RslExecutorRecovery {
  readonly checkpoint: RslExecutorDurableState;
  readonly executed: readonly RslExecutedSlot[];
}

/**
 * Reads and writes a replica executor's durable state in a write-ahead log (`DurableLog`): a
 * checkpoint (position, ballot, the service's snapshot and the reply cache) and, after it, every
 * slot executed since, so executing a batch costs an append of the batch, and the service is
 * serialized only for a checkpoint (when the log passes `checkpointAfterBytes`, after a state
 * supply, or when an append failed). Recovery restores the checkpoint and runs the slots again:
 * the service is deterministic, so it ends in the state, with the replies, it had.
 */
export class RslExecutorStore {
  private readonly log: CodecLog<RslExecutorDurableState, RslExecutedSlot>;
  /** What recovery dropped (a torn tail), in words, or null. */
  recoveryNote: string | null = null;

  constructor(private readonly disk: DurableStore, private readonly checkpointAfterBytes = rslLogCheckpointAfterBytes) {
    this.log = new CodecLog(disk, 'rsl-executor-log', 'the executor log', rslExecutorDurableCodec, rslExecutedSlotCodec);
  }

  /** Whether slots can be appended: a checkpoint was written or recovered. */
  get started(): boolean {
    return this.log.started;
  }

  /** Whether the log has grown past its bound, so the next save should be a checkpoint. */
  get checkpointDue(): boolean {
    return this.log.bytesSinceCheckpoint >= this.checkpointAfterBytes;
  }

  /** The last checkpoint and the slots after it, or null when none was ever synced; an error when the disk cannot be read or is damaged. */
  recover(): Result<RslExecutorRecovery | null, DiskError> {
    const r = this.log.recover();
    if (!r.ok || r.value === null) return r as Result<null, DiskError>;
    this.recoveryNote = r.value.dropped;
    return ok({ checkpoint: r.value.state, executed: r.value.changes });
  }

  /** Writes `make()` whole and syncs it at once; nothing logged before it is needed afterwards. */
  checkpoint(make: () => RslExecutorDurableState): Result<void, DiskError> {
    return this.log.checkpoint(make);
  }

  /** Appends an executed slot, durable at the next sync (the caller checked `started`). */
  append(slot: RslExecutedSlot): Result<void, DiskError> {
    return this.log.append(slot);
  }

  /** Makes every append so far durable (under group commit: before anything sent afterwards leaves). */
  sync(): Result<void, DiskError> {
    if (this.disk.volatile === true) return ok(undefined);
    return this.disk.sync();
  }
}
