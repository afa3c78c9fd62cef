import type { HostId, Packet } from './types.js';
import type { Result } from '../core/result.js';
import type { IoEvent } from './journal.js';

/**
 * The bottom layer's contract: implementation hosts reach the world only through a
 * `HostEnvironment`. The same host code therefore runs on real sockets (src/net), in the
 * deterministic simulator (src/sim) and under the refinement monitor.
 */

/** Why a durable-store operation failed: an operating error, handled, never an assertion. */
export interface DiskError {
  readonly kind: 'io' | 'full' | 'corrupt';
  readonly detail: string;
}

/**
 * A host's durable storage: named blobs. A `write` or `append` is durable only after `sync`
 * returns ok; a crash before that may keep the old blob, the new one, or a torn mix, so readers
 * check integrity themselves (for example with a checksum). A torn append never loses synced
 * bytes: what survives is the synced blob plus a prefix of what was appended after it. `read`
 * returns the whole blob with every write and append so far, synced or not; a `write` replaces
 * the blob, earlier appends included.
 */
export interface DurableStore {
  /** The blob stored under `name`, or null when there is none. */
  read(name: string): Result<Uint8Array | null, DiskError>;
  /** Replaces the blob under `name`; not durable until `sync`. */
  write(name: string, data: Uint8Array): Result<void, DiskError>;
  /** Appends `data` to the blob under `name` (an absent blob is created empty first); not durable until `sync`. */
  append(name: string, data: Uint8Array): Result<void, DiskError>;
  /** Makes every earlier write and append durable. */
  sync(): Result<void, DiskError>;
  /**
   * As `sync`, waiting for the disk off the caller's thread where the store can (a server's event
   * loop keeps stepping meanwhile): every write and append made before the call is durable when
   * the promise settles ok; later ones are not covered. Optional: stores without it are synced
   * with `sync`.
   */
  syncAsync?(): Promise<Result<void, DiskError>>;
  /**
   * True for a store that keeps nothing beyond the life of the process (a server run without a
   * data directory): what is saved there can never be read by a restarted host, so a record need
   * not even be encoded for it.
   */
  readonly volatile?: boolean;
}

/** The world as an implementation host sees it. */
export interface HostEnvironment<M> {
  /** This host's identity. */
  readonly me: HostId;
  /** The next delivered packet, or null when none is waiting (IronFleet's receive timeout). */
  receive(): Packet<M> | null;
  /** The clock, in milliseconds. A step reads it at most once, after its receives. */
  now(): number;
  /** Sends `msg` to `dst`, best effort: the network may drop, delay, duplicate or reorder it. */
  send(dst: HostId, msg: M): void;
  /** Durable storage that survives a crash of this host. */
  readonly disk: DurableStore;
  /** Reports an event for people and tests (for example `accept 7`); not part of the protocol. */
  emit(event: string): void;
}

/** What one implementation step did: the protocol action it implements, or none if idle. */
export interface StepReport {
  /** The protocol action this step refines, or null when the step did nothing (a stutter). */
  readonly action: string | null;
}

/**
 * An implementation host: fast mutable code whose every step refines one protocol action of the
 * abstract state `P` (checked by src/check/monitor.ts).
 */
export interface ImplHost<P, M> {
  /** Runs one step: at most one receive, at most one clock read, then sends (the reduction order). */
  step(env: HostEnvironment<M>): StepReport;
  /** The abstraction of this host's current state to the protocol layer. */
  abstract(): P;
  /**
   * Milliseconds from `nowMs` until this host next wants a step with no packet (for timeouts such
   * as retransmission), or null when only packets wake it.
   */
  wakeAfterMs(nowMs: number): number | null;
}

/**
 * Wraps an environment so every receive, clock read and send of a step is recorded, in order.
 * The event loop, the simulator and the monitor all journal through this.
 */
export class JournalingEnvironment<M> implements HostEnvironment<M> {
  /** The IO of the current step, in order. */
  journal: IoEvent<M>[] = [];

  constructor(private readonly inner: HostEnvironment<M>) {}

  get me(): HostId {
    return this.inner.me;
  }

  get disk(): DurableStore {
    return this.inner.disk;
  }

  receive(): Packet<M> | null {
    const packet = this.inner.receive();
    this.journal.push(packet === null ? { kind: 'receiveNone' } : { kind: 'receive', packet });
    return packet;
  }

  now(): number {
    const nowMs = this.inner.now();
    this.journal.push({ kind: 'clock', nowMs });
    return nowMs;
  }

  send(dst: HostId, msg: M): void {
    this.journal.push({ kind: 'send', packet: { src: this.inner.me, dst, msg } });
    this.inner.send(dst, msg);
  }

  emit(event: string): void {
    this.inner.emit(event);
  }

  /** Returns the journal of the step just taken and starts a new one. */
  take(): IoEvent<M>[] {
    const j = this.journal;
    this.journal = [];
    return j;
  }
}
