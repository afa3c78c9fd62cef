import type { DiskError, DurableStore } from '../../framework/host.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
import { Hash64 } from '../../core/hash.js';

/**
 * IronLock's durable state: what a host must remember across a crash so the ring neither loses
 * the lock nor hands it out twice. It is written and synced before any packet that depends on it
 * is sent. Records alternate between two slots, each with a sequence number and a checksum, so a
 * write torn by a crash never destroys the last synced record.
 */
export interface LockDurableState {
  readonly held: boolean;
  readonly epoch: number;
  /** The epoch of the unacknowledged transfer, 0 if none. */
  readonly pendingEpoch: number;
}

const slots = ['lock-state-a', 'lock-state-b'] as const;
const magic = 0x494c4b31; // 'ILK1'
const recordBytes = 4 + 8 + 1 + 8 + 8 + 8;

/** The slot files and their sequence numbers: reads, writes and recovery of the lock record. */
export class LockStateStore {
  private seq = 0;

  constructor(private readonly disk: DurableStore) {}

  /**
   * The last synced state, or null when nothing was ever synced (a fresh host). An error when the
   * disk cannot be read or holds records none of which is intact: starting fresh then could hand
   * out the lock twice, so the host must not start.
   */
  recover(): Result<LockDurableState | null, DiskError> {
    let best: { seq: number; state: LockDurableState } | null = null;
    let secondSlotWritten = false;
    for (const slot of slots) {
      const read = this.disk.read(slot);
      if (!read.ok) return read;
      if (read.value === null) continue;
      if (slot === slots[1]) secondSlotWritten = true;
      const parsed = parseRecord(read.value);
      if (parsed !== null && (best === null || parsed.seq > best.seq)) best = parsed;
    }
    if (best !== null) {
      this.seq = best.seq;
      return ok(best.state);
    }
    // The second slot is first written only after a record in the first slot was synced. Without
    // it, nothing was ever synced, and a torn first slot is just an interrupted first save.
    if (!secondSlotWritten) return ok(null);
    return err({ kind: 'corrupt', detail: 'no intact lock state record in either slot' });
  }

  /** Writes `state` into the older slot and syncs it. Nothing may depend on it until this is ok. */
  save(state: LockDurableState): Result<void, DiskError> {
    const seq = this.seq + 1;
    const w = this.disk.write(slots[seq % 2 === 1 ? 0 : 1], encodeRecord(seq, state));
    if (!w.ok) return w;
    const s = this.disk.sync();
    if (!s.ok) return s;
    this.seq = seq;
    return ok(undefined);
  }
}

function encodeRecord(seq: number, s: LockDurableState): Uint8Array {
  const bytes = new Uint8Array(recordBytes);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  writeU53(view, 4, seq);
  view.setUint8(12, s.held ? 1 : 0);
  writeU53(view, 13, s.epoch);
  writeU53(view, 21, s.pendingEpoch);
  const [hi, lo] = new Hash64().bytes(bytes.subarray(0, 29)).digest();
  view.setUint32(29, hi);
  view.setUint32(33, lo);
  return bytes;
}

function parseRecord(bytes: Uint8Array): { seq: number; state: LockDurableState } | null {
  if (bytes.length !== recordBytes) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== magic) return null;
  const [hi, lo] = new Hash64().bytes(bytes.subarray(0, 29)).digest();
  if (view.getUint32(29) !== hi || view.getUint32(33) !== lo) return null;
  const held = view.getUint8(12);
  const seq = readU53(view, 4);
  const epoch = readU53(view, 13);
  const pendingEpoch = readU53(view, 21);
  if (held > 1 || seq === null || epoch === null || pendingEpoch === null) return null;
  return { seq, state: { held: held === 1, epoch, pendingEpoch } };
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
