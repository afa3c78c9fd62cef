import { describe, expect, it } from 'vitest';
import type { ImplHost } from '../framework/host.js';
import { MemoryStore } from '../framework/memory-store.js';
import { monitor, RefinementViolation } from '../check/monitor.js';
import { LockHost } from './impl/host.js';
import { lockProtocol, type LockHostState, grant, accept, ack } from './protocol/host.js';
import type { LockMsg } from './protocol/messages.js';
import { lockSpec, lockedCorrespondence } from './spec.js';
import { LockTestRing } from './testing.js';

const ids = ['h0', 'h1', 'h2'];
const config = { hosts: ids };

function ring(test: LockTestRing, timing = { holdMs: 10, retransmitIntervalMs: 20 }): Map<string, ImplHost<LockHostState, LockMsg>> {
  const hosts = new Map<string, ImplHost<LockHostState, LockMsg>>();
  for (const id of ids) {
    const disk = test.disks.get(id) ?? new MemoryStore();
    const host = LockHost.recover(config, id, disk, timing);
    if (!host.ok) throw new Error(host.error.detail);
    hosts.set(id, monitor(host.value, lockProtocol));
  }
  return hosts;
}

describe('IronLock spec', () => {
  it('allows growing the history by one host, and nothing else', () => {
    const s = { hosts: ids, history: ['h0'] };
    expect(lockSpec.init(s)).toBe(true);
    expect(lockSpec.next(s, { hosts: ids, history: ['h0', 'h1'] })).toBe(true);
    expect(lockSpec.next(s, { hosts: ids, history: ['h0', 'h1', 'h2'] })).toBe(false);
    expect(lockSpec.next(s, { hosts: ids, history: ['h1', 'h1'] })).toBe(false);
    expect(lockSpec.next(s, { hosts: ids, history: ['h0', 'x'] })).toBe(false);
    expect(lockedCorrespondence({ hosts: ids, history: ['h0', 'h1'] }, 'h1', 2)).toBe(true);
    expect(lockedCorrespondence({ hosts: ids, history: ['h0', 'h1'] }, 'h0', 2)).toBe(false);
    expect(lockedCorrespondence({ hosts: ids, history: ['h0', 'h1'] }, 'h1', 3)).toBe(false);
  });
});

describe('IronLock protocol', () => {
  it('grants to the successor at the next epoch, and the successor accepts once', () => {
    const h0 = lockProtocol.init(config, 'h0');
    const h1 = lockProtocol.init(config, 'h1');
    const g = grant(h0, {});
    if (!('state' in g)) throw new Error('grant not enabled');
    expect(g.state).toMatchObject({ held: false, pending: { epoch: 2, dst: 'h1' } });
    expect(g.sent).toEqual([{ src: 'h0', dst: 'h1', msg: { type: 'transfer', epoch: 2 } }]);
    const packet = g.sent[0];
    if (packet === undefined) throw new Error('nothing sent');
    const a = accept(h1, { packet });
    if (!('state' in a)) throw new Error('accept not enabled');
    expect(a.state).toMatchObject({ held: true, epoch: 2 });
    expect(a.sent).toEqual([{ src: 'h1', dst: 'h0', msg: { type: 'locked', epoch: 2 } }]);
    // A duplicate of the same transfer is only acknowledged again.
    expect(accept(a.state, { packet })).toMatchObject({ enabled: false });
    const again = ack(a.state, { packet });
    if (!('state' in again)) throw new Error('ack not enabled');
    expect(again.state).toEqual(a.state);
    expect(again.sent).toEqual(a.sent);
    expect(grant(h1, {})).toEqual({ enabled: false, why: 'not holding the lock' });
  });
});

