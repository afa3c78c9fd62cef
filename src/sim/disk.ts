import type { DiskError, DurableStore } from '../framework/host.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { Prng } from '../core/prng.js';
import type { DiskFaults } from './faults.js';

/**
 * A simulated disk with the semantics `DurableStore` promises and no more: a write or append is
 * durable only once a later `sync` returns ok. A crash keeps what was synced; of what was not, it
 * may keep nothing, any one of the unsynced versions, or a torn version (a prefix of the new bytes
 * over the old). An append is a new version equal to the one before plus the appended bytes, and
 * its tear cuts only inside the appended bytes, as on a real file opened for appending, where old
 * bytes are never rewritten: so no crash loses synced bytes. While faults are on, any operation
 * may fail with a `DiskError`.
 */

/** The successful outcome of a write or sync, shared: results are immutable, and this path is hot. */
const done: Result<void, DiskError> = ok(undefined);

/** What a crash did to one blob's unsynced writes. */
export interface CrashOutcome {
  readonly name: string;
  /** 'lost': only the synced version survived; 'kept': version `version` of `unsynced` survived whole; 'torn': it survived torn. */
  readonly outcome: 'lost' | 'kept' | 'torn';
  /** Which unsynced write survived, from 1 (0 when lost). */
  readonly version: number;
  /** How many unsynced writes the blob had. */
  readonly unsynced: number;
  /** For a torn write: how many leading bytes of the new version reached the disk. */
  readonly tornAtByte?: number;
}

/** One crash outcome in words, e.g. `state: kept v2/3` or `state: torn v1/1 at byte 7`. */
export function describeCrashOutcome(o: CrashOutcome): string {
  return `${o.name}: ${o.outcome}${o.outcome === 'lost' ? '' : ` v${o.version}/${o.unsynced}`}` +
    `${o.tornAtByte !== undefined ? ` at byte ${o.tornAtByte}` : ''}`;
}

/** Which operation a simulated disk error hit. */
export type DiskOp = 'read' | 'write' | 'append' | 'sync';

/** A disk operation in words, e.g. `write of 'state'` (a sync names no blob). */
export function describeDiskOp(op: DiskOp, name: string): string {
  return `${op}${name === '' ? '' : ` of '${name}'`}`;
}

/** Counts of what a disk did, for reports. */
export interface DiskCounts {
  reads: number;
  /** Writes and appends. */
  writes: number;
  syncs: number;
  errors: number;
}

/** One unsynced version of a blob. */
interface Version {
  readonly bytes: Uint8Array;
  /**
   * How many leading bytes this version has from the one before by construction: 0 for a write,
   * the earlier length for an append. A crash tears a version only after them.
   */
  readonly keptBytes: number;
}

/** One host's disk. Survives the host's crashes; the simulator calls `crash` when the host dies. */
export class SimDisk implements DurableStore {
  /** Synced blobs: what any crash keeps. */
  private readonly synced = new Map<string, Uint8Array>();
  /** Unsynced versions per blob, oldest first. */
  private readonly unsynced = new Map<string, Version[]>();
  /** Whether operations may fail now (the simulator turns this off when the fault window ends). */
  faultsOn = false;
  /** Called when an operation fails by injection, so the simulator can trace it. */
  onError: ((op: DiskOp, name: string) => void) | null = null;
  readonly counts: DiskCounts = { reads: 0, writes: 0, syncs: 0, errors: 0 };

  /** A disk whose faults follow `faults`, drawn from `prng`. */
  constructor(private readonly faults: DiskFaults, private readonly prng: Prng) {}

  read(name: string): Result<Uint8Array | null, DiskError> {
    this.counts.reads++;
    if (this.fails()) return this.error('read', name);
    const data = this.latest(name);
    // A copy, so a host that changes what it read cannot change the disk.
    return ok(data === undefined ? null : data.slice());
  }

  write(name: string, data: Uint8Array): Result<void, DiskError> {
    this.counts.writes++;
    if (this.fails()) return this.error('write', name);
    this.addVersion(name, { bytes: data.slice(), keptBytes: 0 });
    return done;
  }

