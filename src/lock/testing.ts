import type { DurableStore, HostEnvironment, ImplHost } from '../framework/host.js';
import type { HostId, Packet } from '../framework/types.js';
import { MemoryStore } from '../framework/memory-store.js';
import { Prng } from '../core/prng.js';
import type { HostAction } from '../framework/protocol.js';
import { isEnabled, notEnabled } from '../framework/protocol.js';
import type { LockMsg } from './protocol/messages.js';
import type { AcceptGuard, LockHostState } from './protocol/host.js';
import { accept, acceptsNewerEpoch, lockProtocolWith, makeAccept, selfId } from './protocol/host.js';
import { LockHost } from './impl/host.js';
import type { DiskError, StepReport } from '../framework/host.js';
import type { Result } from '../core/result.js';
import { ok } from '../core/result.js';
import type { LockDurableState } from './impl/durable.js';

/**
 * A tiny in-memory harness for unit tests of lock hosts: a shared clock, per-host inboxes, a
 * seeded chance of losing each packet, and the events hosts emit. The full simulator (src/sim)
 * adds the rest of the fault model; this stays small so lock tests read on their own.
 */
export class LockTestRing {
  nowMs = 0;
  readonly inboxes = new Map<HostId, Packet<LockMsg>[]>();
  readonly disks = new Map<HostId, MemoryStore>();
  readonly events: { host: HostId; event: string }[] = [];
  private readonly prng: Prng;

  constructor(readonly ids: readonly HostId[], readonly lossRate = 0, seed = 1) {
    this.prng = new Prng(seed);
    for (const id of ids) {
      this.inboxes.set(id, []);
      this.disks.set(id, new MemoryStore());
    }
  }

  /** The environment of host `me`. */
  env(me: HostId): HostEnvironment<LockMsg> {
    const inbox = this.inboxes.get(me) ?? [];
    const disk: DurableStore = this.disks.get(me) ?? new MemoryStore();
    return {
      me,
      disk,
      receive: () => inbox.shift() ?? null,
      now: () => this.nowMs,
      send: (dst, msg) => {
        if (!this.prng.chance(this.lossRate)) this.inboxes.get(dst)?.push({ src: me, dst, msg });
      },
      emit: (event) => this.events.push({ host: me, event }),
    };
  }

  /** Steps every host until its inbox is empty and nothing is due, then advances the clock by `ms`. */
  run(hosts: ReadonlyMap<HostId, ImplHost<unknown, LockMsg>>, turns: number, ms = 5): void {
    for (let t = 0; t < turns; t++) {
      for (const [id, host] of hosts) {
        const env = this.env(id);
        const inbox = this.inboxes.get(id) ?? [];
        while (inbox.length > 0) host.step(env);
        const wake = host.wakeAfterMs(this.nowMs);
        if (wake !== null && wake <= 0) host.step(env);
      }
      this.nowMs += ms;
    }
  }

  /** The epochs accepted, in order, with the host that accepted each. */
  accepts(): { host: HostId; epoch: number }[] {
    return this.events.filter((e) => e.event.startsWith('accept ')).map((e) => ({ host: e.host, epoch: Number(e.event.slice(7)) }));
  }
}

/**
 * A deliberately broken IronLock host, for showing that the checks catch it: it accepts a
 * transfer whose epoch equals its own (IronFleet's guard is `epoch > s.epoch`), so a duplicate of
 * the transfer it already accepted hands it the lock a second time.
 */
export class AcceptStaleLockHost extends LockHost {
  protected override acceptsTransfer(epoch: number): boolean {
    return !this.held && epoch >= this.epoch;
  }
}

/** The protocol counterpart of AcceptStaleLockHost's guard. */
export const acceptStaleGuard: AcceptGuard = (s, e) => !s.held && e >= s.epoch;

/** The broken IronLock protocol: accept with acceptStaleGuard. */
export const acceptStaleProtocol = lockProtocolWith({ accept: makeAccept(acceptStaleGuard) });

/**
 * Broken accept: takes a transfer from any sender, in the ring or not (IronFleet's accepts only
 * from ring hosts), so a host outside the service can hand out the lock. Only checks that deliver
 * packets from outsiders can see it.
 */
