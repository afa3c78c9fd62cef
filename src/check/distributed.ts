import { assert } from '../core/assert.js';
import type { DistributedState } from '../framework/distributed.js';
import { distributedInit } from '../framework/distributed.js';
import type { HostInput, HostProtocol } from '../framework/protocol.js';
import { isEnabled } from '../framework/protocol.js';
import type { HostId, Packet } from '../framework/types.js';
import type { Fingerprint } from './fingerprint.js';
import { absorbFingerprint, fingerprintString, newFingerprint } from './fingerprint.js';
import type { Invariant, LivenessProperty, Model, RefinementMapping, StepNote } from './model.js';
import { showValue } from './show.js';
import { stableKey } from './stable.js';

/**
 * The model of a protocol's distributed system (IronFleet's DS_Next, src/framework/distributed.ts):
 * a state is every host's state plus the network, the set of every packet ever sent. A step is one
 * host taking one enabled action, on one packet addressed to it from the network (for actions that
 * receive) and on one of the other inputs the binding enumerates (clock readings, choices). The
 * received packet stays in the network, so delivery may repeat, reorder, or never happen.
 *
 * Two additions the binding may ask for. Outsiders: hosts outside the service, with no state of
 * their own, that send any well-formed message the binding lists (`send(x0)` steps, bounded by
 * the number of outsider packets in the network), because a service that trusts a packet from a
 * stranger is wrong whatever its own hosts do. Lossy links (`network: 'lossy'`): the network holds
 * the packets in flight, a receive consumes its packet, and `lose(dst)` drops one; with receive
 * actions strongly fair this is a network where a packet sent again and again is eventually
 * delivered, so retransmission matters to liveness, as it does on real links.
 *
 * The network is kept sorted by each packet's stable key, so equal sets of packets are equal
 * arrays and fingerprint alike. Fingerprints of host states and packets are cached per object, so
 * a host left unchanged by a step costs nothing to fingerprint again.
 */

/** Which inputs each action is tried with. */
export interface InputEnumerator<S, M> {
  /** Whether `action` receives a packet: it is then tried once per packet addressed to the host. */
  receives(action: string): boolean;
  /**
   * The inputs other than the packet (clock readings, choices) to try `action` of `host` in state
   * `state` with, in a fixed order. Default: one empty input.
   */
  inputs?(host: HostId, action: string, state: S): readonly HostInput<M>[];
}

/**
 * Hosts outside the service. They have no state: each may send any message `messages` lists, and
 * the network holds at most `packetsMax` packets from outsiders at once (in IronFleet's network,
 * where nothing leaves, that bounds how many they ever send).
 */
export interface Outsiders<S, M> {
  /** Their ids, distinct from the service's. */
  readonly ids: readonly HostId[];
  /** The messages outsider `id` may send in state `ds`, with their destinations, in a fixed order. */
  messages(id: HostId, ds: DistributedState<S, M>): readonly { readonly dst: HostId; readonly msg: M }[];
  /** The most packets from outsiders in the network at once. */
  readonly packetsMax: number;
}

/**
 * What the network does. 'ironfleet': it holds every packet ever sent, and a receive leaves the
 * packet there, so any packet may be delivered again, late, or never (IronFleet's network, the
 * default). 'lossy': it holds the packets in flight; a receive consumes its packet, and a
 * `lose(dst)` step drops any packet addressed to `dst`.
 */
export type NetworkMode = 'ironfleet' | 'lossy';

/** A protocol bound to a configuration: everything needed to model-check its distributed system. */
export interface DistributedBinding<C, S, M> {
  /** The model's name, e.g. 'lock'. */
  readonly name: string;
  /** The bounds in words, e.g. '3 hosts, epoch <= 4'. */
  readonly bounds: string;
  readonly protocol: HostProtocol<C, S, M>;
  readonly config: C;
  readonly hostIds: readonly HostId[];
  readonly inputs: InputEnumerator<S, M>;
  /** A stable, injective key of a host state (default: stableKey). Equal states must give equal keys. */
  readonly hostKey?: (s: S) => string;
  /** A stable, injective key of a message (default: stableKey). */
  readonly msgKey?: (m: M) => string;
  /** A plain value showing a host state in traces (default: the state itself). */
  readonly viewHost?: (s: S) => unknown;
  /** A plain value showing a message in traces (default: the message itself). */
  readonly viewMsg?: (m: M) => unknown;
  readonly invariants?: readonly Invariant<DistributedState<S, M>>[];
  readonly constraint?: (ds: DistributedState<S, M>) => boolean;
  readonly refinement?: RefinementMapping<DistributedState<S, M>, unknown>;
  readonly liveness?: readonly LivenessProperty<DistributedState<S, M>>[];
  /** A canonical form under interchangeable hosts; must keep the network sorted (see `sortNetwork`). */
  readonly symmetry?: (ds: DistributedState<S, M>) => DistributedState<S, M>;
  /** Hosts outside the service that send messages to it (default: none). */
  readonly outsiders?: Outsiders<S, M>;
  /** What the network does (default 'ironfleet'). */
  readonly network?: NetworkMode;
}

