import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { linearizabilityCheck } from '../linearizability.js';
import { counterModel } from '../../lin/models/counter.js';
import type { CounterOp, CounterResult } from './counter-history.js';
import type { HistoryEvent } from '../history.js';
import { RingCodec } from './ring-codec.js';
import type { RingMsg } from './ring-codec.js';
import { CounterCodec } from './counter-codec.js';
import type { CounterMsg } from './counter-codec.js';
import { DurableRecord } from '../../framework/durable-record.js';
import { MemoryStore } from '../../framework/memory-store.js';
import { everyHostEmitsWithin, everyRequestCompletesWithin } from '../liveness.js';
import type { LivenessView } from '../system.js';

type Event = HistoryEvent<CounterOp, CounterResult>;
const add: CounterOp = { kind: 'add', delta: 1 };
const call = (id: number, time: number): Event => ({ type: 'call', id, client: `c${id}`, op: add, time });
const ret = (id: number, value: number, time: number): Event => ({ type: 'return', id, output: { value }, time });

// The counter workload's history check: the linearizability checker of src/lin through the bridge.
const checkCounterHistory = linearizabilityCheck(counterModel);

describe('the counter history check', () => {
  it('accepts sequential and overlapping histories a counter can produce', () => {
    expect(checkCounterHistory([call(1, 0), ret(1, 1, 1), call(2, 2), ret(2, 2, 3)]).kind).toBe('linearizable');
    expect(checkCounterHistory([call(1, 0), call(2, 0), ret(2, 1, 2), ret(1, 2, 3)]).kind).toBe('linearizable');
    // Value 1 went to an operation that never returned.
    expect(checkCounterHistory([call(1, 0), call(2, 1), ret(2, 2, 3)]).kind).toBe('linearizable');
  });

  it('rejects duplicates, real-time inversions, increments nobody made, and malformed histories', () => {
    expect(checkCounterHistory([call(1, 0), call(2, 0), ret(1, 1, 1), ret(2, 1, 2)]).kind).toBe('violation');
    expect(checkCounterHistory([call(1, 0), ret(1, 2, 1), call(2, 2), ret(2, 1, 3)]).kind).toBe('violation');
    expect(checkCounterHistory([call(1, 0), ret(1, 2, 1)]).kind).toBe('violation');
    expect(checkCounterHistory([ret(1, 1, 1)]).kind).toBe('malformed');
  });
});

describe('toy codecs', () => {
  it('round-trip every message and reject malformed bytes without throwing', () => {
    const ring = new RingCodec();
    const counter = new CounterCodec();
    const u32 = fc.nat({ max: 0xffff_ffff });
    fc.assert(fc.property(fc.oneof(
      u32.map((epoch): RingMsg => ({ type: 'transfer', epoch })), u32.map((epoch): RingMsg => ({ type: 'ack', epoch })),
    ), (m) => {
      expect(ring.decode(ring.encode(m).slice())).toEqual({ ok: true, value: m });
    }));
    fc.assert(fc.property(fc.oneof(
      u32.map((req): CounterMsg => ({ type: 'inc', req })), fc.tuple(u32, u32).map(([req, value]): CounterMsg => ({ type: 'value', req, value })),
    ), (m) => {
      expect(counter.decode(counter.encode(m).slice())).toEqual({ ok: true, value: m });
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), (b) => {
      expect(typeof ring.decode(b).ok).toBe('boolean');
      expect(typeof counter.decode(b).ok).toBe('boolean');
    }));
  });
});

describe('DurableRecord', () => {
  it('recovers the last saved record, and the older one when the newer blob is damaged', () => {
    const disk = new MemoryStore();
    const store = new DurableRecord(disk, 't');
    expect(store.recover()).toEqual({ ok: true, value: null });
    store.save(Uint8Array.of(1));
    store.save(Uint8Array.of(2));
    expect(new DurableRecord(disk, 't').recover()).toEqual({ ok: true, value: Uint8Array.of(2) });
    const b = disk.blobs.get('t.b');
    if (b === undefined) throw new Error('t.b was written');
    b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 1;
    expect(new DurableRecord(disk, 't').recover()).toEqual({ ok: true, value: Uint8Array.of(1) });
    const a = disk.blobs.get('t.a');
    if (a === undefined) throw new Error('t.a was written');
    a[0] = (a[0] ?? 0) ^ 1;
    expect(new DurableRecord(disk, 't').recover().ok).toBe(false);
  });
});

describe('liveness conditions', () => {
  const view = (over: Partial<LivenessView<unknown, CounterOp, CounterResult>>): LivenessView<unknown, CounterOp, CounterResult> => ({
    quietFromMs: 100, endMs: 300, hostIds: ['a', 'b'], state: () => undefined, emittedSinceQuiet: () => [], history: [], ...over,
  });

  it('every host emits within the bound', () => {
    const c = everyHostEmitsWithin<unknown, CounterOp, CounterResult>('accept ', 50);
    const events = new Map([['a', [{ atMs: 120, event: 'accept 4' }]], ['b', [{ atMs: 170, event: 'accept 5' }]]]);
    expect(c.check(view({ emittedSinceQuiet: (id) => events.get(id) ?? [] }))).toMatch(/not by 150\.000ms: b$/);
    expect(c.check(view({ emittedSinceQuiet: (id) => (id === 'a' ? events.get('a') ?? [] : [{ atMs: 149, event: 'accept 5' }]) }))).toBeNull();
  });

  it('every request completes within the bound once faults stop', () => {
    const c = everyRequestCompletesWithin<unknown, CounterOp, CounterResult>(50);
    expect(c.check(view({ history: [call(1, 10), ret(1, 1, 140), call(2, 200), ret(2, 2, 240)] }))).toBeNull();
    expect(c.check(view({ history: [call(1, 10), ret(1, 1, 160)] }))).toMatch(/1 late: op 1/);
    // A call whose bound falls after the end of the run is not judged.
    expect(c.check(view({ history: [call(1, 290)] }))).toBeNull();
  });
});
