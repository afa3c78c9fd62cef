import type { DistributedState } from '../framework/distributed.js';
import type { HostProtocol } from '../framework/protocol.js';
import { distributedModel } from '../check/distributed.js';
import type { LivenessProperty, Model } from '../check/model.js';
import type { LockConfig, LockHostState } from './protocol/host.js';
import { lockProtocol } from './protocol/host.js';
import type { LockMsg } from './protocol/messages.js';
import { atMostOneHolder, holderHasLatestEpoch, lockAbstraction, lockedMessagesCorrespond, maxEpoch } from './protocol/refinement.js';
import { lockSpec } from './spec.js';
import { acceptStaleProtocol } from './testing.js';

/**
 * IronLock's distributed system as a model: the real protocol of src/lock/protocol, hosts h0..hN-1
 * in a ring, a network of every packet ever sent. Checked: the invariants (mutual exclusion, the
 * holder has the latest epoch, every Locked message corresponds to the spec's history), refinement
 * to the history spec on every transition, and liveness: under weak fairness of grant and accept,
 * every host eventually holds the lock — or the epoch bound is reached, beyond which the model is
 * not explored.
 */

/** Known broken variants, to show the checker catching them. */
export type LockBug = 'accept-stale';

/** The broken variants, with what each does. */
export const lockBugs: Readonly<Record<LockBug, string>> = {
  'accept-stale': 'a host accepts a transfer whose epoch is not above its own',
};

/** Options of the lock model. */
export interface LockModelOptions {
  readonly hosts: number;
  /** Epochs above this are not explored (the state constraint). */
  readonly maxEpoch: number;
  readonly liveness?: boolean;
  /** Actions assumed weakly fair for liveness (default: grant and accept of every host). */
  readonly fairness?: readonly string[];
  readonly bug?: LockBug;
  /** A protocol to check instead of IronLock's (for tests of the checks themselves). */
  readonly protocol?: HostProtocol<LockConfig, LockHostState, LockMsg>;
}

type LockState = DistributedState<LockHostState, LockMsg>;

/** IronLock's distributed system as a model, on `options.hosts` hosts up to `options.maxEpoch`. */
export function lockModel(options: LockModelOptions): Model<LockState> {
  const hosts = Array.from({ length: options.hosts }, (_, i) => `h${i}`);
  const protocol = options.protocol ?? (options.bug === 'accept-stale' ? acceptStaleProtocol : lockProtocol);
  const liveness: LivenessProperty<LockState>[] = hosts.map((h) => ({
    kind: 'eventually',
    name: `${h}HoldsAgain`,
    // Fair delivery is fairness of accept: a transfer in the network stays deliverable, and
    // retransmission is what makes that true of a real network that loses packets.
    fairness: options.fairness ?? ['grant(*)', 'accept(*)'],
    holds: (ds: LockState) => (ds.hosts.get(h)?.held === true && (ds.hosts.get(h)?.epoch ?? 0) > 1) || maxEpoch(ds) >= options.maxEpoch,
  }));
  return distributedModel({
    name: 'lock',
    bounds: `${options.hosts} hosts, epoch <= ${options.maxEpoch}${options.bug !== undefined ? `, bug ${options.bug}` : ''}`,
    protocol,
    config: { hosts },
    hostIds: hosts,
    inputs: { receives: (action) => action !== 'grant' && action !== 'retransmit' },
    // The ring and the host's index never change, so these fields identify a host state.
    hostKey: (s) => `${s.held ? 1 : 0}:${s.epoch}:${s.pending === null ? 0 : s.pending.epoch}`,
    msgKey: (m) => `${m.type === 'transfer' ? 't' : 'l'}${m.epoch}`,
    viewHost: (s) => ({ held: s.held, epoch: s.epoch, pending: s.pending === null ? null : s.pending.epoch }),
    invariants: [
      { name: 'AtMostOneHolder', holds: atMostOneHolder },
      { name: 'HolderHasLatestEpoch', holds: holderHasLatestEpoch },
      { name: 'LockedCorrespondence', holds: lockedMessagesCorrespond },
    ],
    constraint: (ds) => maxEpoch(ds) <= options.maxEpoch,
    refinement: { spec: lockSpec, abstract: lockAbstraction },
    ...(options.liveness === true ? { liveness } : {}),
  });
}
