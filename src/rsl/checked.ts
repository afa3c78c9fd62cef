import type { MonitoredHost, PacketAbstraction } from '../check/monitor.js';
import { monitor } from '../check/monitor.js';
import type { ImplHost } from '../framework/host.js';
import type { Packet } from '../framework/types.js';
import type { VersionSpec } from './app-version.js';
import { AppVersion, serviceVersionSpec } from './app-version.js';
import type { RslReplica } from './impl/replica.js';
import type { RslMsg } from './protocol/messages.js';
import type { ReplicaState, RslConstants } from './protocol/replica.js';
import { rslProtocol } from './protocol/replica.js';
import type { ServiceFactory, ServiceState } from './service.js';
import type { RslImplMsg, RslProtocolMsg } from './wire.js';
import { rslPacketAbstraction } from './wire.js';

/**
 * IronRSL checked as it runs (`ironfleet rsl serve --checked`): the implementation replica under
 * the refinement monitor against `rslProtocol(serviceVersionSpec(factory))`, the protocol over app
 * versions (src/rsl/app-version.ts), so that a checked step costs about what the step touched
 * rather than a serialization of the whole service per request.
 *
 * What is compared when (docs/rsl.md, "Checked mode"):
 * - every step: the protocol state after the claimed action with the replica's abstraction, the
 *   app as versions (the same requests, in the same order, from the same snapshot: a reference
 *   comparison), and every packet sent, so every reply the service gave with the one the shadow
 *   copy of the spec gave, and the reply cache entry by entry;
 * - where the implementation serializes its service anyway (the executor's durable save before a
 *   heartbeat, a state supply, and every `versionRequestsMax` requests): the snapshot taken, byte
 *   for byte, with the spec's content of the version, in the step that took it (the supply's bytes
 *   also as the packet sent).
 */

/** The protocol message of `m` with the app state of a state supply as the root version of its bytes; every other message is itself. */
export function versionMsgOf(factory: ServiceFactory, m: RslProtocolMsg): RslMsg<AppVersion> {
  if (m.type !== 'appStateSupply') return m;
  return { ...m, state: { app: AppVersion.root(factory, m.state.app), replyCache: m.state.replyCache } };
}

/**
 * The monitor's packet abstraction for the protocol over app versions: `rslPacketAbstraction`
 * (client sessions), then a state supply's snapshot as the root version of its bytes.
 */
export function rslVersionPacketAbstraction(factory: ServiceFactory): PacketAbstraction<RslImplMsg, RslMsg<AppVersion>> {
  return (p) => {
    const q = rslPacketAbstraction(p);
    if (q.msg.type !== 'appStateSupply') return q as Packet<RslMsg<AppVersion>>;
    return { src: q.src, dst: q.dst, msg: versionMsgOf(factory, q.msg) };
  };
}

/** `replica` with its abstraction over app versions (`abstractVersions`): the host the checked monitor wraps. */
export function versionedReplica<S extends ServiceState>(replica: RslReplica<S>): ImplHost<ReplicaState<AppVersion>, RslImplMsg> {
  return {
    step: (env) => replica.step(env),
    abstract: () => replica.abstractVersions(),
    wakeAfterMs: (nowMs) => replica.wakeAfterMs(nowMs),
  };
}

/**
 * `replica` under the refinement monitor against `rslProtocol(spec)`, by default
 * `serviceVersionSpec(factory)`; `factory` is the replica's service.
 */
export function checkedRslReplica<S extends ServiceState>(
  replica: RslReplica<S>, factory: ServiceFactory<S>, spec: VersionSpec = serviceVersionSpec(factory),
): MonitoredHost<RslConstants, ReplicaState<AppVersion>, RslImplMsg, RslMsg<AppVersion>> {
  return monitor(versionedReplica(replica), rslProtocol(spec), rslVersionPacketAbstraction(factory));
}