/** The model of `binding`'s distributed system. */
export function distributedModel<C, S, M>(binding: DistributedBinding<C, S, M>): Model<DistributedState<S, M>> {
  const { protocol, hostIds, inputs } = binding;
  const outsiders = binding.outsiders;
  const outsiderIds = outsiders?.ids ?? [];
  const lossy = binding.network === 'lossy';
  assert(new Set([...hostIds, ...outsiderIds]).size === hostIds.length + outsiderIds.length, 'host and outsider ids must be distinct');
  assert(outsiders === undefined || (Number.isInteger(outsiders.packetsMax) && outsiders.packetsMax >= 0), 'outsiders.packetsMax must be a whole number >= 0');
  const actionNames = Object.keys(protocol.actions);
  const actions: string[] = [];
  for (const host of hostIds) for (const a of actionNames) actions.push(`${a}(${host})`);
  // Outsider sends and losses come after the hosts' actions. Loss is one action per destination,
  // not per packet: the packets are not known in advance and actions must be, and since loss is
  // never fair its name only shows where the packet was headed (the trace shows which was lost).
  const sendBase = actions.length;
  for (const x of outsiderIds) actions.push(`send(${x})`);
  const loseBase = actions.length;
  const destinations = lossy ? [...hostIds, ...outsiderIds] : [];
  for (const d of destinations) actions.push(`lose(${d})`);
  const isOutsider = new Set(outsiderIds);
  const receives = actionNames.map((a) => inputs.receives(a));
  const hostKey = binding.hostKey ?? stableKey;
  const packets = packetKeys(binding.msgKey ?? stableKey);
  const noInput: readonly HostInput<M>[] = [{}];

  // Per-object caches: unchanged hosts and packets are shared between states.
  const hostFps = new WeakMap<object, Fingerprint>();
  const hostFp = (s: S): Fingerprint => {
    const cacheable = typeof s === 'object' && s !== null;
    if (cacheable) {
      const hit = hostFps.get(s);
      if (hit !== undefined) return hit;
    }
    const f = newFingerprint();
    fingerprintString(hostKey(s), f);
    if (cacheable) hostFps.set(s, f);
    return f;
  };

  const fingerprint = (ds: DistributedState<S, M>, out: Fingerprint): void => {
    out.hi = 0x243f6a88;
    out.lo = hostIds.length;
    for (const id of hostIds) {
      const s = ds.hosts.get(id);
      assert(s !== undefined, `no state for host ${id}`);
      absorbFingerprint(out, hostFp(s));
    }
    out.hi = (out.hi ^ ds.network.length) >>> 0;
    for (const p of ds.network) absorbFingerprint(out, packets.fingerprint(p));
  };

  const successors = (
    ds: DistributedState<S, M>, emit: (action: number, t: DistributedState<S, M>, note?: StepNote) => void,
  ): void => {
    for (let h = 0; h < hostIds.length; h++) {
      const id = hostIds[h] ?? '';
      const s = ds.hosts.get(id);
      assert(s !== undefined, `no state for host ${id}`);
      let inbox: Packet<M>[] | null = null;
      for (let a = 0; a < actionNames.length; a++) {
        const name = actionNames[a] ?? '';
        const action = protocol.actions[name];
        if (action === undefined) continue;
        const index = h * actionNames.length + a;
        const bases = inputs.inputs?.(id, name, s) ?? noInput;
        const attempt = (input: HostInput<M>): void => {
          const outcome = action(s, input);
          if (!isEnabled(outcome)) return;
          const hosts = new Map(ds.hosts);
          hosts.set(id, outcome.state);
          const rest = lossy && input.packet !== undefined ? packets.remove(ds.network, input.packet) : ds.network;
          const network = packets.insertAll(rest, outcome.sent);
          emit(index, { hosts, network }, stepNote(id, input));
        };
        if (receives[a] === true) {
          inbox ??= ds.network.filter((p) => p.dst === id);
          for (const base of bases) for (const packet of inbox) attempt({ ...base, packet });
        } else {
          for (const base of bases) attempt(base);
        }
      }
    }
    if (outsiders !== undefined) {
      let fromOutsiders = 0;
      for (const p of ds.network) if (isOutsider.has(p.src)) fromOutsiders++;
      if (fromOutsiders < outsiders.packetsMax) {
        outsiderIds.forEach((x, k) => {
          for (const { dst, msg } of outsiders.messages(x, ds)) {
            const network = packets.insertAll(ds.network, [{ src: x, dst, msg }]);
            if (network !== ds.network) emit(sendBase + k, { hosts: ds.hosts, network }, { host: x });
          }
        });
      }
    }
    for (let d = 0; d < destinations.length; d++) {
      const dst = destinations[d] ?? '';
      // The trace's network diff shows which packet was lost.
      for (const p of ds.network) {
        if (p.dst === dst) emit(loseBase + d, { hosts: ds.hosts, network: packets.remove(ds.network, p) }, { host: dst });
      }
    }
  };

  const viewHost = binding.viewHost ?? ((s: S): unknown => s);
  const viewMsg = binding.viewMsg ?? ((m: M): unknown => m);
  return {
    name: binding.name,
    bounds: binding.bounds,
    actions,
    encoding: { kind: 'object', fingerprint },
    initial: (emit) => emit(distributedInit(protocol, binding.config, hostIds)),
    successors,
    ...(binding.invariants !== undefined ? { invariants: binding.invariants } : {}),
    ...(binding.constraint !== undefined ? { constraint: binding.constraint } : {}),
    ...(binding.refinement !== undefined ? { refinement: binding.refinement } : {}),
    ...(binding.liveness !== undefined ? { liveness: binding.liveness } : {}),
    ...(binding.symmetry !== undefined ? { symmetry: binding.symmetry } : {}),
    view: (ds) => {
      const hosts = new Map<HostId, unknown>();
      for (const [id, s] of ds.hosts) hosts.set(id, viewHost(s));
      return { hosts, network: new Set(ds.network.map((p) => `${p.src} -> ${p.dst} ${showValue(viewMsg(p.msg))}`)) };
    },
  };
}

