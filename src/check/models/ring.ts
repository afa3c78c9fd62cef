import type { DistributedState } from '../../framework/distributed.js';
import type { HostProtocol } from '../../framework/protocol.js';
import { notEnabled } from '../../framework/protocol.js';
import type { HostId } from '../../framework/types.js';
import { distributedModel } from '../distributed.js';
import type { Model } from '../model.js';

/**
 * A token ring, the smallest protocol that exercises the distributed adapter: hosts in a ring
 * pass one token, numbered by round; a host takes a token addressed to it only if its round is
 * newer than any it has seen. Invariant: at most one host holds the token (old tokens stay in the
 * network forever, so the round check is what keeps them from being taken again).
 */

/** A ring host: who it is, who comes next, whether it holds the token, the newest round it has seen. */
export interface RingHost {
  readonly me: HostId;
  readonly next: HostId;
  readonly holding: boolean;
  readonly round: number;
}

/** The token, passed to the next host in the ring. */
export interface RingMsg {
  readonly type: 'token';
  readonly round: number;
}

/** The ring's configuration: its hosts, in ring order; the first starts with the token. */
export interface RingConfig {
  readonly hosts: readonly HostId[];
}

/** Injected bugs, to show the checker finding them. */
export type RingBug = 'retake';

/** The injected bugs, with what each does. */
export const ringBugs: Readonly<Record<RingBug, string>> = {
  retake: 'a host takes a token whose round it has already seen (>= instead of >)',
};

/** The ring protocol; `bug` injects a known mistake. */
export function ringProtocol(bug?: RingBug): HostProtocol<RingConfig, RingHost, RingMsg> {
  return {
    name: 'ring',
    init: (c, me) => {
      const i = c.hosts.indexOf(me);
      return { me, next: c.hosts[(i + 1) % c.hosts.length] ?? me, holding: i === 0, round: 0 };
    },
    actions: {
      pass: (s) => {
        if (!s.holding) return notEnabled('not holding the token');
        return { state: { ...s, holding: false }, sent: [{ src: s.me, dst: s.next, msg: { type: 'token', round: s.round + 1 } }] };
      },
      take: (s, input) => {
        const p = input.packet;
        if (p === undefined) return notEnabled('no packet');
        const newer = bug === 'retake' ? p.msg.round >= s.round : p.msg.round > s.round;
        if (!newer) return notEnabled('stale token');
        return { state: { ...s, holding: true, round: p.msg.round }, sent: [] };
      },
    },
    equal: (a, b) => a.me === b.me && a.holding === b.holding && a.round === b.round,
    equalMsg: (a, b) => a.round === b.round,
  };
}

/** Options of the ring model. */
export interface RingOptions {
  readonly hosts: number;
  /** Rounds beyond this are not explored (the state constraint). */
  readonly maxRound: number;
  readonly bug?: RingBug;
  /** Also check liveness: under weak fairness, the last host eventually holds the token. */
  readonly liveness?: boolean;
}

/** The ring's distributed system as a model. */
export function ringModel(options: RingOptions): Model<DistributedState<RingHost, RingMsg>> {
  const hosts = Array.from({ length: options.hosts }, (_, i) => `h${i}`);
  const last = hosts[hosts.length - 1] ?? 'h0';
  const holders = (ds: DistributedState<RingHost, RingMsg>): number => {
    let n = 0;
    for (const s of ds.hosts.values()) if (s.holding) n++;
    return n;
  };
  return distributedModel({
    name: 'ring',
    bounds: `${options.hosts} hosts, round <= ${options.maxRound}${options.bug !== undefined ? `, bug ${options.bug}` : ''}`,
    protocol: ringProtocol(options.bug),
    config: { hosts },
    hostIds: hosts,
    inputs: { receives: (action) => action === 'take' },
    // A host's identity and successor never change, so holding and round identify its state.
    hostKey: (s) => `${s.holding ? 1 : 0}:${s.round}`,
    msgKey: (m) => `${m.round}`,
    viewHost: (s) => ({ holding: s.holding, round: s.round }),
    viewMsg: (m) => ({ type: m.type, round: m.round }),
    invariants: [{ name: 'OneHolder', holds: (ds) => holders(ds) <= 1 }],
    constraint: (ds) => {
      for (const s of ds.hosts.values()) if (s.round > options.maxRound) return false;
      return true;
    },
    ...(options.liveness === true
      ? {
        liveness: [{
          kind: 'eventually' as const, name: `${last}Holds`, fairness: ['*'],
          holds: (ds: DistributedState<RingHost, RingMsg>) => ds.hosts.get(last)?.holding === true,
        }],
      }
      : {}),
  });
}
