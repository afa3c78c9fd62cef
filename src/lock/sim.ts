import type { HostId } from '../framework/types.js';
import type { HostProtocol } from '../framework/protocol.js';
import type { Prng } from '../core/prng.js';
import { monitor } from '../check/monitor.js';
import type { OutsiderSend, OutsiderView, SafetyCheck, SafetyView, SimOutsiders, SimSystem } from '../sim/system.js';
import { everyHostEmitsWithin } from '../sim/liveness.js';
import { LockHost, type LockTiming } from './impl/host.js';
import { lockProtocol, type LockConfig, type LockHostState } from './protocol/host.js';
import type { LockMsg } from './protocol/messages.js';
import { lockAbstraction, maxEpoch } from './protocol/refinement.js';
import { lockSpec, lockedCorrespondence, type LockSpecState } from './spec.js';
import { lockCodec } from './wire.js';
import {
  AcceptOutsiderLockHost, AcceptStaleLockHost, GrantUnsyncedLockHost, LockedWrongEpochLockHost,
  acceptOutsiderProtocol, acceptStaleProtocol, lockedWrongEpochProtocol,
} from './testing.js';

/**
 * IronLock in the deterministic simulator: the real implementation hosts, recovering from their
 * simulated disks after crashes, every step under the refinement monitor, every packet through the
 * real codec, and one host outside the ring sending it Transfer and Locked messages. Checked after
 * every step: the spec (the model checker's abstraction to the history of holders takes a spec
 * step or stutters, and every Locked sent corresponds to it), mutual exclusion and the epoch
 * order; checked once faults stop: every host holds the lock again within a bound.
 */

/**
 * IronLock's safety in a run: at most one live host holds the lock; the epochs hosts announce
 * accepting only go up, each accepted by the ring host whose turn it is; and a holder's epoch is
 * at least every epoch accepted before, so a host that comes back from its disk holding the lock
 * after the lock moved on is caught at once, even when the newer holder has passed it on. An
 * epoch may be missing from the announcements (a host whose sync failed may find the accepted
 * state on its disk after a crash), but never repeated or out of turn.
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
      const s = view.state(id);
      if (s?.held !== true) continue;
      if (holder !== null) return `${holder} and ${id} both hold the lock`;
      if (s.epoch < this.lastAccepted) return `${id} holds the lock at epoch ${s.epoch}, but epoch ${this.lastAccepted} was accepted before`;
      holder = id;
    }
    return null;
  }
}

/** How far from the largest epoch a live host has an outsider's made-up epochs are, either way. */
export const outsiderEpochSpread = 2;

/**
 * What a host outside the ring sends IronLock: a replay of a message ring hosts sent recently
 * (from the outsider, to any ring host), or a Transfer or Locked with an epoch near the current
 * ones — the messages most likely to fool a host that does not check who sent them.
 */
export function lockOutsiderMessage(prng: Prng, view: OutsiderView<LockHostState, LockMsg>): OutsiderSend<LockMsg> {
  const dst = prng.pick(view.hostIds);
  if (view.recent.length > 0 && prng.chance(0.3)) return { dst, msg: prng.pick(view.recent).msg };
  let top = 1;
  for (const id of view.hostIds) top = Math.max(top, view.state(id)?.epoch ?? 0);
  const epoch = Math.max(1, top - outsiderEpochSpread + prng.nextInt(2 * outsiderEpochSpread + 1));
  return { dst, msg: { type: prng.chance(0.5) ? 'transfer' : 'locked', epoch } };
}

/** IronLock's outsiders: one by default, sending every 10 ms on average. */
export const lockOutsiders: SimOutsiders<LockHostState, LockMsg> = {
  defaultCount: 1,
  meanIntervalMs: 10,
  message: lockOutsiderMessage,
};

/** How many of the latest holders a failure message shows. */
const holdersShownMax = 4;

/** The spec state in a failure message: its epoch, and the latest holders. */
export function showLockHistory(s: LockSpecState): string {
  const n = s.history.length;
  const from = Math.max(0, n - holdersShownMax);
  const shown = s.history.slice(from).map((h, i) => `${from + i + 1}:${h}`).join(' ');
  return `epoch ${n} (holders ${from > 0 ? '... ' : ''}${shown})`;
}

/** Which lock to simulate: the real one, or a deliberately broken one of src/lock/testing.ts. */
export type LockSimVariant = 'correct' | 'accept-stale' | 'wrong-locked' | 'accept-outsider' | 'grant-unsynced';

/** Each variant's implementation host and the protocol its monitor checks it against. */
const variants: Readonly<Record<LockSimVariant, { host: typeof LockHost; protocol: HostProtocol<LockConfig, LockHostState, LockMsg> }>> = {
  correct: { host: LockHost, protocol: lockProtocol },
  'accept-stale': { host: AcceptStaleLockHost, protocol: acceptStaleProtocol },
  'wrong-locked': { host: LockedWrongEpochLockHost, protocol: lockedWrongEpochProtocol },
  'accept-outsider': { host: AcceptOutsiderLockHost, protocol: acceptOutsiderProtocol },
  // The protocol allows it: what is wrong is when the state reaches the disk.
  'grant-unsynced': { host: GrantUnsyncedLockHost, protocol: lockProtocol },
};

/** Options of the IronLock simulator binding. */
export interface LockSimOptions {
  readonly hosts?: number;
  readonly timing?: LockTiming;
  readonly variant?: LockSimVariant;
}

/** IronLock as a simulator binding. */
export function lockSystem(options: LockSimOptions = {}): SimSystem<LockHostState, LockMsg, LockConfig, never, never, LockSpecState> {
  const n = options.hosts ?? 3;
  const timing = options.timing ?? { holdMs: 2, retransmitIntervalMs: 20 };
  const variant = options.variant ?? 'correct';
  const config: LockConfig = { hosts: Array.from({ length: n }, (_, i) => `h${i}`) };
  const { host, protocol } = variants[variant];
  // Once faults stop, the lock may wait out one retransmission, then goes once around the ring.
  const withinMs = 200 + n * (timing.holdMs + 40) + timing.retransmitIntervalMs;
  return {
    name: variant === 'correct' ? 'lock' : `lock-${variant}`,
    hostIds: config.hosts,
    config,
    createHost: (id, disk, c) => LockHost.recover(c, id, disk, timing, host),
    codec: lockCodec,
    wrap: (h) => monitor(h, protocol),
    createSafetyCheck: () => new LockSafety(),
    refinement: {
      spec: lockSpec,
      abstract: lockAbstraction,
      packetCorresponds: (s, p) => p.msg.type !== 'locked' || lockedCorrespondence(s, p.src, p.msg.epoch),
      // lockAbstraction is the ring's history up to the largest epoch: nothing else changes it.
      abstractionKey: maxEpoch,
      showSpec: showLockHistory,
    },
    outsiders: lockOutsiders,
    liveness: everyHostEmitsWithin('accept ', withinMs),
    showMsg: (m) => `${m.type}(${m.epoch})`,
    defaultDurationMs: 2_000,
    defaultQuietMs: Math.max(1_000, 2 * withinMs),
  };
}
