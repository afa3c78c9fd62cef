import type { DiskError, DurableStore } from '../../framework/host.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';

/**
 * Crash-safe storage of one small record for the toy systems: records alternate between two
 * blobs, each with a sequence number and a checksum, so a write torn by a crash damages only the
 * blob being written, never the last synced record in the other one.
 */

const headerBytes = 8;
const checksumBytes = 4;

/** A record that alternates between two blobs, `<prefix>.a` and `<prefix>.b`. */
export class SlotStore {
  private seq = 0;
  private readonly names: readonly [string, string];

  /** A store on `disk` under blob names starting with `prefix`. */
  constructor(private readonly disk: DurableStore, prefix: string) {
    this.names = [`${prefix}.a`, `${prefix}.b`];
  }

  /**
   * The last intact record, or null when none was ever synced. An error when the disk cannot be
   * read, or when both blobs exist and neither is intact (which this scheme never produces).
   */
  recover(): Result<Uint8Array | null, DiskError> {
    let best: { seq: number; payload: Uint8Array } | null = null;
    let secondWritten = false;
    for (let i = 0; i < 2; i++) {
      const read = this.disk.read(this.names[i] ?? '');
      if (!read.ok) return read;
      if (read.value === null) continue;
      if (i === 1) secondWritten = true;
      const parsed = parse(read.value);
      if (parsed !== null && (best === null || parsed.seq > best.seq)) best = parsed;
    }
    if (best !== null) {
      this.seq = best.seq;
      return ok(best.payload);
    }
    // The second blob is first written after a record in the first was synced; without it, a
    // damaged first blob is an interrupted first save, and nothing was ever synced.
    if (!secondWritten) return ok(null);
    return err({ kind: 'corrupt', detail: 'neither record blob is intact' });
  }

  /**
   * Writes `payload` over the older record without syncing: for state that may be lost, since a
   * crash may keep it, lose it or tear it. A later `save` goes to the same blob.
   */
  saveUnsynced(payload: Uint8Array): Result<void, DiskError> {
    return this.disk.write(this.names[(this.seq + 1) % 2 === 1 ? 0 : 1] ?? '', format(this.seq + 1, payload));
  }

  /** Writes `payload` over the older record and syncs; nothing may depend on it until this is ok. */
  save(payload: Uint8Array): Result<void, DiskError> {
    const seq = this.seq + 1;
    const w = this.disk.write(this.names[seq % 2 === 1 ? 0 : 1] ?? '', format(seq, payload));
    if (!w.ok) return w;
    const s = this.disk.sync();
    if (!s.ok) return s;
    this.seq = seq;
    return ok(undefined);
  }
}

function format(seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(headerBytes + payload.length + checksumBytes);
  putU32(out, 0, seq);
  putU32(out, 4, payload.length);
  out.set(payload, headerBytes);
  putU32(out, headerBytes + payload.length, checksum(out, headerBytes + payload.length));
  return out;
}

function parse(blob: Uint8Array): { seq: number; payload: Uint8Array } | null {
  if (blob.length < headerBytes + checksumBytes) return null;
  const length = getU32(blob, 4);
  if (blob.length !== headerBytes + length + checksumBytes) return null;
  if (getU32(blob, headerBytes + length) !== checksum(blob, headerBytes + length)) return null;
  return { seq: getU32(blob, 0), payload: blob.slice(headerBytes, headerBytes + length) };
}

/** FNV-1a over the first `n` bytes: enough to tell a torn record from an intact one in tests. */
function checksum(bytes: Uint8Array, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ (bytes[i] ?? 0), 0x01000193);
  return h >>> 0;
}

/** Writes `x` big-endian at `at`. */
export function putU32(b: Uint8Array, at: number, x: number): void {
  b[at] = x >>> 24;
  b[at + 1] = x >>> 16;
  b[at + 2] = x >>> 8;
  b[at + 3] = x;
}

/** Reads a big-endian u32 at `at` (bytes past the end read as 0). */
export function getU32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}
