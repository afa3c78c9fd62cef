import type { HostId, Packet } from '../../framework/types.js';
import type { DiskError, DurableStore, HostEnvironment, ImplHost, StepReport } from '../../framework/host.js';
import type { Result } from '../../core/result.js';
import { ok } from '../../core/result.js';
import { assert } from '../../core/assert.js';
import type { LockConfig, LockHostState } from '../protocol/host.js';
import { epochMax } from '../protocol/host.js';
import type { LockMsg } from '../protocol/messages.js';
import type { LockDurableState } from './durable.js';
import { LockStateStore } from './durable.js';

/**
 * The IronLock implementation host: mutable state, durable across crashes, stepped through its
 * HostEnvironment. Each step refines one protocol action (grant, retransmit, accept, ack,
 * acknowledged, ignore) or
 * stutters; `abstract()` maps it to the protocol's `LockHostState`.
 *
 * Scheduling is the implementation's choice, which the protocol leaves open: the holder keeps the
 * lock for `holdMs` before granting it, and resends an unacknowledged transfer every
 * `retransmitIntervalMs`.
 */

/** When a host grants and retransmits. */
export interface LockTiming {
  /** How long a holder keeps the lock before granting it to the next host. */
  readonly holdMs: number;
  /** How long to wait for Locked before sending a transfer again. */
  readonly retransmitIntervalMs: number;
}

/** Defaults: a ring of three turns about 30 times a second on loopback. */
export const defaultLockTiming: LockTiming = { holdMs: 10, retransmitIntervalMs: 100 };

/** An IronLock host. Build it with `LockHost.recover`, which reads its durable state. */
export class LockHost implements ImplHost<LockHostState, LockMsg> {
  protected held: boolean;
  protected epoch: number;
  /** The epoch of the unacknowledged transfer to the successor, 0 if none. */
  private pendingEpoch: number;
  /** When this host took the lock, by its clock; null until the first clock read after that. */
  private acquiredAtMs: number | null = null;
  /** When the pending transfer was last sent; -Infinity right after a restart, to resend at once. */
  private lastTransferMs = -Infinity;
  private readonly successorId: HostId;

  protected constructor(
    private readonly config: LockConfig,
    private readonly me: number,
    private readonly store: LockStateStore,
    private readonly timing: LockTiming,
    initial: LockDurableState,
  ) {
    this.held = initial.held;
    this.epoch = initial.epoch;
    this.pendingEpoch = initial.pendingEpoch;
    this.successorId = config.hosts[(me + 1) % config.hosts.length] ?? '';
  }

  /**
   * The host `id` of the ring `config`, in the state its disk holds: the last synced state after a
   * crash, or the initial state (host 0 holds epoch 1) on a fresh disk. Fails when the disk cannot
   * be read or is corrupt. `variant` is a subclass to build instead (tests use broken variants).
   */
  static recover(
    config: LockConfig, id: HostId, disk: DurableStore, timing: LockTiming = defaultLockTiming, variant: typeof LockHost = LockHost,
  ): Result<LockHost, DiskError> {
    const me = config.hosts.indexOf(id);
    assert(me >= 0, `host ${id} is not in the ring`);
    assert(new Set(config.hosts).size === config.hosts.length, 'ring hosts must be distinct');
    const store = new LockStateStore(disk);
    const recovered = store.recover();
    if (!recovered.ok) return recovered;
    const initial = recovered.value ?? { held: me === 0, epoch: me === 0 ? 1 : 0, pendingEpoch: 0 };
    return ok(new variant(config, me, store, timing, initial));
  }

  step(env: HostEnvironment<LockMsg>): StepReport {
    const packet = env.receive();
    if (packet !== null) return this.onPacket(env, packet);
    const nowMs = env.now();
    if (this.held) {
      if (this.acquiredAtMs === null) this.acquiredAtMs = nowMs;
      if (nowMs - this.acquiredAtMs >= this.timing.holdMs && this.epoch < epochMax) return this.grant(env, nowMs);
    }
    if (this.pendingEpoch > 0 && nowMs - this.lastTransferMs >= this.timing.retransmitIntervalMs) {
      this.lastTransferMs = nowMs;
      env.send(this.successorId, { type: 'transfer', epoch: this.pendingEpoch });
      return { action: 'retransmit' };
    }
    return { action: null };
  }

