import { assert } from '../core/assert.js';
import type { DistributedState } from '../framework/distributed.js';
import type { HostProtocol } from '../framework/protocol.js';
import type { NetworkMode } from '../check/distributed.js';
import { distributedModel } from '../check/distributed.js';
import type { LivenessProperty, Model } from '../check/model.js';
import type { LockConfig, LockHostState } from './protocol/host.js';
import { lockProtocol } from './protocol/host.js';
import type { LockMsg } from './protocol/messages.js';
import { atMostOneHolder, holderHasLatestEpoch, lockAbstraction, lockedMessagesCorrespond, maxEpoch } from './protocol/refinement.js';
import { lockSpec } from './spec.js';
import { acceptOutsiderProtocol, acceptStaleProtocol, staleAckProtocol } from './testing.js';

/**
 * IronLock's distributed system as a model: the real protocol of src/lock/protocol, hosts h0..hN-1
 * in a ring, a network of every packet ever sent. Checked: the invariants (mutual exclusion, the
 * holder has the latest epoch, every Locked message corresponds to the spec's history), refinement
 * to the history spec on every transition, and liveness: under weak fairness of grant and accept,
 * every host holds the lock again and again — or the epoch bound is reached, beyond which the
 * model is not explored.
 *
 * Optionally, an outsider x0 (a host outside the ring) sends any Transfer or Locked to any ring
 * host, and the network may be lossy (packets in flight only, consumed on receipt, lost at any
 * time), where liveness needs retransmission: see src/check/distributed.ts.
 */

/** Known broken variants, to show the checker catching them. */
export type LockBug = 'accept-stale' | 'accept-outsider' | 'stale-ack';

/** The broken variants, with what each does and which check sees it. */
export const lockBugs: Readonly<Record<LockBug, string>> = {
  'accept-stale': 'a host accepts a transfer whose epoch is not above its own',
  'accept-outsider': 'a host accepts a transfer from a host outside the ring; seen only with --outsiders 1 or more',
  'stale-ack': 'a stale Locked stops retransmission; seen only with --network lossy',
};

const bugProtocols: Readonly<Record<LockBug, HostProtocol<LockConfig, LockHostState, LockMsg>>> = {
  'accept-stale': acceptStaleProtocol,
  'accept-outsider': acceptOutsiderProtocol,
  'stale-ack': staleAckProtocol,
};

/** The id of the outsider, the host outside the ring that the model may let send. */
export const lockOutsiderId = 'x0';

/** The most outsider packets the lock model allows in the network at once (each multiplies the states). */
export const lockOutsiderPacketsMax = 4;

/**
 * Weak fairness on lossy links: the holder eventually grants, and a host with an unacknowledged
 * transfer eventually sends it again.
 */
export const lossyWeakFairness: readonly string[] = ['grant(*)', 'retransmit(*)'];

/**
 * Strong fairness on lossy links: every way to receive a packet. A packet sent again and again
 * enables its receive action again and again (with gaps, as copies are lost), so it is eventually
 * received: the fairness of delivery over a link that does not lose everything.
 */
export const lossyStrongFairness: readonly string[] = ['accept(*)', 'ack(*)', 'acknowledged(*)', 'ignore(*)'];

/** Options of the lock model. */
export interface LockModelOptions {
  readonly hosts: number;
  /** Epochs above this are not explored (the state constraint). */
  readonly maxEpoch: number;
  readonly liveness?: boolean;
  /**
   * Actions assumed weakly fair for liveness (default: grant and accept of every host in
   * IronFleet's network, `lossyWeakFairness` on lossy links).
   */
  readonly fairness?: readonly string[];
  /** Actions assumed strongly fair for liveness (default: none, `lossyStrongFairness` on lossy links). */
  readonly strongFairness?: readonly string[];
  /** How many packets from the outsider x0 the network may hold at once (default 0: no outsider). */
  readonly outsiders?: number;
  /** IronFleet's network of every packet ever sent (default), or lossy links. */
  readonly network?: NetworkMode;
  readonly bug?: LockBug;
  /** A protocol to check instead of IronLock's (for tests of the checks themselves). */
  readonly protocol?: HostProtocol<LockConfig, LockHostState, LockMsg>;
}

type LockState = DistributedState<LockHostState, LockMsg>;

/** IronLock's distributed system as a model, on `options.hosts` hosts up to `options.maxEpoch`. */
export function lockModel(options: LockModelOptions): Model<LockState> {
  const hosts = Array.from({ length: options.hosts }, (_, i) => `h${i}`);
  const protocol = options.protocol ?? (options.bug !== undefined ? bugProtocols[options.bug] : lockProtocol);
  const lossy = options.network === 'lossy';
  const outsiderPackets = options.outsiders ?? 0;
  assert(Number.isInteger(outsiderPackets) && outsiderPackets >= 0 && outsiderPackets <= lockOutsiderPacketsMax,
    `outsiders must be a whole number from 0 to ${lockOutsiderPacketsMax}`);
  const strongFairness = options.strongFairness ?? (lossy ? lossyStrongFairness : []);
  // Every host holds the lock again and again: from any state where it does not hold it, it
  // eventually does (or the epoch bound is reached). A leads-to from every reachable state, not
  // `<>` from the initial state, so that a ring that stops after its first round fails it.
  const holdsOrBound = (h: string) => (ds: LockState): boolean => ds.hosts.get(h)?.held === true || maxEpoch(ds) >= options.maxEpoch;
  const liveness: LivenessProperty<LockState>[] = hosts.map((h) => ({
    kind: 'leadsTo',
    name: `${h}HoldsAgain`,
    // In IronFleet's network fair delivery is weak fairness of accept: a transfer in the network
    // stays deliverable. On lossy links it is strong fairness of receiving, and retransmission is
    // what keeps a transfer coming back after each loss.
    fairness: options.fairness ?? (lossy ? lossyWeakFairness : ['grant(*)', 'accept(*)']),
    ...(strongFairness.length > 0 ? { strongFairness } : {}),
    p: (ds: LockState) => !holdsOrBound(h)(ds),
    q: holdsOrBound(h),
  }));
  // The outsider sends anything well formed: Transfer and Locked of every epoch up to one past
  // the bound, to every ring host.
  const outsiderMessages: { dst: string; msg: LockMsg }[] = [];
  for (const dst of hosts) {
    for (let epoch = 0; epoch <= options.maxEpoch + 1; epoch++) {
      outsiderMessages.push({ dst, msg: { type: 'transfer', epoch } }, { dst, msg: { type: 'locked', epoch } });
    }
  }
  const bounds = [
    `${options.hosts} hosts`, `epoch <= ${options.maxEpoch}`,
    ...(outsiderPackets > 0 ? [`${outsiderPackets} outsider packet${outsiderPackets === 1 ? '' : 's'}`] : []),
    ...(lossy ? ['lossy links'] : []),
    ...(options.bug !== undefined ? [`bug ${options.bug}`] : []),
  ];
  return distributedModel({
    name: 'lock',
    bounds: bounds.join(', '),
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
    ...(outsiderPackets > 0
      ? { outsiders: { ids: [lockOutsiderId], messages: () => outsiderMessages, packetsMax: outsiderPackets } }
      : {}),
    ...(lossy ? { network: 'lossy' as const } : {}),
  });
}
