import type { DistributedState } from '../framework/distributed.js';
import { classifySpecStep } from '../framework/spec.js';
import type { HostId, Packet } from '../framework/types.js';
import type { SimRefinement } from './system.js';

/**
 * The spec check of one run: the distributed state of the protocol layer (every host's last
 * abstract state, and the sent packets the abstraction reads), its spec state, and the packets the
 * current step sent. The simulator feeds it and asks it after every host step and every restart
 * whether the spec still holds; see `SimRefinement` for what is checked and why.
 */

/** The longest rendering of a spec state in a failure message, in characters (the end is kept). */
export const specShownCharsMax = 240;

/** One run's spec check. */
export class SpecCheck<P, M, S> {
  /** Every host that has started: its abstract state after its last step or restart. */
  private readonly hosts = new Map<HostId, P>();
  /** The sent packets the abstraction reads, each once (see `SimRefinement.networkKey`). */
  private readonly network: Packet<M>[] = [];
  private readonly networkKeys = new Set<string>();
  private readonly ds: DistributedState<P, M> = { hosts: this.hosts, network: this.network };
  /** The packets the current step sent, in order. */
  private readonly sent: Packet<M>[] = [];
  /** The spec state after the last check, or undefined before the first. */
  private current: S | undefined = undefined;
  private readonly keepsPackets: boolean;
  /** The abstraction key of the state `current` was computed from (see `SimRefinement.abstractionKey`). */
  private currentKey: string | number | undefined = undefined;

  /**
   * A check of `refinement`, keeping at most `packetsKeptMax` distinct packets for the abstraction;
   * `showMsg` renders a message in a failure.
   */
  constructor(
    private readonly refinement: SimRefinement<P, M, S>, private readonly packetsKeptMax: number,
    private readonly showMsg: (m: M) => string,
  ) {
    this.keepsPackets = refinement.packetCorresponds !== undefined || refinement.networkKey !== undefined;
  }

  /** Records host `id`'s abstract state (after a step, a start or a restart). */
  setHost(id: HostId, state: P): void {
    this.hosts.set(id, state);
  }

  /**
   * Records a packet a host sent in the current step. Returns why it cannot be kept (the
   * abstraction's network is at its limit), or null.
   */
  packetSent(src: HostId, dst: HostId, msg: M): string | null {
    if (!this.keepsPackets) return null;
    const packet: Packet<M> = { src, dst, msg };
    this.sent.push(packet);
    const key = this.refinement.networkKey?.(packet) ?? null;
    if (key === null || this.networkKeys.has(key)) return null;
    if (this.networkKeys.size >= this.packetsKeptMax) {
      return `the spec check keeps at most ${this.packetsKeptMax} distinct packets (specPacketsKeptMax): ` +
        'the binding\'s networkKey must name fewer';
    }
    this.networkKeys.add(key);
    this.network.push(packet);
    return null;
  }

  /** Forgets the packets of a step that will not be checked (it failed another way). */
  discardStep(): void {
    this.sent.length = 0;
  }

  /**
   * The first spec state: it must be an initial state of the spec. Returns the violation, or null.
   * `allStarted` says whether every host is in the abstraction; when one could not start, the
   * first spec state is not judged by `init` (it lacks a host), only the steps after it.
   */
  start(allStarted: boolean): string | null {
    const s = this.refinement.abstract(this.ds);
    this.current = s;
    this.currentKey = this.refinement.abstractionKey?.(this.ds);
    if (allStarted && !this.refinement.spec.init(s)) {
      return `the hosts' initial states abstract to ${this.show(s)}, not an initial state of spec ${this.refinement.spec.name}`;
    }
    return null;
  }

  /**
   * Checks the transition to the current distributed state and the packets it sent, made by host
   * `host` taking a step with protocol action `action` (null for a stutter), or `restarted` from
   * its disk. Returns the violation, or null.
   */
  afterStep(host: HostId, action: string | null, restarted = false): string | null {
    const sent = this.sent;
    const before = this.current;
    let after: S;
    const keyOf = this.refinement.abstractionKey;
    if (keyOf === undefined || before === undefined) {
      after = this.refinement.abstract(this.ds);
    } else {
      const key = keyOf(this.ds);
      after = key === this.currentKey ? before : this.refinement.abstract(this.ds);
      this.currentKey = key;
    }
    this.current = after;
    try {
      // The same object is the same state: a stutter, without comparing.
      if (before !== undefined && before !== after && classifySpecStep(this.refinement.spec, before, after) === 'violation') {
        return `${describeTransition(host, action, restarted)}: the spec state went from ${this.show(before)} to ${this.show(after)}, ` +
          `which is neither a step of spec ${this.refinement.spec.name} nor a stutter`;
      }
      const corresponds = this.refinement.packetCorresponds;
      if (corresponds !== undefined) {
        for (const p of sent) {
          if (!corresponds(after, p)) {
            return `${describeTransition(host, action, restarted)}: sent ${p.src}->${p.dst} ${this.showMsg(p.msg)}, ` +
              `which does not correspond to spec state ${this.show(after)}`;
          }
        }
      }
      return null;
    } finally {
      sent.length = 0;
    }
  }

  private show(s: S): string {
    const text = this.refinement.showSpec?.(s) ?? this.refinement.spec.show(s);
    return text.length <= specShownCharsMax ? text : `...${text.slice(text.length - specShownCharsMax)}`;
  }
}

/** The transition a spec failure happened at, e.g. 'h1 step accept' or 'h2 restarted from its disk'. */
function describeTransition(host: HostId, action: string | null, restarted: boolean): string {
  return restarted ? `${host} restarted from its disk` : `${host} step ${action ?? 'stutter'}`;
}
