import type { DistributedState } from '../../framework/distributed.js';
import type { LockSpecState } from '../spec.js';
import { lockedCorrespondence } from '../spec.js';
import type { LockHostState } from './host.js';
import type { LockMsg } from './messages.js';

/**
 * The abstraction from IronLock's distributed system to its spec, and the invariants checked on
 * every explored state.
 */

/** The ring's hosts, read from any host's configuration. */
function ringOf(ds: DistributedState<LockHostState, LockMsg>): readonly string[] {
  for (const h of ds.hosts.values()) return h.config.hosts;
  return [];
}

/** The largest epoch any host has accepted. */
export function maxEpoch(ds: DistributedState<LockHostState, LockMsg>): number {
  let e = 0;
  for (const h of ds.hosts.values()) e = Math.max(e, h.epoch);
  return e;
}

/**
 * Abstraction to the spec: the history has one entry per epoch reached so far (the largest epoch
 * any host accepted); epoch e's holder is the host that Transfer(e) is sent to, which in the ring
 * is host (e - 1) mod n. Every accept of a new epoch is one spec step; all else stutters.
 */
export function lockAbstraction(ds: DistributedState<LockHostState, LockMsg>): LockSpecState {
  const hosts = ringOf(ds);
  const last = maxEpoch(ds);
  const history: string[] = [];
  for (let e = 1; e <= last; e++) history.push(hosts[(e - 1) % hosts.length] ?? '');
  return { hosts, history };
}

/** Mutual exclusion: at most one host holds the lock. */
export function atMostOneHolder(ds: DistributedState<LockHostState, LockMsg>): boolean {
  let holders = 0;
  for (const h of ds.hosts.values()) if (h.held) holders++;
  return holders <= 1;
}

/** A holder's epoch is the largest epoch any host has accepted. */
export function holderHasLatestEpoch(ds: DistributedState<LockHostState, LockMsg>): boolean {
  const latest = maxEpoch(ds);
  for (const h of ds.hosts.values()) if (h.held && h.epoch !== latest) return false;
  return true;
}

/** The spec's correspondence: every Locked(e) in the network was sent by the holder of epoch e. */
export function lockedMessagesCorrespond(ds: DistributedState<LockHostState, LockMsg>): boolean {
  const spec = lockAbstraction(ds);
  return ds.network.every((p) => p.msg.type !== 'locked' || lockedCorrespondence(spec, p.src, p.msg.epoch));
}
