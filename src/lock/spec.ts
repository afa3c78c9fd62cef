import type { HostId } from '../framework/types.js';
import type { SpecMachine } from '../framework/spec.js';

/**
 * IronLock's specification, as in IronFleet: the service is the history of lock holders. It
 * starts with one holder and grows by one holder per step. What users rely on is the
 * correspondence (`lockedCorrespondence`): a message "locked at epoch e" is only ever sent by the
 * e-th holder, so an epoch names exactly one holder.
 */
export interface LockSpecState {
  /** The hosts of the service; never changes. */
  readonly hosts: readonly HostId[];
  /** The holders so far: `history[e - 1]` held the lock at epoch e. */
  readonly history: readonly HostId[];
}

/** The IronLock spec machine. */
export const lockSpec: SpecMachine<LockSpecState> = {
  name: 'IronLock',
  init: (s) => s.history.length === 1 && s.hosts.includes(s.history[0] ?? ''),
  next: (s, t) =>
    sameHosts(s, t) &&
    t.history.length === s.history.length + 1 &&
    s.history.every((h, i) => t.history[i] === h) &&
    t.hosts.includes(t.history[s.history.length] ?? ''),
  equal: (a, b) => sameHosts(a, b) && a.history.length === b.history.length && a.history.every((h, i) => b.history[i] === h),
  show: (s) => `history [${s.history.join(', ')}]`,
};

/**
 * The spec's correspondence for one packet: a Locked(epoch) message from a service host is
 * allowed only when `epoch` is in the history and its sender is the holder at that epoch.
 */
export function lockedCorrespondence(s: LockSpecState, src: HostId, epoch: number): boolean {
  if (!s.hosts.includes(src)) return true;
  return epoch >= 1 && epoch <= s.history.length && s.history[epoch - 1] === src;
}

function sameHosts(a: LockSpecState, b: LockSpecState): boolean {
  return a.hosts.length === b.hosts.length && a.hosts.every((h, i) => b.hosts[i] === h);
}