  append(name: string, data: Uint8Array): Result<void, DiskError> {
    this.counts.writes++;
    if (this.fails()) return this.error('append', name);
    const old = this.latest(name) ?? new Uint8Array(0);
    const bytes = new Uint8Array(old.length + data.length);
    bytes.set(old);
    bytes.set(data, old.length);
    this.addVersion(name, { bytes, keptBytes: old.length });
    return done;
  }

  sync(): Result<void, DiskError> {
    this.counts.syncs++;
    // A failed sync makes nothing durable; the writes stay unsynced and a crash may lose them.
    if (this.fails()) return this.error('sync', '');
    for (const [name, pending] of this.unsynced) {
      const last = pending[pending.length - 1];
      if (last !== undefined) this.synced.set(name, last.bytes);
    }
    this.unsynced.clear();
    return done;
  }

  /** Whether any write is waiting for a sync. */
  hasUnsynced(): boolean {
    return this.unsynced.size > 0;
  }

  /** The synced bytes of `name` (for tests and reports), or null. */
  syncedBlob(name: string): Uint8Array | null {
    return this.synced.get(name) ?? null;
  }

  /**
   * The host crashed: decides, blob by blob, what became of the unsynced writes, and makes that
   * the disk's content. Returns what happened to each blob that had unsynced writes.
   */
  crash(): CrashOutcome[] {
    const outcomes: CrashOutcome[] = [];
    const names = [...this.unsynced.keys()].sort();
    for (const name of names) {
      const pending = this.unsynced.get(name) ?? [];
      const old = this.synced.get(name);
      if (pending.length === 0) continue;
      if (this.prng.chance(this.faults.unsyncedLossRate)) {
        outcomes.push({ name, outcome: 'lost', version: 0, unsynced: pending.length });
        continue;
      }
      // Any one unsynced version may be the one the disk kept: later writes may not have reached it.
      const index = this.prng.nextInt(pending.length);
      const version = pending[index] ?? { bytes: new Uint8Array(0), keptBytes: 0 };
      const chosen = version.bytes;
      const previous = index === 0 ? old : pending[index - 1]?.bytes;
      // A tear keeps at least one byte past `keptBytes` and loses at least one. For an append,
      // cutting inside the earlier bytes would only repeat the earlier version, so it is not a tear;
      // for a write `keptBytes` is 0, which draws exactly as before appends existed.
      if (chosen.length - version.keptBytes >= 2 && this.prng.chance(this.faults.tornWriteRate)) {
        const cut = this.prng.nextRange(version.keptBytes + 1, chosen.length - 1);
        this.synced.set(name, tear(previous ?? new Uint8Array(0), chosen, cut));
        outcomes.push({ name, outcome: 'torn', version: index + 1, unsynced: pending.length, tornAtByte: cut });
      } else {
        this.synced.set(name, chosen);
        outcomes.push({ name, outcome: 'kept', version: index + 1, unsynced: pending.length });
      }
    }
    this.unsynced.clear();
    return outcomes;
  }

  /** The newest version of `name`, synced or not, or undefined. Not a copy. */
  private latest(name: string): Uint8Array | undefined {
    const pending = this.unsynced.get(name);
    return pending?.[pending.length - 1]?.bytes ?? this.synced.get(name);
  }

  private addVersion(name: string, version: Version): void {
    const pending = this.unsynced.get(name);
    if (pending === undefined) this.unsynced.set(name, [version]);
    else pending.push(version);
  }

  private fails(): boolean {
    return this.faultsOn && this.prng.chance(this.faults.errorRate);
  }

  private error(op: DiskOp, name: string): Result<never, DiskError> {
    this.counts.errors++;
    this.onError?.(op, name);
    return err({ kind: 'io', detail: `simulated disk error on ${describeDiskOp(op, name)}` });
  }
}

/** A torn write: the first `cut` bytes of `next` over `previous`, which keeps its tail if longer. */
export function tear(previous: Uint8Array, next: Uint8Array, cut: number): Uint8Array {
  const out = new Uint8Array(Math.max(cut, previous.length));
  out.set(previous.subarray(0, out.length));
  out.set(next.subarray(0, cut));
  return out;
}