describe('IronLock implementation under the refinement monitor', () => {
  it('passes the lock around the ring with increasing epochs, each accepted by its ring host', () => {
    const test = new LockTestRing(ids);
    test.run(ring(test), 200);
    const accepts = test.accepts();
    expect(accepts.length).toBeGreaterThan(20);
    accepts.forEach((a, i) => {
      expect(a.epoch).toBe(i + 2);
      expect(a.host).toBe(ids[(a.epoch - 1) % ids.length]);
    });
  });

  it('keeps going when packets are lost, by retransmitting grants', () => {
    const test = new LockTestRing(ids, 0.3, 7);
    test.run(ring(test), 2000);
    const accepts = test.accepts();
    expect(accepts.length).toBeGreaterThan(50);
    accepts.forEach((a, i) => expect(a.epoch).toBe(i + 2));
  });

  it('recovers its durable state after a crash and the ring continues', () => {
    const test = new LockTestRing(ids, 0.1, 3);
    let hosts = ring(test);
    test.run(hosts, 300);
    const before = test.accepts().length;
    for (const id of ids) test.inboxes.set(id, []);
    const epochsBefore = [...hosts.values()].map((h) => h.abstract().epoch);
    hosts = ring(test); // every host crashes and restarts from its disk
    expect([...hosts.values()].map((h) => h.abstract().epoch)).toEqual(epochsBefore);
    test.run(hosts, 300);
    const accepts = test.accepts();
    expect(accepts.length).toBeGreaterThan(before + 10);
    accepts.forEach((a, i) => expect(a.epoch).toBe(i + 2));
  });

  it('refuses to start on a disk whose records are all corrupt', () => {
    const disk = new MemoryStore();
    disk.blobs.set('lock-state.a', new Uint8Array(37).fill(7));
    disk.blobs.set('lock-state.b', new Uint8Array(37).fill(9));
    const r = LockHost.recover(config, 'h1', disk);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('corrupt');
  });

  it('keeps the lock and says so when the disk fails, instead of granting unsafely', () => {
    const test = new LockTestRing(ids);
    const failing = {
      read: () => ({ ok: true as const, value: null }),
      write: () => ({ ok: true as const, value: undefined }),
      append: () => ({ ok: true as const, value: undefined }),
      sync: () => ({ ok: false as const, error: { kind: 'full' as const, detail: 'no space left' } }),
    };
    const host = LockHost.recover(config, 'h0', failing);
    if (!host.ok) throw new Error('recover failed');
    const m = monitor(host.value, lockProtocol);
    const env = { ...test.env('h0'), disk: failing };
    test.nowMs = 100;
    m.step(env);
    test.nowMs = 200;
    m.step(env);
    expect(m.abstract().held).toBe(true);
    expect(test.events.some((e) => e.event.startsWith('disk-error full'))).toBe(true);
    expect(test.inboxes.get('h1')).toEqual([]);
  });
});

describe('refinement monitor', () => {
  it('catches an implementation step that does not match its protocol action', () => {
    const test = new LockTestRing(ids);
    const host = LockHost.recover(config, 'h0', new MemoryStore());
    if (!host.ok) throw new Error('recover failed');
    // A broken host: claims 'grant' but sends the transfer at the wrong epoch.
    const broken: ImplHost<LockHostState, LockMsg> = {
      step: (env) => host.value.step({
        me: env.me,
        disk: env.disk,
        receive: () => env.receive(),
        now: () => env.now(),
        send: (dst, msg) => env.send(dst, { ...msg, epoch: msg.epoch + 1 }),
        emit: (event) => env.emit(event),
      }),
      abstract: () => host.value.abstract(),
      wakeAfterMs: (n) => host.value.wakeAfterMs(n),
    };
    const m = monitor(broken, lockProtocol);
    test.nowMs = 100;
    let caught: unknown;
    try {
      for (let i = 0; i < 3; i++) {
        m.step(test.env('h0'));
        test.nowMs += 50;
      }
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RefinementViolation);
    if (caught instanceof RefinementViolation) {
      expect(caught.failure).toMatchObject({ kind: 'sentMismatch', action: 'grant', host: 'h0' });
    }
  });

  it('names the action and the first differing field on a state mismatch', () => {
    const test = new LockTestRing(ids);
    let epoch = 1;
    const liar: ImplHost<LockHostState, LockMsg> = {
      step: () => { epoch++; return { action: 'retransmit' }; },
      abstract: () => ({ config, me: 0, held: false, epoch, pending: { epoch: 2, dst: 'h1' } }),
      wakeAfterMs: () => null,
    };
    const m = monitor(liar, lockProtocol);
    expect(() => m.step(test.env('h0'))).toThrow(/retransmit.*sentMismatch|retransmit.*stateMismatch/);
    try {
      m.step(test.env('h0'));
    } catch (e) {
      expect(e).toBeInstanceOf(RefinementViolation);
      if (e instanceof RefinementViolation) {
        expect(e.failure.action).toBe('retransmit');
        expect(e.failure.kind).toBe('stateMismatch');
        expect(e.failure.detail).toContain('epoch');
      }
    }
  });
});