function stepNote<M>(host: HostId, input: HostInput<M>): StepNote {
  const { packet, ...rest } = input;
  const note: { host: string; packet?: Packet<M>; input?: Record<string, unknown> } = { host };
  if (packet !== undefined) note.packet = packet;
  if (Object.keys(rest).length > 0) note.input = rest;
  return note;
}

/** Keys, fingerprints and sorted-set operations for packets, cached per packet object. */
export interface PacketKeys<M> {
  key(p: Packet<M>): string;
  fingerprint(p: Packet<M>): Fingerprint;
  /** `network` with each of `sent` added once, kept sorted by key; `network` itself if none is new. */
  insertAll(network: readonly Packet<M>[], sent: readonly Packet<M>[]): readonly Packet<M>[];
  /** `network` without the packet equal to `p`; `network` itself if it holds none. */
  remove(network: readonly Packet<M>[], p: Packet<M>): readonly Packet<M>[];
}

/** The stable key of a packet from `src` to `dst` whose message has the key `msgKey`; the network is sorted by it. */
export function packetKey(src: HostId, dst: HostId, msgKey: string): string {
  return `${JSON.stringify(src)}>${JSON.stringify(dst)}:${msgKey}`;
}

/** Packet keys built on `msgKey`, the stable key of a message. */
export function packetKeys<M>(msgKey: (m: M) => string): PacketKeys<M> {
  const keys = new WeakMap<Packet<M>, string>();
  const fps = new WeakMap<Packet<M>, Fingerprint>();
  const key = (p: Packet<M>): string => {
    let k = keys.get(p);
    if (k === undefined) {
      k = packetKey(p.src, p.dst, msgKey(p.msg));
      keys.set(p, k);
    }
    return k;
  };
  const fingerprint = (p: Packet<M>): Fingerprint => {
    let f = fps.get(p);
    if (f === undefined) {
      f = newFingerprint();
      fingerprintString(key(p), f);
      fps.set(p, f);
    }
    return f;
  };
  // Binary search for the first packet of the sorted `network` whose key is >= k.
  const lowerBound = (network: readonly Packet<M>[], k: string): number => {
    let lo = 0;
    let hi = network.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = network[mid];
      if (m !== undefined && key(m) < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const insertAll = (network: readonly Packet<M>[], sent: readonly Packet<M>[]): readonly Packet<M>[] => {
    let out: Packet<M>[] | null = null;
    for (const p of sent) {
      const target: readonly Packet<M>[] = out ?? network;
      const k = key(p);
      const lo = lowerBound(target, k);
      const at = target[lo];
      if (at !== undefined && key(at) === k) continue;
      out ??= [...network];
      out.splice(lo, 0, p);
    }
    return out ?? network;
  };
  const remove = (network: readonly Packet<M>[], p: Packet<M>): readonly Packet<M>[] => {
    const k = key(p);
    const at = lowerBound(network, k);
    const found = network[at];
    if (found === undefined || key(found) !== k) return network;
    return [...network.slice(0, at), ...network.slice(at + 1)];
  };
  return { key, fingerprint, insertAll, remove };
}

/** `network` sorted and deduplicated by packet key, as the distributed model keeps it. */
export function sortNetwork<M>(keys: PacketKeys<M>, network: readonly Packet<M>[]): readonly Packet<M>[] {
  return keys.insertAll([], network);
}
