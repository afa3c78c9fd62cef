/**
 * A DurableStore on real files: one file per blob in a directory. Writes and appends are
 * buffered until `sync`. A replaced blob is made durable by writing it to a temporary file,
 * fsyncing it, renaming it over the old file and fsyncing the directory, so a crash leaves either
 * the old or the new blob, never a torn one. Appends are cheap instead (a log appends once per
 * vote and syncs once per batch): `sync` writes a blob's appended chunks to the end of its file,
 * through a descriptor kept open across syncs, and fdatasyncs it once; a crash may then keep the
 * old content plus any prefix of the appended bytes. Errors are DiskError values (ENOSPC becomes
 * 'full'), never exceptions.
 */
import { errorText } from '../core/errors.js';
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DiskError, DurableStore } from '../framework/host.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { assert } from '../core/assert.js';
import { VolatileStore } from '../framework/memory-store.js';


/** Blob names: file names without separators or a leading dot (temporary files start with one). */
export const blobNamePattern = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** A blob's operations since the last sync, merged. */
interface Pending {
  /**
   * True when a write replaces the file: `chunks` are then its whole new content (the write and
   * the appends after it). False when `chunks` are to be appended to the file as it is.
   */
  readonly replaces: boolean;
  /** Copies of the bytes written and appended, in order (copies: callers may reuse buffers). */
  readonly chunks: Uint8Array[];
}

/** A DurableStore keeping each blob in `<dir>/<name>`; see the module comment. */
export class FileStore implements DurableStore {
  /** Operations since the last successful sync, by blob name. */
  private readonly pending = new Map<string, Pending>();
  /** Descriptors of blob files opened for appending, by name; kept open across syncs. */
  private readonly appendFiles = new Map<string, number>();
  /**
   * Blobs whose file tail is unknown, with why: an append's write or fdatasync failed, so some of
   * its bytes may be on disk. Retrying could append them twice, so every later operation on the
   * blob, and every sync, fails until the store is reopened and the blob read from disk.
   */
  private readonly broken = new Map<string, string>();
  /** Whether a file was created or renamed since the directory was last fsynced. */
  private directoryDirty = false;
  /**
   * Descriptors with an fdatasync of `syncAsync` in flight, with how many: closing one is put off
   * until they finish (`closeWhenIdle`), so its number is never reused under them.
   */
  private readonly inFlight = new Map<number, number>();
  /** Descriptors to close once their syncs in flight finish. */
  private readonly closeWhenIdle = new Set<number>();

  private constructor(readonly dir: string) {}

