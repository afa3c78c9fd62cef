import { afterEach, describe, expect, it } from 'vitest';
import type { Packet } from '../framework/types.js';
import type { ServiceConfig } from '../net/service-file.js';
import type { RslClientTransport } from './client.js';
import { RslClient, RslClientClosedError, RslClientHost, RslClientSession, RslSession, rslClientSessionsMax } from './client.js';
import type { RslImplMsg } from './wire.js';

// The client's decisions without sockets: which replica gets a request, what replies and leader
// hints do, when a request is resent (always with its seqno).

const replicas = ['r0', 'r1', 'r2'];
const timing = { resendMsMin: 100, resendMsMax: 400 };
const payload = Uint8Array.of(7);

describe('RslClientSession', () => {
  it('sends to replica 0 first, completes on the reply with its seqno, and numbers requests 1, 2, ...', () => {
    const s = new RslClientSession(replicas, timing);
    const first = s.start(payload, 0);
    expect(first).toEqual({ dst: 'r0', msg: { type: 'request', session: 0, seqno: 1, payload } });
    expect(s.busy).toBe(true);
    // A stale reply, a reply from a stranger, and a hint for another seqno change nothing.
    expect(s.onMessage('r0', { type: 'reply', session: 0, seqno: 0, reply: Uint8Array.of(1) }, 1)).toEqual({ sends: [] });
    expect(s.onMessage('stranger', { type: 'reply', session: 0, seqno: 1, reply: Uint8Array.of(1) }, 1)).toEqual({ sends: [] });
    expect(s.onMessage('r1', { type: 'leaderHint', session: 0, seqno: 0, leader: 'r2' }, 1)).toEqual({ sends: [] });
    expect(s.busy).toBe(true);
    const done = s.onMessage('r0', { type: 'reply', session: 0, seqno: 1, reply: Uint8Array.of(9) }, 2);
    expect(done.reply).toEqual(Uint8Array.of(9));
    expect(s.busy).toBe(false);
    expect(s.start(payload, 3).msg).toMatchObject({ seqno: 2 });
    expect(() => s.start(payload, 3)).toThrow(/one request outstanding/);
  });

  it('resends with the same seqno to the next replica round-robin when the wait runs out, doubling the wait', () => {
    const s = new RslClientSession(replicas, timing);
    s.start(payload, 0);
    expect(s.onTimer(99)).toEqual([]);
    expect(s.wakeAtMs()).toBe(100);
    const a = s.onTimer(100);
    expect(a).toEqual([{ dst: 'r1', msg: { type: 'request', session: 0, seqno: 1, payload } }]);
    expect(s.wakeAtMs()).toBe(300);
    expect(s.onTimer(300)[0]?.dst).toBe('r2');
    expect(s.wakeAtMs()).toBe(700);
    expect(s.onTimer(700)[0]?.dst).toBe('r0');
    // Capped at resendMsMax.
    expect(s.wakeAtMs()).toBe(1100);
    expect(s.resends).toBe(3);
    // Every replica replies, followers often first: a reply does not move the target.
    s.onMessage('r2', { type: 'reply', session: 0, seqno: 1, reply: new Uint8Array(0) }, 1200);
    expect(s.leaderGuess).toBe('r0');
    expect(s.start(payload, 1300)).toMatchObject({ dst: 'r0', msg: { seqno: 2 } });
    // The wait starts again from resendMsMin.
    expect(s.wakeAtMs()).toBe(1400);
  });

  it('follows a leader hint at once, but not back to the replica that just timed out', () => {
    const s = new RslClientSession(replicas, timing);
    s.start(payload, 0);
    const hinted = s.onMessage('r0', { type: 'leaderHint', session: 0, seqno: 1, leader: 'r2' }, 10);
    expect(hinted.sends).toEqual([{ dst: 'r2', msg: { type: 'request', session: 0, seqno: 1, payload } }]);
    expect(s.leaderGuess).toBe('r2');
    // A hint naming the current target or a stranger does nothing.
    expect(s.onMessage('r1', { type: 'leaderHint', session: 0, seqno: 1, leader: 'r2' }, 11).sends).toEqual([]);
    expect(s.onMessage('r1', { type: 'leaderHint', session: 0, seqno: 1, leader: 'x' }, 11).sends).toEqual([]);
    // r2 is dead: the wait runs out, r0 is next; r0 still names the dead r2, which is not followed.
    expect(s.onTimer(110)[0]?.dst).toBe('r0');
    expect(s.onMessage('r0', { type: 'leaderHint', session: 0, seqno: 1, leader: 'r2' }, 120).sends).toEqual([]);
    // A hint to a live third replica is followed.
    expect(s.onMessage('r0', { type: 'leaderHint', session: 0, seqno: 1, leader: 'r1' }, 130).sends[0]?.dst).toBe('r1');
  });

  it('ignores everything when no request is outstanding, and after abandon', () => {
    const s = new RslClientSession(replicas, timing);
    expect(s.onTimer(1000)).toEqual([]);
    expect(s.wakeAtMs()).toBeNull();
    s.start(payload, 0);
    s.abandon();
    expect(s.onMessage('r0', { type: 'reply', session: 0, seqno: 1, reply: new Uint8Array(0) }, 1)).toEqual({ sends: [] });
    expect(s.onTimer(1000)).toEqual([]);
  });
});

