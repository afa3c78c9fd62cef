import type { DiskError, DurableStore } from '../../framework/host.js';
import { DurableRecord } from '../../framework/durable-record.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
import { bool, record, u64 } from '../../marshal/grammar.js';
import { compileCodec } from '../../marshal/compile.js';

/**
 * IronLock's durable state: what a host must remember across a crash so the ring neither loses
 * the lock nor hands it out twice. It is written and synced before any packet that depends on it
 * is sent, as one DurableRecord (two checksummed slots, so a torn write never destroys the last
 * synced state).
 */
export interface LockDurableState {
  readonly held: boolean;
  readonly epoch: number;
  /** The epoch of the unacknowledged transfer, 0 if none. */
  readonly pendingEpoch: number;
}

/** The record's payload: held (1 byte), then epoch and pending epoch (8 bytes each). */
const lockStateCodec = compileCodec(record({ held: bool(), epoch: u64(), pendingEpoch: u64() }), 'LockDurableState');

/** Reads, writes and recovers the lock state. */
export class LockStateStore {
  private readonly record: DurableRecord;

  constructor(disk: DurableStore) {
    this.record = new DurableRecord(disk, 'lock-state');
  }

  /**
   * The last synced state, or null when nothing was ever synced (a fresh host). An error when the
   * disk cannot be read or holds no intact record: starting fresh then could hand out the lock
   * twice, so the host must not start.
   */
  recover(): Result<LockDurableState | null, DiskError> {
    const r = this.record.recover();
    if (!r.ok) return r;
    if (r.value === null) return ok(null);
    const state = lockStateCodec.decode(r.value);
    return state.ok ? ok(state.value) : err({ kind: 'corrupt', detail: `the lock state record is intact but not a lock state: ${state.error.message}` });
  }

  /** Writes `state` and syncs it. Nothing may depend on it until this is ok. */
  save(state: LockDurableState): Result<void, DiskError> {
    return this.record.save(lockStateCodec.encode(state));
  }
}
