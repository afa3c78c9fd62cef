import type { DiskError, DurableStore } from '../framework/host.js';
import type { Result } from '../core/result.js';
import { ok } from '../core/result.js';

/**
 * Group commit: one sync for all the appends of a turn of the event loop, instead of one per step.
 *
 * A host syncs so that nothing it sends depends on a write a crash could lose, in the step that
 * sends it: a step whose sends announce a write (a vote in a 2b) asks for a sync, even when it
 * wrote nothing new itself. The event loop holds every packet a turn's steps send until the end
 * of the turn; so a `sync` after appends only can wait for the loop's `commitAsync` (it returns ok
 * at once, and counts a deferred sync), and a turn of many votes costs one fsync. The sends of a
 * step that asked for no sync leave at the end of the turn, even while commits are in flight:
 * they depend on no write (an append no step synced, like an executed slot, is made durable by
 * the next commit). A `sync` after a replacing `write` (a checkpoint, a whole record) is done at
 * once, as before: the writer may rely on it right away (a log's next generation is written over
 * the blob of the one before, `DurableLog`). If a commit fails, the event loop sends none of the
 * packets waiting for it and stops the host: its memory is then ahead of its disk.
 */
export class GroupCommitStore implements DurableStore {
  /** A sync was asked for after appends, since the last commit started. */
  private syncWanted = false;
  /** Replacing writes since the last commit started. */
  private written = false;
  /** Syncs that reached the disk, for tests and statistics. */
  syncs = 0;
  /**
   * Syncs asked for and deferred to the loop's commit, counted: the event loop compares it before
   * and after a step to tell whether the step's sends must wait for a commit.
   */
  deferredSyncs = 0;

  constructor(private readonly disk: DurableStore) {}

  get volatile(): boolean {
    return this.disk.volatile === true;
  }

  /** Whether a step asked for a sync that has not started: the packets held since must wait for a commit. */
  get pending(): boolean {
    return this.syncWanted || this.written;
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
    return this.disk.append(name, data);
  }

  /** At once after a replacing write; after appends only, deferred to the loop's commit. */
  sync(): Result<void, DiskError> {
    if (this.written) return this.commit();
    this.syncWanted = true;
    this.deferredSyncs++;
    return ok(undefined);
  }

  /** Makes every write so far durable, at once. */
  commit(): Result<void, DiskError> {
    const r = this.disk.sync();
    if (!r.ok) return r;
    this.syncs++;
    this.syncWanted = false;
    this.written = false;
    return r;
  }

  /**
   * Makes every write so far durable, waiting off the thread where the disk can (`syncAsync`):
   * the event loop's commit before it releases the packets that wait. Syncs asked for while it is
   * in flight are left for the next one, which may start before it finishes: each covers what was
   * written before it started.
   */
  async commitAsync(): Promise<Result<void, DiskError>> {
    if (this.disk.syncAsync === undefined) return this.commit();
    this.syncWanted = false;
    this.written = false;
    const r = await this.disk.syncAsync();
    // A failed sync leaves its writes owed: the event loop stops the host, and `pending` says so.
    if (!r.ok) this.syncWanted = true;
    else this.syncs++;
    return r;
  }
}