  /** A store in `dir`, which is created if missing; an error if it cannot be. */
  static open(dir: string): Result<FileStore, DiskError> {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      return err(diskError(e, `cannot create ${dir}`));
    }
    return ok(new FileStore(dir));
  }

  /** How many blobs have writes or appends waiting for a sync. */
  get pendingWrites(): number {
    return this.pending.size;
  }

  /** How many blob files are open for appending. */
  get appendFilesOpen(): number {
    return this.appendFiles.size;
  }

  read(name: string): Result<Uint8Array | null, DiskError> {
    checkName(name);
    const unusable = this.brokenError(name);
    if (unusable !== null) return unusable;
    const buffered = this.pending.get(name);
    if (buffered?.replaces === true) return ok(concat(buffered.chunks));
    const file = this.readFile(name);
    if (!file.ok || buffered === undefined) return file;
    // An append to an absent blob creates it empty first.
    return ok(concat([file.value ?? new Uint8Array(0), ...buffered.chunks]));
  }

  write(name: string, data: Uint8Array): Result<void, DiskError> {
    checkName(name);
    const unusable = this.brokenError(name);
    if (unusable !== null) return unusable;
    this.pending.set(name, { replaces: true, chunks: [Uint8Array.from(data)] });
    return ok(undefined);
  }

  append(name: string, data: Uint8Array): Result<void, DiskError> {
    checkName(name);
    const unusable = this.brokenError(name);
    if (unusable !== null) return unusable;
    const buffered = this.pending.get(name);
    if (buffered === undefined) this.pending.set(name, { replaces: false, chunks: [Uint8Array.from(data)] });
    else buffered.chunks.push(Uint8Array.from(data));
    return ok(undefined);
  }

  /** Makes every earlier write and append durable: `writePending`, then an fdatasync per appended blob. */
  sync(): Result<void, DiskError> {
    const written = this.writePending();
    if (!written.ok) return written;
    for (const { name, fd } of written.value) {
      try {
        fdatasyncSync(fd);
      } catch (e) {
        return err(this.breakAppend(name, fd, diskError(e, `cannot sync ${name}`)));
      }
    }
    return ok(undefined);
  }

  /**
   * As `sync`, with each appended blob's fdatasync on libuv's thread pool: the appended bytes are
   * written to their files now, and the promise settles once they are durable. Blobs replaced by
   * a write are done at once, as in `sync` (they are rare: checkpoints). What is written or
   * appended after this call waits for the next sync.
   */
  async syncAsync(): Promise<Result<void, DiskError>> {
    const written = this.writePending();
    if (!written.ok) return written;
    const results = await Promise.all(written.value.map(({ name, fd }) => this.fdatasyncOff(name, fd)));
    return results.find((r) => !r.ok) ?? ok(undefined);
  }

  /**
   * The first half of a sync: replaced blobs made durable (temporary file, fsync, rename), appended
   * chunks written to the end of their files, the directory fsynced if a file was created or
   * renamed; returns the descriptors whose appended bytes still need an fdatasync. A blob is taken
   * off the pending list as soon as its file is written, so a retry after a failure neither appends
   * twice nor skips the directory fsync (`directoryDirty` survives the failure).
   */
  private writePending(): Result<{ readonly name: string; readonly fd: number }[], DiskError> {
    const [brokenName] = this.broken.keys();
    const unusable = brokenName === undefined ? null : this.brokenError(brokenName);
    if (unusable !== null) return unusable;
    const appended: { name: string; fd: number }[] = [];
    for (const [name, op] of this.pending) {
      if (op.replaces) {
        const done = this.replaceFile(name, op.chunks);
        if (!done.ok) return done;
      } else {
        // If the open fails nothing was written, and the chunks stay pending.
        const fd = this.appendFileOf(name);
        if (!fd.ok) return fd;
        try {
          writeAll(fd.value, concat(op.chunks));
        } catch (e) {
          return err(this.breakAppend(name, fd.value, diskError(e, `cannot append to ${name}`)));
        }
        appended.push({ name, fd: fd.value });
      }
      this.pending.delete(name);
    }
    if (this.directoryDirty) {
      const synced = this.syncDirectory();
      if (!synced.ok) return synced;
      this.directoryDirty = false;
    }
    return ok(appended);
  }

  /**
   * Closes the files kept open for appending; idempotent. Unsynced writes and appends stay
   * buffered (a later sync reopens what it needs), so closing does not make anything durable.
   */
  close(): void {
    for (const fd of this.appendFiles.values()) this.closeAppendFile(fd);
    this.appendFiles.clear();
  }

  /** fdatasync of `fd` (the file of `name`) on the thread pool; a failure breaks the blob. */
  private fdatasyncOff(name: string, fd: number): Promise<Result<void, DiskError>> {
    this.inFlight.set(fd, (this.inFlight.get(fd) ?? 0) + 1);
    return new Promise((resolve) => {
      fdatasync(fd, (e) => {
        const left = (this.inFlight.get(fd) ?? 1) - 1;
        if (left > 0) this.inFlight.set(fd, left);
        else this.inFlight.delete(fd);
        if (e !== null) {
          resolve(err(this.breakAppend(name, fd, diskError(e, `cannot sync ${name}`))));
        } else {
          resolve(ok(undefined));
        }
        if (left <= 0 && this.closeWhenIdle.delete(fd)) closeQuietly(fd);
      });
    });
  }

  /** Closes a descriptor kept for appending, at once or when its syncs in flight finish. */
  private closeAppendFile(fd: number): void {
    if (this.inFlight.has(fd)) this.closeWhenIdle.add(fd);
    else closeQuietly(fd);
  }

  /** Marks `name` broken after a failed append write or fdatasync on `fd`, and closes `fd`; returns `error`. */
  private breakAppend(name: string, fd: number, error: DiskError): DiskError {
    this.broken.set(name, error.detail);
    this.pending.delete(name);
    if (this.appendFiles.get(name) === fd) {
      this.appendFiles.delete(name);
      this.closeAppendFile(fd);
    }
    return error;
  }

  private readFile(name: string): Result<Uint8Array | null, DiskError> {
    try {
      return ok(readFileSync(join(this.dir, name)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok(null);
      return err(diskError(e, `cannot read ${name}`));
    }
  }

  /** Writes `chunks` to a temporary file, fsyncs it and renames it over `name`. */
  private replaceFile(name: string, chunks: readonly Uint8Array[]): Result<void, DiskError> {
    // The rename makes a new file: a descriptor open for appending would still point at the old one.
    const appending = this.appendFiles.get(name);
    if (appending !== undefined) {
      this.appendFiles.delete(name);
      this.closeAppendFile(appending);
    }
    const temp = join(this.dir, `.${name}.tmp`);
    let fd: number | null = null;
    try {
      fd = openSync(temp, 'w', 0o600);
      writeAll(fd, concat(chunks));
      fsyncSync(fd);
      closeSync(fd);
      fd = null;
      renameSync(temp, join(this.dir, name));
      this.directoryDirty = true;
      return ok(undefined);
    } catch (e) {
      return err(diskError(e, `cannot write ${name}`));
    } finally {
      if (fd !== null) closeQuietly(fd);
    }
  }

  /** The descriptor open for appending to `name`, opened (and the file created) if need be. */
  private appendFileOf(name: string): Result<number, DiskError> {
    const open = this.appendFiles.get(name);
    if (open !== undefined) return ok(open);
    const path = join(this.dir, name);
    let fd: number;
    try {
      // 'ax' creates the file or fails with EEXIST, which tells whether the directory changed.
      fd = openSync(path, 'ax', 0o600);
      this.directoryDirty = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return err(diskError(e, `cannot open ${name} to append`));
      try {
        fd = openSync(path, 'a', 0o600);
      } catch (again) {
        return err(diskError(again, `cannot open ${name} to append`));
      }
    }
    this.appendFiles.set(name, fd);
    return ok(fd);
  }

  private brokenError(name: string): Result<never, DiskError> | null {
    const why = this.broken.get(name);
    if (why === undefined) return null;
    return err({ kind: 'io', detail: `${name}: an append failed (${why}), so how much of it reached the disk is unknown; reopen the store` });
  }

  private syncDirectory(): Result<void, DiskError> {
    let fd: number | null = null;
    try {
      fd = openSync(this.dir, 'r');
      fsyncSync(fd);
      return ok(undefined);
    } catch (e) {
      return err(diskError(e, `cannot sync directory ${this.dir}`));
    } finally {
      if (fd !== null) closeQuietly(fd);
    }
  }
}

/** The DiskError for a failed file operation: 'full' when the disk or quota is full, else 'io'. */
export function diskError(e: unknown, what: string): DiskError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const kind = code === 'ENOSPC' || code === 'EDQUOT' ? 'full' : 'io';
  return { kind, detail: `${what}: ${errorText(e)}` };
}

function checkName(name: string): void {
  // Names come from host code, not from the network: a bad one is a programmer error.
  assert(blobNamePattern.test(name), () => `blob name '${name}' must match ${String(blobNamePattern)}`);
}

/** The bytes of `chunks` one after another; the only chunk itself when there is one. */
function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  return Buffer.concat(chunks);
}

/** Writes all of `data` to `fd`, however many calls it takes; throws as writeSync does. */
function writeAll(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // The operation already failed and reports that failure; a failed close adds nothing.
  }
}

/** A server's durable store, which the server closes when it stops (a FileStore keeps files open). */
export type DataDirStore = DurableStore & { close(): void };

/**
 * A server's durable store: a FileStore in `dataDir`, or, without one, a VolatileStore, after
 * `inMemory` is called to say what that loses. An error sentence when the directory is unusable.
 */
export function openDataDir(dataDir: string | undefined, inMemory: () => void): Result<DataDirStore, string> {
  if (dataDir === undefined) {
    inMemory();
    return ok(new VolatileStore());
  }
  const store = FileStore.open(dataDir);
  return store.ok ? store : err(`data directory ${dataDir}: ${store.error.detail}`);
}
