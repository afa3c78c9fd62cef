import type { DiskError, DurableStore } from './host.js';
import type { MessageCodec } from './codec.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { crc32c } from '../core/crc32c.js';
import { getU32, putU32 } from '../core/bytes.js';

/**
 * A write-ahead log: a host's durable state as a checkpoint (the whole state) followed by the
 * changes made since, each a record appended to a blob. Saving a change costs an append of the
 * change, not a rewrite of the state, and many changes share one sync (group commit, see
 * src/net/group-commit.ts).
 *
 * The log uses two blobs in turn, `<prefix>.a` and `<prefix>.b`. A blob holds one generation: its
 * checkpoint record first, then change records. `checkpoint(state)` writes a new generation to the
 * other blob and syncs it at once; recovery takes the highest generation whose checkpoint is
 * intact, so a crash while a checkpoint is written leaves the previous generation, whole, in the
 * blob it was never written over.
 *
 * Every record carries a magic number, its generation, its index in the blob and a CRC-32C over
 * all of it (`src/core/crc32c.ts`: fast enough that checking costs a fraction of writing), so
 * recovery tells intact records from torn or damaged ones. What it keeps is the longest intact
 * prefix: a damaged record at the end is a write a crash cut short (it was never
 * synced, and nothing that depended on it left the host), and is dropped and reported. A damaged
 * record followed by an intact one of the same generation is damage to what may have been synced:
 * recovery then refuses, rather than start from a state the host may have promised past.
 */

/** Marks the start of every record ("IFWL"); recovery looks for it after a damaged record. */
const recordMagic = 0x4946574c;
/** magic, generation, index, payload length: four u32. */
const headerBytes = 16;
/** The CRC-32C after the payload. */
const checksumBytes = 4;

/** The most bytes one record's payload may have (a vote of a full batch is far below it). */
export const logRecordBytesMax = 64 * 1024 * 1024;

/** What recovery found: the checkpoint and changes to apply, and what it dropped. */
export interface LogRecovery {
  readonly checkpoint: Uint8Array;
  /** The change records after the checkpoint, in order. */
  readonly changes: readonly Uint8Array[];
  /** The generation recovered. */
  readonly generation: number;
  /** What was dropped, in words (a torn tail), or null when the blob ended cleanly. */
  readonly dropped: string | null;
}

/** One parsed record. */
interface LogRecord {
  readonly generation: number;
  readonly index: number;
  readonly payload: Uint8Array;
  /** The offset just past it. */
  readonly end: number;
}

/** A write-ahead log in two blobs `<prefix>.a` and `<prefix>.b` on `disk`; see the module comment. */
export class DurableLog {
  private readonly names: readonly [string, string];
  /** The generation records are appended to; 0 before the first checkpoint. */
  private generation = 0;
  /** The index of the next record of the current generation. */
  private nextIndex = 0;
  /** Bytes of change records in the current generation: what a checkpoint would free. */
  private changeBytes = 0;

  /** A log on `disk` under blob names starting with `prefix`; `what` names it in errors. */
  constructor(private readonly disk: DurableStore, prefix: string, private readonly what: string) {
    this.names = [`${prefix}.a`, `${prefix}.b`];
  }

  /** Bytes of change records appended since the last checkpoint (recovered ones included). */
  get bytesSinceCheckpoint(): number {
    return this.changeBytes;
  }

  /** Whether a checkpoint was recovered or written: only then can changes be appended. */
  get started(): boolean {
    return this.generation > 0;
  }

