import type { DiskError, DurableStore } from './host.js';
import type { Result } from '../core/result.js';
import { ok } from '../core/result.js';

/**
 * A DurableStore in memory: writes are visible at once and survive as long as the object does.
 * For unit tests; the simulator's disk (src/sim) models crashes, and src/net's writes real files.
 */
export class MemoryStore implements DurableStore {
  /** The blobs, by name. */
  readonly blobs = new Map<string, Uint8Array>();
  /** How many syncs were made. */
  syncs = 0;

  read(name: string): Result<Uint8Array | null, DiskError> {
    return ok(this.blobs.get(name) ?? null);
  }

  write(name: string, data: Uint8Array): Result<void, DiskError> {
    this.blobs.set(name, Uint8Array.from(data));
    return ok(undefined);
  }

  append(name: string, data: Uint8Array): Result<void, DiskError> {
    // A new array, not a view: the caller may reuse `data`, and the old blob may have been read.
    const old = this.blobs.get(name) ?? new Uint8Array(0);
    const joined = new Uint8Array(old.length + data.length);
    joined.set(old);
    joined.set(data, old.length);
    this.blobs.set(name, joined);
    return ok(undefined);
  }

  sync(): Result<void, DiskError> {
    this.syncs++;
    return ok(undefined);
  }
}

/**
 * A DurableStore for a process whose state dies with it: reads find nothing, writes, appends and
 * syncs succeed and keep nothing. A server without a data directory uses it; such a host must never be
 * restarted with the same identity, since its promises are gone. Records skip their encoding for
 * it (`volatile`), which is why it is not a MemoryStore: keeping bytes nobody can read costs time
 * on every vote.
 */
export class VolatileStore implements DurableStore {
  readonly volatile = true;

  read(_name: string): Result<Uint8Array | null, DiskError> {
    return ok(null);
  }

  write(_name: string, _data: Uint8Array): Result<void, DiskError> {
    return ok(undefined);
  }

  append(_name: string, _data: Uint8Array): Result<void, DiskError> {
    return ok(undefined);
  }

  sync(): Result<void, DiskError> {
    return ok(undefined);
  }

  /** Nothing to close; there so a server closes whichever store it opened (`openDataDir`). */
  close(): void {}
}