  private onPacket(env: HostEnvironment<LockMsg>, p: Packet<LockMsg>): StepReport {
    // A packet for another host is dropped: a stutter.
    if (p.dst !== this.config.hosts[this.me]) return { action: null };
    if (p.msg.type === 'transfer' && this.acceptsTransferFrom(p.src) && this.acceptsTransfer(p.msg.epoch)) {
      return this.accept(env, p.src, p.msg.epoch);
    }
    // Any other packet from outside the ring is received and ignored.
    if (!this.config.hosts.includes(p.src)) return { action: 'ignore' };
    switch (p.msg.type) {
      case 'transfer': {
        const e = p.msg.epoch;
        if (e <= this.epoch) {
          env.send(p.src, { type: 'locked', epoch: e });
          return { action: 'ack' };
        }
        return { action: 'ignore' };
      }
      case 'locked':
        if (this.pendingEpoch !== 0 && p.msg.epoch === this.pendingEpoch && p.src === this.successorId) {
          // Forgetting the acknowledged transfer need not be durable: at worst it is resent once.
          this.pendingEpoch = 0;
          return { action: 'acknowledged' };
        }
        return { action: 'ignore' };
      default: {
        const never: never = p.msg;
        throw new TypeError(`unknown lock message ${JSON.stringify(never)}`);
      }
    }
  }

  /** Accept: takes the lock at epoch `e`, durably, and announces it to the granter `src`. */
  private accept(env: HostEnvironment<LockMsg>, src: HostId, e: number): StepReport {
    // Durable before Locked goes out, so a crash cannot make this host forget it.
    const saved = this.save({ held: true, epoch: e, pendingEpoch: 0 });
    if (!saved.ok) {
      env.emit(`disk-error ${saved.error.kind}: ${saved.error.detail}; transfer ${e} dropped`);
      return { action: null };
    }
    const nowMs = env.now();
    this.held = true;
    this.epoch = e;
    this.pendingEpoch = 0;
    this.acquiredAtMs = nowMs;
    env.send(src, { type: 'locked', epoch: this.announcedEpoch(e) });
    env.emit(`accept ${e}`);
    return { action: 'accept' };
  }

  /** The guard of the protocol's `accept`: not holding, and the epoch is newer than this host's. */
  protected acceptsTransfer(epoch: number): boolean {
    return !this.held && epoch > this.epoch;
  }

  /**
   * Whether a transfer from `src` may hand this host the lock: only from a ring host, as in
   * IronFleet (a broken variant in src/lock/testing.ts takes it from anyone).
   */
  protected acceptsTransferFrom(src: HostId): boolean {
    return this.config.hosts.includes(src);
  }

  /** The epoch that Locked announces on accepting epoch `e`: `e` itself (a broken variant lies). */
  protected announcedEpoch(e: number): number {
    return e;
  }

  /** Writes and syncs `state`; nothing may depend on it until this is ok. */
  protected save(state: LockDurableState): Result<void, DiskError> {
    return this.store.save(state);
  }

  /**
   * Makes a grant's new state durable before its Transfer goes out, so a crash cannot bring the
   * lock back to this host after the successor took it (a broken variant defers it).
   */
  protected saveGrant(state: LockDurableState): Result<void, DiskError> {
    return this.save(state);
  }

  private grant(env: HostEnvironment<LockMsg>, nowMs: number): StepReport {
    const epoch = this.epoch + 1;
    const saved = this.saveGrant({ held: false, epoch: this.epoch, pendingEpoch: epoch });
    if (!saved.ok) {
      env.emit(`disk-error ${saved.error.kind}: ${saved.error.detail}; keeping the lock`);
      return { action: null };
    }
    this.held = false;
    this.pendingEpoch = epoch;
    this.acquiredAtMs = null;
    this.lastTransferMs = nowMs;
    env.send(this.successorId, { type: 'transfer', epoch });
    env.emit(`grant ${epoch} to ${this.successorId}`);
    return { action: 'grant' };
  }

  abstract(): LockHostState {
    return {
      config: this.config,
      me: this.me,
      held: this.held,
      epoch: this.epoch,
      pending: this.pendingEpoch === 0 ? null : { epoch: this.pendingEpoch, dst: this.successorId },
    };
  }

  wakeAfterMs(nowMs: number): number | null {
    let wake: number | null = null;
    if (this.held) wake = this.acquiredAtMs === null ? 0 : this.acquiredAtMs + this.timing.holdMs - nowMs;
    if (this.pendingEpoch > 0) {
      const retransmitIn = this.lastTransferMs + this.timing.retransmitIntervalMs - nowMs;
      wake = wake === null ? retransmitIn : Math.min(wake, retransmitIn);
    }
    return wake === null ? null : Math.max(0, wake);
  }
}
