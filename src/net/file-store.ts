/**
 * A DurableStore on real files: one file per blob in a directory. Writes are buffered; `sync`
 * makes each pending blob durable by writing it to a temporary file, fsyncing it, renaming it
 * over the old file and fsyncing the directory, so a crash leaves either the old or the new blob,
 * never a torn one. Errors are DiskError values (ENOSPC becomes 'full'), never exceptions.
 */
import { errorText } from '../core/errors.js';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DiskError, DurableStore } from '../framework/host.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { assert } from '../core/assert.js';
import { VolatileStore } from '../framework/memory-store.js';


/** Blob names: file names without separators or a leading dot (temporary files start with one). */
export const blobNamePattern = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** A DurableStore keeping each blob in `<dir>/<name>`; see the module comment. */
export class FileStore implements DurableStore {
  /** Blobs written since the last successful sync, by name (copies: callers may reuse buffers). */
  private readonly pending = new Map<string, Uint8Array>();

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

  /** How many writes wait for a sync. */
  get pendingWrites(): number {
    return this.pending.size;
  }

  read(name: string): Result<Uint8Array | null, DiskError> {
    checkName(name);
    const buffered = this.pending.get(name);
    if (buffered !== undefined) return ok(buffered);
    try {
      return ok(readFileSync(join(this.dir, name)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok(null);
      return err(diskError(e, `cannot read ${name}`));
    }
  }

  write(name: string, data: Uint8Array): Result<void, DiskError> {
    checkName(name);
    this.pending.set(name, Uint8Array.from(data));
    return ok(undefined);
  }

  sync(): Result<void, DiskError> {
    if (this.pending.size === 0) return ok(undefined);
    for (const [name, data] of this.pending) {
      const written = this.replaceFile(name, data);
      if (!written.ok) return written;
      // Durable once the directory entry is synced below; until then a retry rewrites it anyway.
    }
    const synced = this.syncDirectory();
    if (!synced.ok) return synced;
    this.pending.clear();
    return ok(undefined);
  }

  /** Writes `data` to a temporary file, fsyncs it and renames it over `name`. */
  private replaceFile(name: string, data: Uint8Array): Result<void, DiskError> {
    const temp = join(this.dir, `.${name}.tmp`);
    let fd: number | null = null;
    try {
      fd = openSync(temp, 'w', 0o600);
      for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
      fsyncSync(fd);
      closeSync(fd);
      fd = null;
      renameSync(temp, join(this.dir, name));
      return ok(undefined);
    } catch (e) {
      return err(diskError(e, `cannot write ${name}`));
    } finally {
      if (fd !== null) closeQuietly(fd);
    }
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

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // The operation already failed and reports that failure; a failed close adds nothing.
  }
}

/**
 * A server's durable store: a FileStore in `dataDir`, or, without one, a VolatileStore, after
 * `inMemory` is called to say what that loses. An error sentence when the directory is unusable.
 */
export function openDataDir(dataDir: string | undefined, inMemory: () => void): Result<DurableStore, string> {
  if (dataDir === undefined) {
    inMemory();
    return ok(new VolatileStore());
  }
  const store = FileStore.open(dataDir);
  return store.ok ? store : err(`data directory ${dataDir}: ${store.error.detail}`);
}