describe('RslClientSession numbers', () => {
  it('sends its session number and takes only replies and hints for it', () => {
    const s = new RslClientSession(replicas, timing, 0, 5);
    expect(s.start(payload, 0)).toEqual({ dst: 'r0', msg: { type: 'request', session: 5, seqno: 1, payload } });
    // Seqno 1 of another session of the same host is not this session's reply or hint.
    expect(s.onMessage('r0', { type: 'reply', session: 4, seqno: 1, reply: Uint8Array.of(1) }, 1)).toEqual({ sends: [] });
    expect(s.onMessage('r1', { type: 'leaderHint', session: 6, seqno: 1, leader: 'r2' }, 1)).toEqual({ sends: [] });
    expect(s.busy).toBe(true);
    expect(s.onMessage('r0', { type: 'reply', session: 5, seqno: 1, reply: Uint8Array.of(2) }, 2).reply).toEqual(Uint8Array.of(2));
    expect(() => new RslClientSession(replicas, timing, 0, -1)).toThrow(/not a u32/);
    expect(() => new RslClientSession(replicas, timing, 0, 2 ** 32)).toThrow(/not a u32/);
  });
});

// Many sessions over one transport, with a transport that records sends and delivers what a test
// says the replicas answered.

const servers = replicas.map((id, i) => ({ id, name: `server${i + 1}`, host: '127.0.0.1', port: 7000 + i, publicKeyDer: Buffer.alloc(0) }));
const service: ServiceConfig = { name: 'test', type: 'rsl', servers, byId: new Map(servers.map((e) => [e.id, e])) };

