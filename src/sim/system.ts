import type { DiskError, DurableStore, HostEnvironment, ImplHost } from '../framework/host.js';
import type { Result } from '../core/result.js';
import type { MessageCodec } from '../framework/codec.js';
import type { HostId, Packet } from '../framework/types.js';
import type { Prng } from '../core/prng.js';
import type { SpecMachine } from '../framework/spec.js';
import type { DistributedState } from '../framework/distributed.js';
import type { HistoryEvent, HistoryRecorder, LinVerdict } from './history.js';

/**
 * How a system plugs into the simulator: a binding names the hosts, builds them (again after each
 * crash, from what their disk kept), says how messages become bytes, and brings the checks the
 * run must pass. The simulator runs the hosts' real code; the binding adds no simulation logic.
 *
 * Type parameters: `P` the hosts' abstract (protocol) state, `M` the message type, `C` the
 * configuration every host shares, `O`/`R` the operations and results of the client workload,
 * `S` the state of the spec the protocol refines.
 */
export interface SimSystem<P, M, C, O = never, R = never, S = unknown> {
  readonly name: string;
  /** The server hosts, in a fixed order. */
  readonly hostIds: readonly HostId[];
  readonly config: C;
  /**
   * Builds host `id`. Called at the start and again after every crash, with the same disk: a
   * restarted host recovers from what the disk kept. A host that cannot start (its disk read
   * failed) is returned as a failed Result: it stays down and is built again a little later, as a
   * supervisor would restart a process.
   */
  createHost(id: HostId, disk: DurableStore, config: C): ImplHost<P, M> | Result<ImplHost<P, M>, DiskError>;
  /** The wire format. When present (and the run does not turn it off) every packet is encoded and decoded. */
  readonly codec?: MessageCodec<M>;
  /**
   * Wraps every host the simulator builds, for example in the refinement monitor. The wrapper
   * may throw (an Error subclass) on a violation: any exception from a step fails the run.
   */
  wrap?(host: ImplHost<P, M>, id: HostId): ImplHost<P, M>;
  /** A fresh safety check for one run, consulted after every host step. */
  createSafetyCheck?(): SafetyCheck<P>;
  /**
   * The protocol's abstraction to its spec, checked after every host step and every restart: the
   * same mapping the model checker checks, here applied to the hosts of a real run.
   */
  readonly refinement?: SimRefinement<P, M, S>;
  /** Hosts outside the service that send it protocol messages during the fault window. */
  readonly outsiders?: SimOutsiders<P, M>;
  /** Clients issuing requests, with the check of their history. */
  readonly workload?: SimWorkload<M, O, R>;
  /** What must happen once faults stop. */
  readonly liveness?: LivenessCondition<P, O, R>;
  /** Renders a message for traces (default: a JSON-like rendering). */
  showMsg?(msg: M): string;
  /** The fault window and quiet period this system's checks are sized for, in simulated ms. */
  readonly defaultDurationMs?: number;
  readonly defaultQuietMs?: number;
}

/**
 * The spec check of a binding. The simulator keeps a distributed state of the protocol layer, as
 * the model checker does: every host's abstract state (`ImplHost.abstract()`) and the packets sent
 * so far that the abstraction reads. After every host step it maps that state to the spec with
 * `abstract`; the transition from the previous spec state must be a spec step or a stutter
 * (`classifySpecStep`), and every packet the step sent must satisfy `packetCorresponds` against the
 * spec state after the step. The first spec state must satisfy `spec.init`.
 *
 * A crashed host contributes its last abstract state until it restarts, then the state it
 * recovered from its disk: a crash loses nothing the service has promised, so it is no spec step,
 * and a host that comes back from a stale disk shows up as the spec going backwards.
 *
 * Checking each packet once, when it is sent, is as strong as checking the whole network after
 * every step (as the model checker's invariant does) when the spec's history only grows, which the
 * step check itself makes sure of.
 */
export interface SimRefinement<P, M, S> {
  readonly spec: SpecMachine<S>;
  /** The abstraction protocol -> spec (for IronLock, the model checker's `lockAbstraction`). */
  abstract(ds: DistributedState<P, M>): S;
  /**
   * The spec's correspondence for one packet a host sent (for IronLock, Locked(e) only from the
   * e-th holder), against the spec state after the step that sent it. Absent: no packet check.
   */
  packetCorresponds?(s: S, packet: Packet<M>): boolean;
  /**
   * Which sent packets `abstract` reads, and when two are the same packet: a key (equal keys are
   * kept once, as in the model's network of every packet ever sent), or null for a packet the
   * abstraction does not need. Absent: the abstraction reads only the hosts, and sees an empty
   * network. At most `simDefaults.specPacketsKeptMax` distinct packets are kept; a binding that
   * names more fails the run.
   */
  networkKey?(packet: Packet<M>): string | null;
  /**
   * What the abstraction depends on, as one number or string (for IronLock, the largest epoch any
   * host accepted: the history of holders follows from it). When present, the spec state is
   * computed again only after a step that changes the key, and a step that does not is a stutter;
   * only the packets it sent are checked. This keeps the check cheap when the abstraction costs
   * more than a step, as IronLock's history of every epoch does. The key must determine the spec
   * state: a key that misses a change would hide a violation.
   */
  abstractionKey?(ds: DistributedState<P, M>): string | number;
  /** A short rendering of a spec state for failure messages (default: `spec.show`, cut to its end). */
  showSpec?(s: S): string;
}

