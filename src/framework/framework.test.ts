import { describe, expect, it } from 'vitest';
import { checkReductionOrder, type IoJournal } from './journal.js';
import { deepEqual, firstDifference } from './refinement.js';
import { distributedInit, distributedNext } from './distributed.js';
import { notEnabled, type HostProtocol } from './protocol.js';
import type { MessageCodec } from './codec.js';
import { CodecRecord, DurableRecord } from './durable-record.js';
import { MemoryStore, VolatileStore } from './memory-store.js';
import { err, ok } from '../core/result.js';

const p = { src: 'a', dst: 'b', msg: 1 };

describe('checkReductionOrder', () => {
  it('accepts receives, then one clock read, then sends', () => {
    const good: IoJournal<number>[] = [
      [],
      [{ kind: 'receive', packet: p }, { kind: 'clock', nowMs: 5 }, { kind: 'send', packet: p }, { kind: 'send', packet: p }],
      [{ kind: 'receiveNone' }, { kind: 'send', packet: p }],
      [{ kind: 'clock', nowMs: 1 }],
    ];
    for (const j of good) expect(checkReductionOrder(j).ok).toBe(true);
  });

  it('rejects a receive after a send, two clock reads, and a clock read after a send', () => {
    const bad: [IoJournal<number>, string][] = [
      [[{ kind: 'send', packet: p }, { kind: 'receive', packet: p }], 'event 1: a receive after a send'],
      [[{ kind: 'clock', nowMs: 1 }, { kind: 'clock', nowMs: 2 }], 'event 1: a second clock read in one step'],
      [[{ kind: 'send', packet: p }, { kind: 'clock', nowMs: 2 }], 'event 1: a clock read after a send'],
      [[{ kind: 'clock', nowMs: 1 }, { kind: 'receiveNone' }], 'event 1: a receive after the clock read'],
    ];
    for (const [j, why] of bad) expect(checkReductionOrder(j)).toEqual({ ok: false, error: why });
  });
});

describe('firstDifference', () => {
  it('names the first differing field, through maps and arrays', () => {
    expect(firstDifference({ a: 1, b: [1, 2] }, { a: 1, b: [1, 3] })).toBe('b[1]: 2 != 3');
    expect(firstDifference(new Map([['x', { e: 1 }]]), new Map([['x', { e: 2 }]]))).toBe('["x"].e: 1 != 2');
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    // Sets compare by members, in both.
    expect(deepEqual({ s: new Set(['r0', 'r1']) }, { s: new Set(['r1', 'r0']) })).toBe(true);
    expect(deepEqual({ s: new Set(['r0', 'r1']) }, { s: new Set(['r0', 'r2']) })).toBe(false);
    expect(firstDifference({ s: new Set(['r0', 'r1']) }, { s: new Set(['r0', 'r2']) })).toBe('s: member "r1" != absent');
    expect(firstDifference(new Set([1]), new Set([1, 2]))).toBe('.size: 1 != 2');
    expect(deepEqual(new Map([['k', Uint8Array.of(1)]]), new Map([['k', Uint8Array.of(2)]]))).toBe(false);
  });
});

describe('distributedNext', () => {
  // A toy protocol: a host may send its counter to the other host; receiving adopts a larger one.
  const toy: HostProtocol<string[], number, number> = {
    name: 'toy',
    init: (_c, me) => (me === 'a' ? 1 : 0),
    actions: {
      send: (s) => ({ state: s, sent: [{ src: s === 1 ? 'a' : 'b', dst: s === 1 ? 'b' : 'a', msg: s }] }),
      adopt: (s, input) => (input.packet !== undefined && input.packet.msg > s
        ? { state: input.packet.msg, sent: [] } : notEnabled('no larger value received')),
    },
    equal: (x, y) => x === y,
    equalMsg: (x, y) => x === y,
  };

  it('delivers only packets that were sent, and keeps the network as a set', () => {
    const s0 = distributedInit(toy, ['a', 'b'], ['a', 'b']);
    const forged = { src: 'a', dst: 'b', msg: 1 };
    expect(distributedNext(toy, s0, { host: 'b', action: 'adopt', input: { packet: forged } })).toBeUndefined();
    const s1 = distributedNext(toy, s0, { host: 'a', action: 'send', input: {} });
    expect(s1?.network).toEqual([forged]);
    const s2 = s1 && distributedNext(toy, s1, { host: 'a', action: 'send', input: {} });
    expect(s2?.network.length).toBe(1);
    const s3 = s2 && distributedNext(toy, s2, { host: 'b', action: 'adopt', input: { packet: forged } });
    expect(s3?.hosts.get('b')).toBe(1);
  });
});

