import type { DiskError, DurableStore, HostEnvironment, ImplHost } from '../framework/host.js';
import type { Result } from '../core/result.js';
import type { MessageCodec } from '../framework/codec.js';
import type { HostId } from '../framework/types.js';
import type { Prng } from '../core/prng.js';
import type { HistoryEvent, HistoryRecorder, LinVerdict } from './history.js';

/**
 * How a system plugs into the simulator: a binding names the hosts, builds them (again after each
 * crash, from what their disk kept), says how messages become bytes, and brings the checks the
 * run must pass. The simulator runs the hosts' real code; the binding adds no simulation logic.
 *
 * Type parameters: `P` the hosts' abstract (protocol) state, `M` the message type, `C` the
 * configuration every host shares, `O`/`R` the operations and results of the client workload.
 */
export interface SimSystem<P, M, C, O = never, R = never> {
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