/** What an outsider sends: a well-formed message, and the service host it is for. */
export interface OutsiderSend<M> {
  readonly dst: HostId;
  readonly msg: M;
}

/** What an outsider knows when it picks a message. */
export interface OutsiderView<P, M> {
  /** Simulated time, in ms. */
  readonly nowMs: number;
  /** The service's hosts. */
  readonly hostIds: readonly HostId[];
  /** The abstract state of a live host (undefined while it is crashed): an outsider may know it. */
  state(id: HostId): P | undefined;
  /**
   * The last packets service hosts sent, oldest first (at most `simDefaults.outsiderRecentMax`),
   * for replays. Valid only during the call.
   */
  readonly recent: readonly Packet<M>[];
}

/**
 * Hosts outside the service: endpoints with ids no service host has, that send well-formed
 * protocol messages at times the seed picks (exponential gaps), through the same faulty network
 * and codec, during the fault window only. They never crash; what hosts send them is dropped. They
 * stand for a stale member of an old configuration, a misdirected client, or anyone who can reach
 * the service's port: a host must never take them for one of its peers.
 */
export interface SimOutsiders<P, M> {
  /** Outsiders in a run unless the run says otherwise (`SimRunOptions.outsiders`). */
  readonly defaultCount: number;
  /** Mean gap between two sends of one outsider, in simulated ms. */
  readonly meanIntervalMs: number;
  /** The next message to send, picked with `prng` (the outsider's own stream), or null for none. */
  message(prng: Prng, view: OutsiderView<P, M>): OutsiderSend<M> | null;
}

/** What a safety check sees after a host step. */
export interface SafetyView<P> {
  /** Simulated time, in ms. */
  readonly nowMs: number;
  readonly hostIds: readonly HostId[];
  /** The host that just stepped, and what it emitted in that step. */
  readonly stepped: HostId;
  readonly emitted: readonly string[];
  /** The abstract state of a host, or undefined while it is crashed. */
  state(id: HostId): P | undefined;
}

/** A safety property; it may keep state across the steps of one run. */
export interface SafetyCheck<P> {
  /** The violation, in a sentence, or null when the property still holds. */
  afterStep(view: SafetyView<P>): string | null;
}

/** An event a host emitted after faults stopped, with its simulated time. */
export interface TimedEvent {
  readonly atMs: number;
  readonly event: string;
}

/** What a liveness condition sees at the end of a run. */
export interface LivenessView<P, O, R> {
  /** When faults stopped (all partitions healed, all hosts up), in simulated ms. */
  readonly quietFromMs: number;
  /** When the run ended, in simulated ms. */
  readonly endMs: number;
  readonly hostIds: readonly HostId[];
  state(id: HostId): P | undefined;
  /** What host `id` emitted after faults stopped, oldest first (at most `quietEventsKeptMax`). */
  emittedSinceQuiet(id: HostId): readonly TimedEvent[];
  /** The client history (empty without a workload). */
  readonly history: readonly HistoryEvent<O, R>[];
}

/** A liveness condition, checked once at the end of the run. */
export interface LivenessCondition<P, O, R> {
  /** What must happen, in a sentence, e.g. 'every host accepts within 200 ms after faults stop'. */
  readonly description: string;
  /** What did not happen, or null when the condition holds. */
  check(view: LivenessView<P, O, R>): string | null;
}

/**
 * A simulated client. It talks to the hosts over the same faulty network, through the same kind
 * of environment, but it is not a host: it does not crash and is not journaled.
 */
export interface SimClient<M> {
  /** Runs one step: read packets, send requests, record calls and returns. */
  step(env: HostEnvironment<M>): void;
  /** Like `ImplHost.wakeAfterMs`. */
  wakeAfterMs(nowMs: number): number | null;
}

/** A client workload: the clients, and how their history is checked. */
export interface SimWorkload<M, O, R> {
  readonly clientIds: readonly HostId[];
  /** Builds client `id`; `history` records its operations, `prng` is its own randomness. */
  createClient(id: HostId, history: HistoryRecorder<O, R>, prng: Prng): SimClient<M>;
  /** The linearizability check of a complete run's history (for example one from src/lin). */
  checkHistory?(history: readonly HistoryEvent<O, R>[]): LinVerdict;
}