  /**
   * The last checkpoint and the intact changes after it, or null when no checkpoint was ever
   * synced. An error when the disk cannot be read, when a damaged record is followed by an intact
   * one (the disk cannot be trusted), or when both blobs exist and neither starts with an intact
   * checkpoint (which a crash never produces).
   */
  recover(): Result<LogRecovery | null, DiskError> {
    const found: { name: string; blob: Uint8Array; first: LogRecord }[] = [];
    let written = 0;
    for (const name of this.names) {
      const read = this.disk.read(name);
      if (!read.ok) return read;
      if (read.value === null) continue;
      written++;
      const first = parseRecord(read.value, 0);
      if (first !== null && first.index === 0 && first.generation > 0) found.push({ name, blob: read.value, first });
    }
    found.sort((x, y) => y.first.generation - x.first.generation);
    const best = found[0];
    if (best === undefined) {
      // The first blob is written by the first checkpoint; a damaged one alone is that checkpoint, interrupted.
      if (written <= 1) return ok(null);
      return err({ kind: 'corrupt', detail: `${this.what}: neither log blob starts with an intact checkpoint` });
    }
    const { blob, first, name } = best;
    const changes: Uint8Array[] = [];
    let at = first.end;
    let index = 1;
    let changeBytes = 0;
    let dropped: string | null = null;
    while (at < blob.length) {
      const r = parseRecord(blob, at);
      if (r === null || r.generation !== first.generation || r.index !== index) {
        const later = laterRecord(blob, at + 1, first.generation, index);
        if (later !== null) {
          return err({
            kind: 'corrupt',
            detail: `${this.what}: record ${index} of ${name} (at byte ${at}) is damaged but record ${later.index} after it is intact; ` +
              'the disk cannot be trusted',
          });
        }
        dropped = `${blob.length - at} byte(s) of a torn record at the end of ${name} (record ${index}, byte ${at})`;
        break;
      }
      changes.push(r.payload);
      changeBytes += r.end - at;
      at = r.end;
      index++;
    }
    this.generation = first.generation;
    this.nextIndex = index;
    this.changeBytes = changeBytes;
    // A torn tail is cut off before anything is appended after it.
    if (dropped !== null) {
      const cut = this.disk.write(name, blob.slice(0, at));
      if (!cut.ok) return cut;
      const synced = this.disk.sync();
      if (!synced.ok) return synced;
    }
    return ok({ checkpoint: first.payload, changes, generation: first.generation, dropped });
  }

  /**
   * Starts a new generation with `state` (a whole state), in the blob not in use, and syncs it:
   * the changes before it are no longer needed. Until this returns ok, the old generation stands.
   */
  checkpoint(state: Uint8Array): Result<void, DiskError> {
    const generation = this.generation + 1;
    const name = this.blobOf(generation);
    const w = this.disk.write(name, formatRecord(generation, 0, state));
    if (!w.ok) return w;
    const s = this.disk.sync();
    if (!s.ok) return s;
    this.generation = generation;
    this.nextIndex = 1;
    this.changeBytes = 0;
    return ok(undefined);
  }

  /** Appends one change (not durable until the disk is synced). A checkpoint must have been made or recovered. */
  append(change: Uint8Array): Result<void, DiskError> {
    if (this.generation === 0) throw new RangeError(`${this.what}: a change appended before any checkpoint`);
    const record = formatRecord(this.generation, this.nextIndex, change);
    const a = this.disk.append(this.blobOf(this.generation), record);
    if (!a.ok) return a;
    this.nextIndex++;
    this.changeBytes += record.length;
    return ok(undefined);
  }

  /** The blob generation `g` lives in: they alternate, so the previous one is never written over. */
  private blobOf(generation: number): string {
    return this.names[generation % 2] ?? '';
  }
}

/** What a `CodecLog` recovered: the checkpointed state, the changes since, and what was dropped. */
export interface CodecLogRecovery<S, C> {
  readonly state: S;
  readonly changes: readonly C[];
  /** What was dropped, in words (a torn tail), or null. */
  readonly dropped: string | null;
}

/**
 * A `DurableLog` of states of type `S` and changes of type `C`, kept as their codecs' bytes. On a
 * volatile store (a server without a data directory) it keeps nothing and encodes nothing, and
 * never counts as started.
 */
export class CodecLog<S, C> {
  private readonly log: DurableLog;

