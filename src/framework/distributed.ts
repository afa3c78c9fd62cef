import type { HostId, Packet } from './types.js';
import type { HostInput, HostProtocol } from './protocol.js';
import { isEnabled } from './protocol.js';

/**
 * The distributed system of a protocol, as in IronFleet: every host's state, and a network that
 * holds every packet ever sent. Delivery picks any packet addressed to a host, so packets may be
 * delivered many times, in any order, or never: loss, duplication and reordering come for free.
 */
export interface DistributedState<S, M> {
  readonly hosts: ReadonlyMap<HostId, S>;
  readonly network: readonly Packet<M>[];
}

/** One transition of the distributed system: which host took which action on which input. */
export interface DistributedStep<M> {
  readonly host: HostId;
  readonly action: string;
  readonly input: HostInput<M>;
}

/** The initial distributed state: every host in its initial state, an empty network. */
export function distributedInit<C, S, M>(
  protocol: HostProtocol<C, S, M>, config: C, hostIds: readonly HostId[],
): DistributedState<S, M> {
  return { hosts: new Map(hostIds.map((id) => [id, protocol.init(config, id)])), network: [] };
}

/**
 * Applies one host step to a distributed state (IronFleet's `DS_Next`): the received packet must
 * already be in the network and addressed to the host; the packets sent join the network, each
 * once. Returns undefined when the step is not enabled.
 */
export function distributedNext<C, S, M>(
  protocol: HostProtocol<C, S, M>, ds: DistributedState<S, M>, step: DistributedStep<M>,
): DistributedState<S, M> | undefined {
  const host = ds.hosts.get(step.host);
  const action = protocol.actions[step.action];
  if (host === undefined || action === undefined) return undefined;
  const received = step.input.packet;
  if (received !== undefined) {
    if (received.dst !== step.host) return undefined;
    if (!ds.network.some((p) => samePacket(protocol, p, received))) return undefined;
  }
  const outcome = action(host, step.input);
  if (!isEnabled(outcome)) return undefined;
  const hosts = new Map(ds.hosts);
  hosts.set(step.host, outcome.state);
  const network = [...ds.network];
  for (const p of outcome.sent) {
    if (!network.some((q) => samePacket(protocol, q, p))) network.push(p);
  }
  return { hosts, network };
}

/** Whether two packets are the same packet: same endpoints and equal messages. */
export function samePacket<C, S, M>(protocol: HostProtocol<C, S, M>, a: Packet<M>, b: Packet<M>): boolean {
  return a.src === b.src && a.dst === b.dst && protocol.equalMsg(a.msg, b.msg);
}
