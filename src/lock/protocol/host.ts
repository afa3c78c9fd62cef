import type { HostId, Packet } from '../../framework/types.js';
import type { HostAction, HostProtocol, HostStep } from '../../framework/protocol.js';
import { notEnabled } from '../../framework/protocol.js';
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

/**
 * Receive one packet (IronFleet's NodeAccept, extended with acknowledgements):
 * - Transfer(e) from a ring host with e above this host's epoch, while not holding: accept — hold
 *   the lock at epoch e and announce Locked(e) to the sender, which also acknowledges the transfer.
 * - Transfer(e) with e at most this host's epoch: this host accepted it earlier (only the e-th
 *   holder is ever sent Transfer(e)), so repeat the acknowledgement Locked(e).
 * - Locked(e) from the host of the pending transfer at epoch e: the transfer is acknowledged.
 * - Anything else (unknown sender, stale Locked): received and ignored.
 */
export const receive: HostAction<LockHostState, LockMsg> = (s, input) => {
  const p = input.packet;
  if (p === undefined) return notEnabled('no packet received');
  if (p.dst !== selfId(s)) return notEnabled('packet addressed to another host');
  if (!s.config.hosts.includes(p.src)) return step(s);
  const me = selfId(s);
  switch (p.msg.type) {
    case 'transfer': {
      const e = p.msg.epoch;
      if (!s.held && e > s.epoch) {
        return step({ ...s, held: true, epoch: e, pending: null }, [{ src: me, dst: p.src, msg: { type: 'locked', epoch: e } }]);
      }
      if (e <= s.epoch) return step(s, [{ src: me, dst: p.src, msg: { type: 'locked', epoch: e } }]);
      return step(s);
    }
    case 'locked':
      if (s.pending !== null && p.msg.epoch === s.pending.epoch && p.src === s.pending.dst) {
        return step({ ...s, pending: null });
      }
      return step(s);
    default: {
      const never: never = p.msg;
      return notEnabled(`unknown message ${JSON.stringify(never)}`);
    }
  }
};

/** Structural equality of lock host states. */
export function equalLockHost(a: LockHostState, b: LockHostState): boolean {
  return a.me === b.me && a.held === b.held && a.epoch === b.epoch &&
    (a.pending === b.pending || (a.pending !== null && b.pending !== null &&
      a.pending.epoch === b.pending.epoch && a.pending.dst === b.pending.dst)) &&
    a.config.hosts.length === b.config.hosts.length && a.config.hosts.every((h, i) => b.config.hosts[i] === h);
}

/** The IronLock host protocol. */
export const lockProtocol: HostProtocol<LockConfig, LockHostState, LockMsg> = {
  name: 'IronLock',
  init: lockInit,
  actions: { grant, retransmit, receive },
  equal: equalLockHost,
  equalMsg: equalLockMsg,
};