class FakeTransport implements RslClientTransport {
  readonly me = 'h'.repeat(64);
  readonly sent: { dst: string; msg: RslImplMsg }[] = [];
  closed = false;
  private receiver: ((p: Packet<RslImplMsg>) => void) | null = null;
  send(dst: string, msg: RslImplMsg): void {
    this.sent.push({ dst, msg });
  }
  setReceiver(receiver: (p: Packet<RslImplMsg>) => void): void {
    this.receiver = receiver;
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  deliver(src: string, msg: RslImplMsg): void {
    this.receiver?.({ src, dst: this.me, msg });
  }
  /** The sends so far, as `dst session#seqno`, and forgets them. */
  take(): string[] {
    const out = this.sent.map((s) => `${s.dst} ${s.msg.type === 'request' ? `${s.msg.session}#${s.msg.seqno}` : s.msg.type}`);
    this.sent.length = 0;
    return out;
  }
}

/** Settles `p` into a value to inspect: the reply, or the error's name. */
function settled(p: Promise<Uint8Array>): { value?: Uint8Array; error?: string } {
  const out: { value?: Uint8Array; error?: string } = {};
  p.then((v) => { out.value = v; }, (e: unknown) => { out.error = e instanceof Error ? e.name : String(e); });
  return out;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

describe('RslClient over one client host', () => {
  it('runs one request per session over one transport, queues the rest, and routes replies by session', async () => {
    const t = new FakeTransport();
    const c = new RslClient({ service, sessions: 3, transport: t });
    opened.push(c);
    expect(c.hostId).toBe(t.me);
    expect(c.ids).toEqual([0, 1, 2].map((s) => `${t.me}/${s}`));
    const results = [0, 1, 2, 3, 4].map((k) => settled(c.submit(Uint8Array.of(k))));
    // Three sessions, one request each, all to the first replica; two submits wait.
    expect(t.take()).toEqual(['r0 0#1', 'r0 1#1', 'r0 2#1']);
    expect(c.pending).toBe(5);
    // A reply for a session the host does not have, and a future seqno of session 0, are dropped.
    t.deliver('r0', { type: 'reply', session: 9, seqno: 1, reply: Uint8Array.of(90) });
    t.deliver('r0', { type: 'reply', session: 0, seqno: 2, reply: Uint8Array.of(91) });
    // Session 1's reply completes the second submit, and session 1 takes the oldest waiting one.
    t.deliver('r1', { type: 'reply', session: 1, seqno: 1, reply: Uint8Array.of(11) });
    expect(t.take()).toEqual(['r0 1#2']);
    await flush();
    expect(results.map((r) => r.value?.[0])).toEqual([undefined, 11, undefined, undefined, undefined]);
    // A leader hint for session 2 redirects only session 2's request, with its seqno.
    t.deliver('r0', { type: 'leaderHint', session: 2, seqno: 1, leader: 'r2' });
    expect(t.take()).toEqual(['r2 2#1']);
    expect(c.totalResends).toBe(1);
    t.deliver('r2', { type: 'reply', session: 2, seqno: 1, reply: Uint8Array.of(22) });
    t.deliver('r2', { type: 'reply', session: 0, seqno: 1, reply: Uint8Array.of(10) });
    // Session 2 follows its hint and takes the last waiting submit; session 0, freed after it, goes idle.
    expect(t.take()).toEqual(['r2 2#2']);
    await flush();
    expect(results.map((r) => r.value?.[0])).toEqual([10, 11, 22, undefined, undefined]);
    expect(c.pending).toBe(2);
    await c.close();
    await flush();
    expect(t.closed).toBe(true);
    expect(results.slice(3).map((r) => r.error)).toEqual(['RslClientClosedError', 'RslClientClosedError']);
    await expect(c.submit(Uint8Array.of(1))).rejects.toBeInstanceOf(RslClientClosedError);
  });

  it('refuses a session count out of bounds, and a payload over the wire limit, with sentences', async () => {
    expect(() => new RslClient({ service, sessions: 0, transport: new FakeTransport() })).toThrow(/a client host has 1 to 1024 sessions/);
    expect(() => new RslClient({ service, sessions: rslClientSessionsMax + 1, transport: new FakeTransport() })).toThrow(RangeError);
    expect(() => new RslClient({ service, sessions: 1.5, transport: new FakeTransport() })).toThrow(/a client host has 1 to \d+ sessions/);
    const c = new RslClient({ service, sessions: 1, transport: new FakeTransport() });
    opened.push(c);
    await expect(c.submit(new Uint8Array(64 * 1024 + 1))).rejects.toThrow(/over rslRequestBytesMax/);
  });

  it('refuses a second request on a busy session and a session the host does not have', async () => {
    const t = new FakeTransport();
    const h = new RslClientHost({ service, transport: t }, 2);
    opened.push(h);
    const first = settled(h.request(1, payload));
    await expect(h.request(1, payload)).rejects.toThrow(/session 1 has a request outstanding/);
    await expect(h.request(2, payload)).rejects.toThrow(/session 2 is not one of this host's 2/);
    expect(h.busy(1)).toBe(true);
    expect(h.busy(0)).toBe(false);
    t.deliver('r0', { type: 'reply', session: 1, seqno: 1, reply: Uint8Array.of(5) });
    await flush();
    expect(first.value).toEqual(Uint8Array.of(5));
  });

  it('gives a single session the same machinery: session 0 of a host of its own', async () => {
    const t = new FakeTransport();
    const s = new RslSession({ service, transport: t });
    opened.push(s);
    expect(s.id).toBe(`${t.me}/0`);
    const r = settled(s.request(payload));
    expect(t.take()).toEqual(['r0 0#1']);
    t.deliver('r0', { type: 'leaderHint', session: 0, seqno: 1, leader: 'r1' });
    expect(s.leaderGuess).toBe('r1');
    t.deliver('r1', { type: 'reply', session: 0, seqno: 1, reply: Uint8Array.of(3) });
    await flush();
    expect(r.value).toEqual(Uint8Array.of(3));
    expect(s.busy).toBe(false);
  });
});
