import type { DurableStore } from '../../framework/host.js';
import { CodecRecord } from '../../framework/durable-record.js';
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
export class LockStateStore extends CodecRecord<LockDurableState> {
  constructor(disk: DurableStore) {
    super(disk, 'lock-state', lockStateCodec, 'lock state');
  }
}
