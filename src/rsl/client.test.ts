import { describe, expect, it } from 'vitest';
import { RslClientSession } from './client.js';

// The client's decisions without sockets: which replica gets a request, what replies and leader
// hints do, when a request is resent (always with its seqno).

const replicas = ['r0', 'r1', 'r2'];
const timing = { resendMsMin: 100, resendMsMax: 400 };
const payload = Uint8Array.of(7);

describe('RslClientSession', () => {
  it('sends to replica 0 first, completes on the reply with its seqno, and numbers requests 1, 2, ...', () => {
    const s = new RslClientSession(replicas, timing);
    const first = s.start(payload, 0);
    expect(first).toEqual({ dst: 'r0', msg: { type: 'request', seqno: 1, payload } });
    expect(s.busy).toBe(true);
    // A stale reply, a reply from a stranger, and a hint for another seqno change nothing.
    expect(s.onMessage('r0', { type: 'reply', seqno: 0, reply: Uint8Array.of(1) }, 1)).toEqual({ sends: [] });
    expect(s.onMessage('stranger', { type: 'reply', seqno: 1, reply: Uint8Array.of(1) }, 1)).toEqual({ sends: [] });
    expect(s.onMessage('r1', { type: 'leaderHint', seqno: 0, leader: 'r2' }, 1)).toEqual({ sends: [] });
    expect(s.busy).toBe(true);
    const done = s.onMessage('r0', { type: 'reply', seqno: 1, reply: Uint8Array.of(9) }, 2);
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
    expect(a).toEqual([{ dst: 'r1', msg: { type: 'request', seqno: 1, payload } }]);
    expect(s.wakeAtMs()).toBe(300);
    expect(s.onTimer(300)[0]?.dst).toBe('r2');
    expect(s.wakeAtMs()).toBe(700);
    expect(s.onTimer(700)[0]?.dst).toBe('r0');
    // Capped at resendMsMax.
    expect(s.wakeAtMs()).toBe(1100);
    expect(s.resends).toBe(3);
    // Every replica replies, followers often first: a reply does not move the target.
    s.onMessage('r2', { type: 'reply', seqno: 1, reply: new Uint8Array(0) }, 1200);
    expect(s.leaderGuess).toBe('r0');
    expect(s.start(payload, 1300)).toMatchObject({ dst: 'r0', msg: { seqno: 2 } });
    // The wait starts again from resendMsMin.
    expect(s.wakeAtMs()).toBe(1400);
  });

  it('follows a leader hint at once, but not back to the replica that just timed out', () => {
    const s = new RslClientSession(replicas, timing);
    s.start(payload, 0);
    const hinted = s.onMessage('r0', { type: 'leaderHint', seqno: 1, leader: 'r2' }, 10);
    expect(hinted.sends).toEqual([{ dst: 'r2', msg: { type: 'request', seqno: 1, payload } }]);
    expect(s.leaderGuess).toBe('r2');
    // A hint naming the current target or a stranger does nothing.
    expect(s.onMessage('r1', { type: 'leaderHint', seqno: 1, leader: 'r2' }, 11).sends).toEqual([]);
    expect(s.onMessage('r1', { type: 'leaderHint', seqno: 1, leader: 'x' }, 11).sends).toEqual([]);
    // r2 is dead: the wait runs out, r0 is next; r0 still names the dead r2, which is not followed.
    expect(s.onTimer(110)[0]?.dst).toBe('r0');
    expect(s.onMessage('r0', { type: 'leaderHint', seqno: 1, leader: 'r2' }, 120).sends).toEqual([]);
    // A hint to a live third replica is followed.
    expect(s.onMessage('r0', { type: 'leaderHint', seqno: 1, leader: 'r1' }, 130).sends[0]?.dst).toBe('r1');
  });

  it('ignores everything when no request is outstanding, and after abandon', () => {
    const s = new RslClientSession(replicas, timing);
    expect(s.onTimer(1000)).toEqual([]);
    expect(s.wakeAtMs()).toBeNull();
    s.start(payload, 0);
    s.abandon();
    expect(s.onMessage('r0', { type: 'reply', seqno: 1, reply: new Uint8Array(0) }, 1)).toEqual({ sends: [] });
    expect(s.onTimer(1000)).toEqual([]);
  });
});
