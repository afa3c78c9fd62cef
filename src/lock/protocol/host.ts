import type { HostId, Packet } from '../../framework/types.js';
import type { HostAction, HostInput, HostProtocol, HostStep } from '../../framework/protocol.js';
import { isEnabled, notEnabled } from '../../framework/protocol.js';
import type { LockMsg } from './messages.js';
import { equalLockMsg } from './messages.js';

/**
 * The IronLock host protocol: a pure state machine per host, after IronFleet's `Node.i.dfy`
 * (NodeGrant, NodeAccept), plus retransmission of the grant until it is acknowledged, so that a
 * lost packet no longer stops the ring.
 */

/** The ring: the hosts in order. Host 0 holds the lock at epoch 1 initially. */
export interface LockConfig {
  readonly hosts: readonly HostId[];
}

/** The largest epoch a host grants from: epochs stay exact JavaScript integers. */
export const epochMax = Number.MAX_SAFE_INTEGER - 1;

/** A transfer this host sent and has not yet seen acknowledged. */
export interface PendingTransfer {
  readonly epoch: number;
  readonly dst: HostId;
}

/** One host's protocol state. */
export interface LockHostState {
  readonly config: LockConfig;
  /** This host's position in `config.hosts`. */
  readonly me: number;
  /** Whether this host holds the lock. Invariant: at most one host of the ring holds it. */
  readonly held: boolean;
  /** The latest epoch this host accepted (0 if none). Invariant: the holder's epoch is the ring's largest. */
  readonly epoch: number;
  /** The transfer to retransmit until the next host acknowledges it with Locked. */
  readonly pending: PendingTransfer | null;
}

/** The successor of `s`'s host in the ring. */
export function successor(s: LockHostState): HostId {
  const next = s.config.hosts[(s.me + 1) % s.config.hosts.length];
  if (next === undefined) throw new RangeError('empty ring');
  return next;
}

/** The host id of `s`. */
export function selfId(s: LockHostState): HostId {
  return s.config.hosts[s.me] ?? '';
}

/** The initial state of host `me`: host 0 holds the lock at epoch 1 (IronFleet's NodeInit). */
export function lockInit(config: LockConfig, me: HostId): LockHostState {
  const index = config.hosts.indexOf(me);
  if (index < 0) throw new RangeError(`host ${me} is not in the ring`);
  return { config, me: index, held: index === 0, epoch: index === 0 ? 1 : 0, pending: null };
}

function step(state: LockHostState, sent: Packet<LockMsg>[] = []): HostStep<LockHostState, LockMsg> {
  return { state, sent };
}

/**
 * Grant (IronFleet's NodeGrant): the holder hands the lock to its successor at the next epoch and
 * remembers the transfer until it is acknowledged.
 */
export const grant: HostAction<LockHostState, LockMsg> = (s) => {
  if (!s.held) return notEnabled('not holding the lock');
  if (s.epoch >= epochMax) return notEnabled('epoch at its maximum');
  const pending = { epoch: s.epoch + 1, dst: successor(s) };
  return step({ ...s, held: false, pending }, [{ src: selfId(s), dst: pending.dst, msg: { type: 'transfer', epoch: pending.epoch } }]);
};

/** Retransmit: send the unacknowledged transfer again. */
export const retransmit: HostAction<LockHostState, LockMsg> = (s) => {
  if (s.pending === null) return notEnabled('no unacknowledged transfer');
  return step(s, [{ src: selfId(s), dst: s.pending.dst, msg: { type: 'transfer', epoch: s.pending.epoch } }]);
};

/** Whether a host in state `s` takes the lock on Transfer(e): the guard of `accept`. */
export type AcceptGuard = (s: LockHostState, e: number) => boolean;

/** IronFleet's guard: not holding the lock, and the transfer's epoch is above this host's. */
export const acceptsNewerEpoch: AcceptGuard = (s, e) => !s.held && e > s.epoch;

/** The transfer in `input`, if it is one from a ring host addressed to `s`'s host. */
function transferIn(s: LockHostState, input: HostInput<LockMsg>): { src: HostId; epoch: number } | null {
  const p = input.packet;
  if (p === undefined || p.dst !== selfId(s) || !s.config.hosts.includes(p.src) || p.msg.type !== 'transfer') return null;
  return { src: p.src, epoch: p.msg.epoch };
}

