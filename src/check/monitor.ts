import type { HostEnvironment, ImplHost, StepReport } from '../framework/host.js';
import { JournalingEnvironment } from '../framework/host.js';
import type { HostProtocol, HostInput } from '../framework/protocol.js';
import { isEnabled } from '../framework/protocol.js';
import type { IoJournal } from '../framework/journal.js';
import { checkReductionOrder, journalClock, journalReceives, journalSends } from '../framework/journal.js';
import { firstDifference } from '../framework/refinement.js';
import type { HostId, Packet } from '../framework/types.js';

/**
 * The refinement monitor: IronFleet proves that every implementation step refines a protocol
 * step; this checks it, step by step, while the real host code runs. For every step it checks
 * that the IO journal obeys the reduction order (receives, one clock read, sends), and that the
 * protocol action the step claims, applied to abstract(state before) with the packet received and
 * the clock read, yields abstract(state after) and exactly the packets sent. A step that claims no
 * action must change nothing and send nothing (a stutter).
 *
 * Packets are abstracted too: an implementation message (type `M`) may carry more than the
 * protocol's (type `N`), for example a session number that the protocol folds into the client's
 * identity. The monitor then takes a packet abstraction, mapping every implementation packet to the
 * protocol packet it stands for; the packet received is abstracted before the protocol action runs,
 * and the packets sent are abstracted before they are compared. When `M` is `N` it is the identity.
 */

/** What kind of refinement failure a step showed. */
export type RefinementFailureKind =
  | 'reductionOrder' | 'unknownAction' | 'tooManyReceives' | 'notEnabled' | 'stateMismatch' | 'sentMismatch';

/** A refinement failure: which step, which action, and the first thing that differed. */
export interface RefinementFailure {
  readonly kind: RefinementFailureKind;
  readonly host: HostId;
  /** The host's step number, from 1. */
  readonly step: number;
  /** The protocol action the implementation claimed, or null for a stutter. */
  readonly action: string | null;
  /** The first differing field, or why the action was not enabled. */
  readonly detail: string;
  readonly journal: IoJournal<unknown>;
}

/** Thrown by a monitored host when a step does not refine its protocol: this is a bug. */
export class RefinementViolation extends Error {
  override readonly name = 'RefinementViolation';

  constructor(readonly failure: RefinementFailure) {
    super(`refinement violation at ${failure.host} step ${failure.step} (${failure.action ?? 'stutter'}): ` +
      `${failure.kind}: ${failure.detail}`);
  }
}

/** Counts of what a monitor checked. */
export interface MonitorStats {
  steps: number;
  stutters: number;
  readonly actions: Map<string, number>;
}

/** Maps an implementation packet (message type `M`) to the protocol packet (message type `N`) it stands for. */
export type PacketAbstraction<M, N> = (p: Packet<M>) => Packet<N>;

/**
 * An ImplHost that behaves exactly like `host` but checks every step against `protocol`, throwing
 * RefinementViolation on the first step that does not refine it. `abstractPacket` maps the host's
 * packets to the protocol's.
 */
export class MonitoredHost<C, S, M, N = M> implements ImplHost<S, M> {
  /** What has been checked so far. */
  readonly stats: MonitorStats = { steps: 0, stutters: 0, actions: new Map() };

  /** The journaling wrapper of the last environment seen: hosts are stepped with the same one. */
  private journaling: { env: HostEnvironment<M>; wrapper: JournalingEnvironment<M> } | null = null;

  constructor(
    readonly inner: ImplHost<S, M>, private readonly protocol: HostProtocol<C, S, N>,
    private readonly abstractPacket: PacketAbstraction<M, N>,
  ) {}

