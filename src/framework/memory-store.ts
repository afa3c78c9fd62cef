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

  sync(): Result<void, DiskError> {
    this.syncs++;
    return ok(undefined);
  }
}
