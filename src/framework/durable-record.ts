import type { DiskError, DurableStore } from './host.js';
import type { MessageCodec } from './codec.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { Hash64 } from '../core/hash.js';
import { getU32, putU32 } from '../core/bytes.js';

/**
 * Crash-safe storage of one small record, for a host's durable state: records alternate between
 * two blobs, each with a sequence number, a length and a 64-bit checksum, so a write torn by a
 * crash damages only the blob being written, never the last synced record in the other one.
 */

const headerBytes = 8;
const checksumBytes = 8;

/** A record that alternates between two blobs, `<prefix>.a` and `<prefix>.b`. */
export class DurableRecord {
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

/**
 * A DurableRecord of values of one type, kept as their codec's bytes: what a host's durable state
 * store is. `what` names the value in errors, e.g. 'lock state'.
 */
export class CodecRecord<T> {
  private readonly record: DurableRecord;

  /** A record of `what` on `disk` under blob names starting with `prefix`, encoded with `codec`. */
  constructor(private readonly disk: DurableStore, prefix: string, private readonly codec: MessageCodec<T>, private readonly what: string) {
    this.record = new DurableRecord(disk, prefix);
  }

  /**
   * The last synced value, or null when nothing was ever synced. An error when the disk cannot be
   * read, holds no intact record, or holds one that does not decode: a host must then not start
   * fresh, since that could break what it promised before the crash.
   */
  recover(): Result<T | null, DiskError> {
    const r = this.record.recover();
    if (!r.ok) return r;
    if (r.value === null) return ok(null);
    const value = this.codec.decode(r.value);
    return value.ok ? ok(value.value) : err({ kind: 'corrupt', detail: `the ${this.what} record is intact but not a ${this.what}: ${value.error.message}` });
  }

  /** Writes `value` and syncs it; nothing may depend on it until this is ok. */
  save(value: T): Result<void, DiskError> {
    return this.saveFrom(() => value);
  }

  /**
   * As `save`, for a value that is costly to build (a service snapshot): `make` is called only
   * when the store keeps what it is given, not for a volatile one.
   */
  saveFrom(make: () => T): Result<void, DiskError> {
    if (this.disk.volatile === true) return ok(undefined);
    return this.record.save(this.codec.encode(make()));
  }
}

function format(seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(headerBytes + payload.length + checksumBytes);
  putU32(out, 0, seq);
  putU32(out, 4, payload.length);
  out.set(payload, headerBytes);
  const [hi, lo] = checksum(out, headerBytes + payload.length);
  putU32(out, headerBytes + payload.length, hi);
  putU32(out, headerBytes + payload.length + 4, lo);
  return out;
}

function parse(blob: Uint8Array): { seq: number; payload: Uint8Array } | null {
  if (blob.length < headerBytes + checksumBytes) return null;
  const length = getU32(blob, 4);
  if (blob.length !== headerBytes + length + checksumBytes) return null;
  const [hi, lo] = checksum(blob, headerBytes + length);
  if (getU32(blob, headerBytes + length) !== hi || getU32(blob, headerBytes + length + 4) !== lo) return null;
  return { seq: getU32(blob, 0), payload: blob.slice(headerBytes, headerBytes + length) };
}

/** The 64-bit hash of the first `n` bytes: tells a torn or damaged record from an intact one. */
function checksum(bytes: Uint8Array, n: number): [number, number] {
  return new Hash64().bytes(bytes.subarray(0, n)).digest();
}
