import type { DiskError, DurableStore } from '../framework/host.js';
import type { Result } from '../core/result.js';
import { ok } from '../core/result.js';

/**
 * Group commit: one sync for all the appends of a turn of the event loop, instead of one per step.
 *
 * A host syncs so that nothing it sends depends on a write a crash could lose. The event loop
 * holds every packet a turn's steps send until the end of the turn and calls `commit` first; so a
 * `sync` after appends only can wait for that commit (it returns ok at once), and a turn of many
 * votes costs one fsync. A `sync` after a replacing `write` (a checkpoint, a whole record) is done
 * at once, as before: the writer may rely on it right away (a log's next generation is written
 * over the blob of the one before, `DurableLog`). If the commit fails, the event loop sends
 * nothing the turn produced and stops the host: its memory is then ahead of its disk.
 */
export class GroupCommitStore implements DurableStore {
  /** Appends since the last sync that reached the disk. */
  private appended = false;
  /** Replacing writes since the last sync that reached the disk. */
  private written = false;
  /** Syncs that reached the disk, for tests and statistics. */
  syncs = 0;

  constructor(private readonly disk: DurableStore) {}

  get volatile(): boolean {
    return this.disk.volatile === true;
  }

  /** Whether writes wait for a sync: the turn's packets must wait for `commit`. */
  get pending(): boolean {
    return this.appended || this.written;
  }

  read(name: string): Result<Uint8Array | null, DiskError> {
    return this.disk.read(name);
  }

  write(name: string, data: Uint8Array): Result<void, DiskError> {
    const r = this.disk.write(name, data);
    this.written = true;
    return r;
  }

  append(name: string, data: Uint8Array): Result<void, DiskError> {
    const r = this.disk.append(name, data);
    this.appended = true;
    return r;
  }

  /** At once after a replacing write; after appends only, deferred to the turn's `commit`. */
  sync(): Result<void, DiskError> {
    return this.written ? this.commit() : ok(undefined);
  }

  /** Makes every write so far durable: the event loop's sync before it releases a turn's packets. */
  commit(): Result<void, DiskError> {
    if (!this.pending) return ok(undefined);
    const r = this.disk.sync();
    if (!r.ok) return r;
    this.syncs++;
    this.appended = false;
    this.written = false;
    return r;
  }
}
