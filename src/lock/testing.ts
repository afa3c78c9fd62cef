import type { DurableStore, HostEnvironment, ImplHost } from '../framework/host.js';
import type { HostId, Packet } from '../framework/types.js';
import { MemoryStore } from '../framework/memory-store.js';
import { Prng } from '../core/prng.js';
import type { LockMsg } from './protocol/messages.js';
import type { AcceptGuard } from './protocol/host.js';
import { lockProtocolWith, makeAccept } from './protocol/host.js';
import { LockHost } from './impl/host.js';

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
export const acceptStaleProtocol = lockProtocolWith(makeAccept(acceptStaleGuard));