describe('CodecRecord', () => {
  // A tiny codec of one byte, 0..9; anything else does not decode.
  const digit: MessageCodec<number> = {
    encode: (n) => Uint8Array.of(n),
    decode: (b) => (b.length === 1 && (b[0] ?? 10) < 10 ? ok(b[0] ?? 0) : err({ kind: 'invalid', offset: 0, path: 'Digit', message: 'not a digit' })),
  };

  it('recovers the last value saved, null on a fresh disk, and refuses an intact record that does not decode', () => {
    const disk = new MemoryStore();
    expect(new CodecRecord(disk, 'd', digit, 'digit').recover()).toEqual(ok(null));
    const record = new CodecRecord(disk, 'd', digit, 'digit');
    expect(record.save(3).ok).toBe(true);
    expect(record.save(7).ok).toBe(true);
    expect(new CodecRecord(disk, 'd', digit, 'digit').recover()).toEqual(ok(7));
    const raw = new DurableRecord(disk, 'd');
    expect(raw.recover().ok).toBe(true);
    expect(raw.save(Uint8Array.of(42)).ok).toBe(true);
    const refused = new CodecRecord(disk, 'd', digit, 'digit').recover();
    expect(refused.ok ? null : refused.error.kind).toBe('corrupt');
    expect(refused.ok ? '' : refused.error.detail).toContain('the digit record is intact but not a digit: not a digit');
  });

  it('builds a value only for a store that keeps it: saveFrom skips a volatile store, which recovers nothing', () => {
    let built = 0;
    const make = (): number => {
      built++;
      return 5;
    };
    const kept = new CodecRecord(new MemoryStore(), 'd', digit, 'digit');
    expect(kept.saveFrom(make).ok).toBe(true);
    expect(built).toBe(1);
    const volatile = new CodecRecord(new VolatileStore(), 'd', digit, 'digit');
    expect(volatile.saveFrom(make).ok).toBe(true);
    expect(volatile.save(9).ok).toBe(true);
    expect(built).toBe(1);
    expect(volatile.recover()).toEqual(ok(null));
  });
});

describe('MemoryStore', () => {
  it('appends to a blob, creating it, keeping copies, and a write replaces appends', () => {
    const disk = new MemoryStore();
    const chunk = Uint8Array.of(1, 2);
    expect(disk.append('log', chunk).ok).toBe(true);
    chunk.fill(9); // the store copied what it was given
    const first = disk.read('log');
    expect(disk.append('log', Uint8Array.of(3)).ok).toBe(true);
    expect(first.ok ? first.value : null).toEqual(Uint8Array.of(1, 2)); // an earlier read is not changed
    expect(disk.read('log')).toEqual(ok(Uint8Array.of(1, 2, 3)));
    disk.write('log', Uint8Array.of(7));
    disk.append('log', Uint8Array.of(8));
    expect(disk.read('log')).toEqual(ok(Uint8Array.of(7, 8)));
  });

  it('VolatileStore accepts appends and keeps nothing', () => {
    const disk = new VolatileStore();
    expect(disk.append('log', Uint8Array.of(1)).ok).toBe(true);
    expect(disk.read('log')).toEqual(ok(null));
  });
});