/**
 * Accept (IronFleet's NodeAccept), built on an accept guard so that tests can build a broken
 * variant: on Transfer(e) that the guard admits, hold the lock at epoch e and announce Locked(e)
 * to the sender, which also acknowledges the transfer.
 */
export function makeAccept(guard: AcceptGuard): HostAction<LockHostState, LockMsg> {
  return (s, input) => {
    const t = transferIn(s, input);
    if (t === null) return notEnabled('no transfer from a ring host received');
    if (!guard(s, t.epoch)) return notEnabled(`transfer ${t.epoch} not acceptable at epoch ${s.epoch}${s.held ? ' while holding' : ''}`);
    return step({ ...s, held: true, epoch: t.epoch, pending: null }, [{ src: selfId(s), dst: t.src, msg: { type: 'locked', epoch: t.epoch } }]);
  };
}

/** Accept with IronFleet's guard. */
export const accept = makeAccept(acceptsNewerEpoch);

/**
 * Ack: Transfer(e) with e at most this host's epoch was accepted by this host earlier (only the
 * e-th holder is ever sent Transfer(e)), so its acknowledgement Locked(e) is sent again — the
 * first may have been lost, and the granter keeps retransmitting until it hears one.
 */
export const ack: HostAction<LockHostState, LockMsg> = (s, input) => {
  const t = transferIn(s, input);
  if (t === null) return notEnabled('no transfer from a ring host received');
  if (t.epoch > s.epoch) return notEnabled(`transfer ${t.epoch} is newer than epoch ${s.epoch}`);
  return step(s, [{ src: selfId(s), dst: t.src, msg: { type: 'locked', epoch: t.epoch } }]);
};

/** Acknowledged: Locked(e) from the host of the pending transfer at epoch e ends its retransmission. */
export const acknowledged: HostAction<LockHostState, LockMsg> = (s, input) => {
  const p = input.packet;
  if (p === undefined || p.dst !== selfId(s) || p.msg.type !== 'locked') return notEnabled('no Locked received');
  if (s.pending === null || p.msg.epoch !== s.pending.epoch || p.src !== s.pending.dst) {
    return notEnabled('Locked does not match the pending transfer');
  }
  return step({ ...s, pending: null });
};

/**
 * Ignore, given the actions that take packets: a packet for this host that none of them takes
 * (unknown sender, stale Locked) is received and dropped.
 */
export function makeIgnore(takers: readonly HostAction<LockHostState, LockMsg>[]): HostAction<LockHostState, LockMsg> {
  return (s, input) => {
    const p = input.packet;
    if (p === undefined || p.dst !== selfId(s)) return notEnabled('no packet for this host received');
    for (const other of takers) {
      if (isEnabled(other(s, input))) return notEnabled('another action takes this packet');
    }
    return step(s);
  };
}

/** Ignore with IronFleet's actions. */
export const ignore = makeIgnore([accept, ack, acknowledged]);

/** Structural equality of lock host states. */
export function equalLockHost(a: LockHostState, b: LockHostState): boolean {
  return a.me === b.me && a.held === b.held && a.epoch === b.epoch &&
    (a.pending === b.pending || (a.pending !== null && b.pending !== null &&
      a.pending.epoch === b.pending.epoch && a.pending.dst === b.pending.dst)) &&
    a.config.hosts.length === b.config.hosts.length && a.config.hosts.every((h, i) => b.config.hosts[i] === h);
}

/** Actions a broken variant replaces (src/lock/testing.ts); the rest are always IronFleet's. */
export interface LockActionOverrides {
  readonly accept?: HostAction<LockHostState, LockMsg>;
  readonly acknowledged?: HostAction<LockHostState, LockMsg>;
}

/** The IronLock host protocol, with some actions replaced (none by default: the correct one). */
export function lockProtocolWith(overrides: LockActionOverrides = {}): HostProtocol<LockConfig, LockHostState, LockMsg> {
  const acceptAction = overrides.accept ?? accept;
  const acknowledgedAction = overrides.acknowledged ?? acknowledged;
  return {
    name: 'IronLock',
    init: lockInit,
    actions: {
      grant, retransmit, accept: acceptAction, ack, acknowledged: acknowledgedAction,
      ignore: makeIgnore([acceptAction, ack, acknowledgedAction]),
    },
    equal: equalLockHost,
    equalMsg: equalLockMsg,
  };
}

/** The IronLock host protocol: grant, retransmit, and the four ways to take a received packet. */
export const lockProtocol = lockProtocolWith();