  /** A log on `disk` under `prefix`; `what` names it in errors ('the replica log'). */
  constructor(
    private readonly disk: DurableStore, prefix: string, private readonly what: string,
    private readonly stateCodec: MessageCodec<S>, private readonly changeCodec: MessageCodec<C>,
  ) {
    this.log = new DurableLog(disk, prefix, what);
  }

  /** Whether changes can be appended: a checkpoint was written or recovered. */
  get started(): boolean {
    return this.log.started;
  }

  /** Bytes of changes since the last checkpoint. */
  get bytesSinceCheckpoint(): number {
    return this.log.bytesSinceCheckpoint;
  }

  /**
   * The last checkpointed state and the changes after it, or null when none was ever synced; an
   * error when the disk cannot be read, is damaged, or holds an intact record its codec refuses.
   */
  recover(): Result<CodecLogRecovery<S, C> | null, DiskError> {
    const r = this.log.recover();
    if (!r.ok || r.value === null) return r as Result<null, DiskError>;
    const state = this.stateCodec.decode(r.value.checkpoint);
    if (!state.ok) return err({ kind: 'corrupt', detail: `${this.what}: the checkpoint is intact but does not decode: ${state.error.message}` });
    const changes: C[] = [];
    for (const [i, bytes] of r.value.changes.entries()) {
      const change = this.changeCodec.decode(bytes);
      if (!change.ok) return err({ kind: 'corrupt', detail: `${this.what}: record ${i + 1} is intact but does not decode: ${change.error.message}` });
      changes.push(change.value);
    }
    return ok({ state: state.value, changes, dropped: r.value.dropped });
  }

  /** `DurableLog.checkpoint` of `make()` (made only for a store that keeps it). */
  checkpoint(make: () => S): Result<void, DiskError> {
    if (this.disk.volatile === true) return ok(undefined);
    return this.log.checkpoint(this.stateCodec.encode(make()));
  }

  /** `DurableLog.append` of `change`. */
  append(change: C): Result<void, DiskError> {
    if (this.disk.volatile === true) return ok(undefined);
    return this.log.append(this.changeCodec.encode(change));
  }
}

/** A record: header, payload, checksum over both. */
export function formatRecord(generation: number, index: number, payload: Uint8Array): Uint8Array {
  if (payload.length > logRecordBytesMax) throw new RangeError(`a log record of ${payload.length} bytes is over ${logRecordBytesMax}`);
  const out = new Uint8Array(headerBytes + payload.length + checksumBytes);
  putU32(out, 0, recordMagic);
  putU32(out, 4, generation);
  putU32(out, 8, index);
  putU32(out, 12, payload.length);
  out.set(payload, headerBytes);
  putU32(out, headerBytes + payload.length, crc32c(out, 0, headerBytes + payload.length));
  return out;
}

/** The intact record at `at` in `blob`, or null (torn, damaged, or not a record). */
function parseRecord(blob: Uint8Array, at: number): LogRecord | null {
  if (blob.length - at < headerBytes + checksumBytes || getU32(blob, at) !== recordMagic) return null;
  const length = getU32(blob, at + 12);
  if (length > logRecordBytesMax || blob.length - at - headerBytes - checksumBytes < length) return null;
  const end = at + headerBytes + length + checksumBytes;
  if (getU32(blob, end - checksumBytes) !== crc32c(blob, at, headerBytes + length)) return null;
  return { generation: getU32(blob, at + 4), index: getU32(blob, at + 8), payload: blob.slice(at + headerBytes, at + headerBytes + length), end };
}

/** An intact record of `generation` with an index of at least `index`, starting at or after `from`, if any. */
function laterRecord(blob: Uint8Array, from: number, generation: number, index: number): LogRecord | null {
  const m0 = recordMagic >>> 24;
  for (let at = from; at + headerBytes + checksumBytes <= blob.length; at++) {
    if (blob[at] !== m0) continue;
    const r = parseRecord(blob, at);
    if (r !== null && r.generation === generation && r.index >= index) return r;
  }
  return null;
}
