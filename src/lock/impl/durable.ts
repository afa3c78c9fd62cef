import type { DiskError, DurableStore } from '../../framework/host.js';
import { DurableRecord } from '../../framework/durable-record.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';

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

/** The payload: held (1 byte), epoch and pending epoch (8 bytes each, big-endian). */
const payloadBytes = 17;

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
    const state = decode(r.value);
    return state === null ? err({ kind: 'corrupt', detail: 'the lock state record is intact but not a lock state' }) : ok(state);
  }

  /** Writes `state` and syncs it. Nothing may depend on it until this is ok. */
  save(state: LockDurableState): Result<void, DiskError> {
    return this.record.save(encode(state));
  }
}

function encode(s: LockDurableState): Uint8Array {
  const bytes = new Uint8Array(payloadBytes);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, s.held ? 1 : 0);
  writeU53(view, 1, s.epoch);
  writeU53(view, 9, s.pendingEpoch);
  return bytes;
}

function decode(bytes: Uint8Array): LockDurableState | null {
  if (bytes.length !== payloadBytes) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const held = view.getUint8(0);
  const epoch = readU53(view, 1);
  const pendingEpoch = readU53(view, 9);
  if (held > 1 || epoch === null || pendingEpoch === null) return null;
  return { held: held === 1, epoch, pendingEpoch };
}

function writeU53(view: DataView, offset: number, n: number): void {
  view.setUint32(offset, Math.floor(n / 0x1_0000_0000));
  view.setUint32(offset + 4, n >>> 0);
}

function readU53(view: DataView, offset: number): number | null {
  const hi = view.getUint32(offset);
  if (hi > 0x1f_ffff) return null;
  return hi * 0x1_0000_0000 + view.getUint32(offset + 4);
}