  step(env: HostEnvironment<M>): StepReport {
    const before = this.inner.abstract();
    if (this.journaling?.env !== env) this.journaling = { env, wrapper: new JournalingEnvironment(env) };
    const journaling = this.journaling.wrapper;
    journaling.take(); // drop what a step that threw may have left
    const report = this.inner.step(journaling);
    const journal = journaling.take();
    const after = this.inner.abstract();
    this.stats.steps++;
    const fail = (kind: RefinementFailureKind, detail: string): never => {
      throw new RefinementViolation({ kind, host: env.me, step: this.stats.steps, action: report.action, detail, journal });
    };

    const order = checkReductionOrder(journal);
    if (!order.ok) fail('reductionOrder', order.error);
    const sent = journalSends(journal);
    if (report.action === null) {
      this.stats.stutters++;
      if (!this.protocol.equal(before, after)) {
        fail('stateMismatch', `a stutter changed the state: ${firstDifference(before, after) ?? 'by the protocol\'s equality'}`);
      }
      if (sent.length > 0) fail('sentMismatch', `a stutter sent ${sent.length} packet(s)`);
      return report;
    }
    const action = this.protocol.actions[report.action];
    if (action === undefined) return fail('unknownAction', `the protocol has no action '${report.action}'`);
    const receives = journalReceives(journal);
    if (receives.length > 1) fail('tooManyReceives', `${receives.length} packets received in one step`);
    const received = receives[0];
    const packet = received !== undefined ? this.abstractPacket(received) : undefined;
    const nowMs = journalClock(journal);
    const input: HostInput<N> = { ...(packet !== undefined ? { packet } : {}), ...(nowMs !== undefined ? { nowMs } : {}) };
    const outcome = action(before, input);
    if (!isEnabled(outcome)) return fail('notEnabled', outcome.why);
    if (!this.protocol.equal(outcome.state, after)) {
      fail('stateMismatch', firstDifference(outcome.state, after) ?? 'states differ by the protocol\'s equality');
    }
    const d = this.sentDifference(outcome.sent, sent);
    if (d !== null) fail('sentMismatch', d);
    this.stats.actions.set(report.action, (this.stats.actions.get(report.action) ?? 0) + 1);
    return report;
  }

  abstract(): S {
    return this.inner.abstract();
  }

  wakeAfterMs(nowMs: number): number | null {
    return this.inner.wakeAfterMs(nowMs);
  }

  private sentDifference(expected: readonly Packet<N>[], actual: readonly Packet<M>[]): string | null {
    if (expected.length !== actual.length) {
      return `protocol sends ${expected.length} packet(s), implementation sent ${actual.length}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i];
      const sent = actual[i];
      if (e === undefined || sent === undefined) continue;
      const a = this.abstractPacket(sent);
      if (e.src !== a.src || e.dst !== a.dst || !this.protocol.equalMsg(e.msg, a.msg)) {
        const shown = (a as unknown) === sent ? JSON.stringify(a) : `${JSON.stringify(sent)}, which stands for ${JSON.stringify(a)}`;
        return `packet ${i}: protocol sends ${JSON.stringify(e)}, implementation sent ${shown}`;
      }
    }
    return null;
  }
}

/** The packet abstraction of an implementation whose messages are the protocol's: every packet is itself. */
function identityPacket<M>(p: Packet<M>): Packet<M> {
  return p;
}

/**
 * Wraps `host` in a refinement monitor for `protocol`. When the host's messages are not the
 * protocol's, `abstractPacket` maps each of its packets to the protocol packet it stands for.
 */
// `NoInfer`: the message type is the host's, so a protocol over other messages needs an abstraction
// (host methods are bivariant, so inferring it from both would accept a missing one).
export function monitor<C, S, M>(host: ImplHost<S, M>, protocol: HostProtocol<C, S, NoInfer<M>>): MonitoredHost<C, S, M, M>;
export function monitor<C, S, M, N>(
  host: ImplHost<S, M>, protocol: HostProtocol<C, S, N>, abstractPacket: PacketAbstraction<M, N>,
): MonitoredHost<C, S, M, N>;
export function monitor<C, S, M, N>(
  host: ImplHost<S, M>, protocol: HostProtocol<C, S, N>, abstractPacket?: PacketAbstraction<M, N>,
): MonitoredHost<C, S, M, N> {
  // Without an abstraction the first overload applies, so M is N.
  return new MonitoredHost(host, protocol, abstractPacket ?? (identityPacket as unknown as PacketAbstraction<M, N>));
}
