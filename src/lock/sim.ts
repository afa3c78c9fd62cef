import type { HostId } from '../framework/types.js';
import { monitor } from '../check/monitor.js';
import type { SafetyCheck, SafetyView, SimSystem } from '../sim/system.js';
import { everyHostEmitsWithin } from '../sim/liveness.js';
import { LockHost, type LockTiming } from './impl/host.js';
import { lockProtocol, type LockConfig, type LockHostState } from './protocol/host.js';
import type { LockMsg } from './protocol/messages.js';
import { lockCodec } from './wire.js';
import { AcceptStaleLockHost, acceptStaleProtocol } from './testing.js';

/**
 * IronLock in the deterministic simulator: the real implementation hosts, recovering from their
 * simulated disks after crashes, every step under the refinement monitor, every packet through the
 * real codec. Checked after every step: mutual exclusion and the spec's epoch order; checked once
 * faults stop: every host holds the lock again within a bound.
 */

/**
 * IronLock's safety in a run: at most one live host holds the lock, and the epochs hosts announce
 * accepting only go up, each accepted by the ring host whose turn it is. An epoch may be missing
 * from the announcements (a host whose sync failed may find the accepted state on its disk after a
 * crash), but never repeated or out of turn.
 */
export class LockSafety implements SafetyCheck<LockHostState> {
  private lastAccepted = 1;

  afterStep(view: SafetyView<LockHostState>): string | null {
    for (const e of view.emitted) {
      if (!e.startsWith('accept ')) continue;
      const epoch = Number(e.slice('accept '.length));
      if (!(epoch > this.lastAccepted)) return `${view.stepped} accepted epoch ${epoch} after epoch ${this.lastAccepted} was accepted`;
      const turn = view.hostIds[(epoch - 1) % view.hostIds.length];
      if (turn !== view.stepped) return `${view.stepped} accepted epoch ${epoch}, which is ${turn ?? '?'}'s turn`;
      this.lastAccepted = epoch;
    }
    let holder: HostId | null = null;
    for (const id of view.hostIds) {
      if (view.state(id)?.held !== true) continue;
      if (holder !== null) return `${holder} and ${id} both hold the lock`;
      holder = id;
    }
    return null;
  }
}

/** Which lock to simulate: the real one, or the deliberately broken one of src/lock/testing.ts. */
export type LockSimVariant = 'correct' | 'accept-stale';

/** Options of the IronLock simulator binding. */
export interface LockSimOptions {
  readonly hosts?: number;
  readonly timing?: LockTiming;
  readonly variant?: LockSimVariant;
}

/** IronLock as a simulator binding. */
export function lockSystem(options: LockSimOptions = {}): SimSystem<LockHostState, LockMsg, LockConfig> {
  const n = options.hosts ?? 3;
  const timing = options.timing ?? { holdMs: 2, retransmitIntervalMs: 20 };
  const variant = options.variant ?? 'correct';
  const config: LockConfig = { hosts: Array.from({ length: n }, (_, i) => `h${i}`) };
  const protocol = variant === 'correct' ? lockProtocol : acceptStaleProtocol;
  // Once faults stop, the lock may wait out one retransmission, then goes once around the ring.
  const withinMs = 200 + n * (timing.holdMs + 40) + timing.retransmitIntervalMs;
  return {
    name: variant === 'correct' ? 'lock' : `lock-${variant}`,
    hostIds: config.hosts,
    config,
    createHost: (id, disk, c) => LockHost.recover(c, id, disk, timing, variant === 'correct' ? LockHost : AcceptStaleLockHost),
    codec: lockCodec,
    wrap: (host) => monitor(host, protocol),
    createSafetyCheck: () => new LockSafety(),
    liveness: everyHostEmitsWithin('accept ', withinMs),
    showMsg: (m) => `${m.type}(${m.epoch})`,
    defaultDurationMs: 2_000,
    defaultQuietMs: Math.max(1_000, 2 * withinMs),
  };
}
