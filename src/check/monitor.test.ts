import { describe, expect, it } from 'vitest';
import { ok } from '../core/result.js';
import type { HostEnvironment, ImplHost, StepReport } from '../framework/host.js';
import type { HostProtocol } from '../framework/protocol.js';
import { notEnabled } from '../framework/protocol.js';
import type { Packet } from '../framework/types.js';
import { monitor, RefinementViolation } from './monitor.js';

// The monitor with a packet abstraction: an echo server whose implementation messages carry a
// channel that the protocol folds into the sender's identity, as IronRSL folds a client session
// into its client id.

/** Protocol message: a number to echo. */
interface EchoMsg {
  readonly n: number;
}

/** Implementation message: the number, and the channel of the sending host it belongs to. */
interface ChannelMsg {
  readonly n: number;
  readonly channel: number;
}

/** Protocol: count the echoes, and send each number back to its sender. */
const echoProtocol: HostProtocol<null, number, EchoMsg> = {
  name: 'echo',
  init: () => 0,
  actions: {
    echo: (s, input) => {
      const p = input.packet;
      if (p === undefined) return notEnabled('no packet');
      return { state: s + 1, sent: [{ src: p.dst, dst: p.src, msg: { n: p.msg.n } }] };
    },
  },
  equal: (a, b) => a === b,
  equalMsg: (a, b) => a.n === b.n,
};

/** Channel `c` of host `h` is the protocol host `h.c`. */
const channelAbstraction = (p: Packet<ChannelMsg>): Packet<EchoMsg> => {
  const atChannel = (h: string): string => `${h}.${p.msg.channel}`;
  return p.dst === 'server'
    ? { src: atChannel(p.src), dst: p.dst, msg: { n: p.msg.n } }
    : { src: p.src, dst: atChannel(p.dst), msg: { n: p.msg.n } };
};

/** The implementation; `channelFor` picks the channel of the answer (correct: the request's). */
class EchoServer implements ImplHost<number, ChannelMsg> {
  count = 0;
  constructor(private readonly channelFor: (m: ChannelMsg) => number = (m) => m.channel) {}
  step(env: HostEnvironment<ChannelMsg>): StepReport {
    const p = env.receive();
    if (p === null) return { action: null };
    this.count++;
    env.send(p.src, { n: p.msg.n, channel: this.channelFor(p.msg) });
    return { action: 'echo' };
  }
  abstract(): number {
    return this.count;
  }
  wakeAfterMs(): number | null {
    return null;
  }
}

function envWith(packets: Packet<ChannelMsg>[]): HostEnvironment<ChannelMsg> {
  return {
    me: 'server', receive: () => packets.shift() ?? null, now: () => 0, send: () => undefined, emit: () => undefined,
    disk: { read: () => ok(null), write: () => ok(undefined), append: () => ok(undefined), sync: () => ok(undefined) },
  };
}

describe('monitor with a packet abstraction', () => {
  it('checks the step on the abstracted packet received and the abstracted packets sent', () => {
    const m = monitor(new EchoServer(), echoProtocol, channelAbstraction);
    const env = envWith([{ src: 'h', dst: 'server', msg: { n: 7, channel: 2 } }, { src: 'h', dst: 'server', msg: { n: 8, channel: 3 } }]);
    expect(m.step(env).action).toBe('echo');
    expect(m.step(env).action).toBe('echo');
    expect(m.stats.actions.get('echo')).toBe(2);
  });

  it('catches an answer on another channel: it stands for a packet to another protocol host', () => {
    const m = monitor(new EchoServer((msg) => msg.channel + 1), echoProtocol, channelAbstraction);
    const env = envWith([{ src: 'h', dst: 'server', msg: { n: 7, channel: 2 } }]);
    let caught: unknown = null;
    try {
      m.step(env);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RefinementViolation);
    const failure = (caught as RefinementViolation).failure;
    expect(failure.kind).toBe('sentMismatch');
    expect(failure.detail).toContain('"dst":"h.2"');
    expect(failure.detail).toContain('which stands for');
    expect(failure.detail).toContain('"dst":"h.3"');
  });

  it('needs the abstraction when the messages differ, and is the identity without one', () => {
    // @ts-expect-error: the host's messages are not the protocol's, so an abstraction is required.
    monitor(new EchoServer(), echoProtocol);
    const sameMessages: HostProtocol<null, number, ChannelMsg> = {
      ...echoProtocol,
      actions: {
        echo: (s, input) => {
          const p = input.packet;
          if (p === undefined) return notEnabled('no packet');
          return { state: s + 1, sent: [{ src: p.dst, dst: p.src, msg: p.msg }] };
        },
      },
      equalMsg: (a, b) => a.n === b.n && a.channel === b.channel,
    };
    const good = monitor(new EchoServer(), sameMessages);
    expect(good.step(envWith([{ src: 'h', dst: 'server', msg: { n: 1, channel: 0 } }])).action).toBe('echo');
    const bad = monitor(new EchoServer((msg) => msg.channel + 1), sameMessages);
    expect(() => bad.step(envWith([{ src: 'h', dst: 'server', msg: { n: 1, channel: 0 } }]))).toThrow(/sentMismatch/);
  });
});
