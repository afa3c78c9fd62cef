import type { HostId, Packet } from './types.js';

/**
 * The middle layer: a host as a pure state machine. Each named action takes the host's state and
 * its input (the packet received, if any; the clock reading, if any) and returns the next state
 * with the packets sent, or "not enabled". Actions never do IO, read clocks or draw random
 * numbers: everything they depend on arrives in `HostInput`, so the same action runs under the
 * model checker, the simulator and the refinement monitor.
 */

/** What one host step consumed: at most one packet, and at most one clock reading. */
export interface HostInput<M> {
  readonly packet?: Packet<M>;
  readonly nowMs?: number;
}

/** The result of an enabled action: the host's next state and the packets it sent. */
export interface HostStep<S, M> {
  readonly state: S;
  readonly sent: readonly Packet<M>[];
}

/** An action's guard does not hold for this state and input; `why` says which part failed. */
export interface NotEnabled {
  readonly enabled: false;
  readonly why: string;
}

/** What running an action yields. */
export type ActionOutcome<S, M> = HostStep<S, M> | NotEnabled;

/** One protocol action of a host. */
export type HostAction<S, M> = (s: S, input: HostInput<M>) => ActionOutcome<S, M>;

/** "Not enabled", with the reason. */
export function notEnabled(why: string): NotEnabled {
  return { enabled: false, why };
}

/** Whether an outcome is an enabled step. */
export function isEnabled<S, M>(outcome: ActionOutcome<S, M>): outcome is HostStep<S, M> {
  return !('enabled' in outcome);
}

/**
 * A host protocol: how a host starts and the actions it may take. `C` is the configuration every
 * host shares (for example the list of hosts), `S` the host state, `M` the message type.
 */
export interface HostProtocol<C, S, M> {
  readonly name: string;
  /** The initial state of host `me` in configuration `config`. */
  init(config: C, me: HostId): S;
  /** The host's actions, by name. A host step is exactly one enabled action. */
  readonly actions: Readonly<Record<string, HostAction<S, M>>>;
  /** Structural equality of host states, used to compare the monitor's abstractions. */
  equal(a: S, b: S): boolean;
  /** Structural equality of messages. */
  equalMsg(a: M, b: M): boolean;
}