export const acceptFromAnyone: HostAction<LockHostState, LockMsg> = (s, input) => {
  const p = input.packet;
  if (p === undefined || p.dst !== selfId(s) || p.msg.type !== 'transfer') return notEnabled('no transfer received');
  if (!acceptsNewerEpoch(s, p.msg.epoch)) return notEnabled(`transfer ${p.msg.epoch} not acceptable at epoch ${s.epoch}`);
  return {
    state: { ...s, held: true, epoch: p.msg.epoch, pending: null },
    sent: [{ src: selfId(s), dst: p.src, msg: { type: 'locked', epoch: p.msg.epoch } }],
  };
};

/** The broken IronLock protocol: accept with acceptFromAnyone. */
export const acceptOutsiderProtocol = lockProtocolWith({ accept: acceptFromAnyone });

/**
 * Broken accept: announces the new epoch as Locked(e - 1), the previous holder's epoch, which
 * breaks the spec's correspondence (Locked(e) only from the e-th holder). The granter never sees
 * its transfer acknowledged by it, but `ack` answers the retransmission with the right epoch, so
 * the ring keeps turning and mutual exclusion holds: only a check of the packets against the
 * spec sees it.
 */
export const acceptAnnouncingPreviousEpoch: HostAction<LockHostState, LockMsg> = (s, input) => {
  const outcome = accept(s, input);
  if (!isEnabled(outcome)) return outcome;
  return { state: outcome.state, sent: outcome.sent.map((p) => ({ ...p, msg: { type: 'locked', epoch: p.msg.epoch - 1 } })) };
};

/** The broken IronLock protocol: accept with acceptAnnouncingPreviousEpoch. */
export const lockedWrongEpochProtocol = lockProtocolWith({ accept: acceptAnnouncingPreviousEpoch });

/**
 * Broken acknowledged: stops retransmitting on any Locked from the successor, even a stale one
 * (an acknowledgement of an earlier transfer), so a lost transfer may never be sent again. In
 * IronFleet's network a sent packet stays deliverable forever and this does no harm; on lossy
 * links it stops the ring.
 */
export const acknowledgedByStaleLocked: HostAction<LockHostState, LockMsg> = (s, input) => {
  const p = input.packet;
  if (p === undefined || p.dst !== selfId(s) || p.msg.type !== 'locked') return notEnabled('no Locked received');
  if (s.pending === null || p.src !== s.pending.dst || p.msg.epoch > s.pending.epoch) return notEnabled('Locked does not match the pending transfer');
  return { state: { ...s, pending: null }, sent: [] };
};

/** The broken IronLock protocol: acknowledged with acknowledgedByStaleLocked. */
export const staleAckProtocol = lockProtocolWith({ acknowledged: acknowledgedByStaleLocked });

/**
 * A deliberately broken IronLock host matching `lockedWrongEpochProtocol`: on accepting epoch e
 * it announces Locked(e - 1). Mutual exclusion and the epoch order hold; only the spec check of
 * the packets sees it.
 */
export class LockedWrongEpochLockHost extends LockHost {
  protected override announcedEpoch(e: number): number {
    return e - 1;
  }
}

/**
 * A deliberately broken IronLock host matching `acceptOutsiderProtocol`: it takes a transfer from
 * any sender, so a host outside the service can hand out the lock. Only a run with outsiders
 * sees it.
 */
export class AcceptOutsiderLockHost extends LockHost {
  protected override acceptsTransferFrom(): boolean {
    return true;
  }
}

/**
 * A deliberately broken IronLock host: it sends its grant before the new state is on disk, and
 * saves it at its next step. It refines the correct protocol (the monitor sees no difference), but
 * a crash between the grant and the next step brings it back from its disk holding the lock at its
 * old epoch, after the successor took it at the next one.
 */
export class GrantUnsyncedLockHost extends LockHost {
  /** The grant's state, not yet written. */
  private unsaved: LockDurableState | null = null;

  override step(env: HostEnvironment<LockMsg>): StepReport {
    if (this.unsaved !== null) this.save(this.unsaved);
    return super.step(env);
  }

  protected override saveGrant(state: LockDurableState): Result<void, DiskError> {
    this.unsaved = state;
    return ok(undefined);
  }

  protected override save(state: LockDurableState): Result<void, DiskError> {
    const saved = super.save(state);
    // A later state saved supersedes the deferred one.
    if (saved.ok) this.unsaved = null;
    return saved;
  }
}
