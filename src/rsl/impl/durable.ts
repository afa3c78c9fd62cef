import type { DiskError, DurableStore } from '../../framework/host.js';
import { DurableLog } from '../../framework/durable-log.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
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
  private readonly log: DurableLog;
  /** The state last saved or recovered; null before either. */
  private last: RslDurableState | null = null;
  /** `last`'s votes by slot, to find the ones a save adds or changes. */
  private lastVotes = new Map<Opn, Vote>();
  /** What recovery dropped (a torn tail), in words, or null. */
  recoveryNote: string | null = null;

  /** A store on `disk`, writing the state whole once `checkpointAfterBytes` of changes were logged. */
  constructor(private readonly disk: DurableStore, private readonly checkpointAfterBytes = rslLogCheckpointAfterBytes) {
    this.log = new DurableLog(disk, 'rsl-replica-log', 'the replica log');
  }

  /** The state last saved, or null when nothing was; an error when the disk cannot be read or is damaged. */
  recover(): Result<RslDurableState | null, DiskError> {
    const r = this.log.recover();
    if (!r.ok) return r;
    if (r.value === null) return ok(null);
    this.recoveryNote = r.value.dropped;
    const checkpoint = rslDurableCodec.decode(r.value.checkpoint);
    if (!checkpoint.ok) return err({ kind: 'corrupt', detail: `the replica log's checkpoint is intact but not a replica state: ${checkpoint.error.message}` });
    let state: RslDurableState = checkpoint.value;
    for (const [i, bytes] of r.value.changes.entries()) {
      const change = rslDurableChangeCodec.decode(bytes);
      if (!change.ok) return err({ kind: 'corrupt', detail: `the replica log's change ${i + 1} is intact but not a change: ${change.error.message}` });
      state = applyChange(state, change.value);
    }
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
      const c = this.log.checkpoint(rslDurableCodec.encode(state));
      if (!c.ok) return c;
    } else {
      for (const change of changes) {
        const a = this.log.append(rslDurableChangeCodec.encode(change));
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
    const slots = new Set<Opn>();
    for (const v of next.votes) {
      slots.add(v.opn);
      const had = this.lastVotes.get(v.opn);
      // Batches are never changed once made: the same array is the same batch.
      if (had === undefined || had.maxVal !== v.maxVal || !balEq(had.maxVBal, v.maxVBal)) {
        out.push({ type: 'vote', opn: v.opn, maxVBal: v.maxVBal, maxVal: v.maxVal });
      }
    }
    for (const opn of this.lastVotes.keys()) if (opn >= next.logTruncationPoint && !slots.has(opn)) return null;
    return out;
  }

  private remember(state: RslDurableState): void {
    this.last = state;
    this.lastVotes = new Map(state.votes.map((v) => [v.opn, v]));
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
  private readonly log: DurableLog;
  /** What recovery dropped (a torn tail), in words, or null. */
  recoveryNote: string | null = null;

  constructor(private readonly disk: DurableStore, private readonly checkpointAfterBytes = rslLogCheckpointAfterBytes) {
    this.log = new DurableLog(disk, 'rsl-executor-log', 'the executor log');
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
    if (!r.ok) return r;
    if (r.value === null) return ok(null);
    this.recoveryNote = r.value.dropped;
    const checkpoint = rslExecutorDurableCodec.decode(r.value.checkpoint);
    if (!checkpoint.ok) return err({ kind: 'corrupt', detail: `the executor log's checkpoint is intact but not an executor state: ${checkpoint.error.message}` });
    const executed: RslExecutedSlot[] = [];
    for (const [i, bytes] of r.value.changes.entries()) {
      const slot = rslExecutedSlotCodec.decode(bytes);
      if (!slot.ok) return err({ kind: 'corrupt', detail: `the executor log's record ${i + 1} is intact but not an executed slot: ${slot.error.message}` });
      executed.push(slot.value);
    }
    return ok({ checkpoint: checkpoint.value, executed });
  }

  /** Writes `make()` whole and syncs it at once; nothing logged before it is needed afterwards. */
  checkpoint(make: () => RslExecutorDurableState): Result<void, DiskError> {
    if (this.disk.volatile === true) return ok(undefined);
    return this.log.checkpoint(rslExecutorDurableCodec.encode(make()));
  }

  /** Appends an executed slot, durable at the next sync (the caller checked `started`). */
  append(slot: RslExecutedSlot): Result<void, DiskError> {
    if (this.disk.volatile === true) return ok(undefined);
    return this.log.append(rslExecutedSlotCodec.encode(slot));
  }

  /** Makes every append so far durable (under group commit: before anything sent afterwards leaves). */
  sync(): Result<void, DiskError> {
    if (this.disk.volatile === true) return ok(undefined);
    return this.disk.sync();
  }
}
