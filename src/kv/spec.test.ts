import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KvOp, KvServiceState, KvSpecState } from './spec.js';
import { answerCorresponds, isKvKey, kvKeyBytes, kvKeyBytesMax, kvKeyOf, kvServiceSpec, kvSpec, kvSpecApply, kvSpecInit, showKey } from './spec.js';

const keyArb = fc.constantFrom('a', 'b', 'c');
const opArb: fc.Arbitrary<KvOp> = fc.oneof(
  keyArb.map((key): KvOp => ({ type: 'get', key })),
  fc.tuple(keyArb, fc.uint8Array({ maxLength: 3 })).map(([key, value]): KvOp => ({ type: 'set', key, value })),
  keyArb.map((key): KvOp => ({ type: 'delete', key })),
);

describe('IronKV spec', () => {
  it('is a map: applying operations agrees with a Map, every write is a spec step, every read a stutter', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
      let s: KvSpecState = kvSpecInit();
      const plain = new Map<string, Uint8Array>();
      expect(kvSpec.init(s)).toBe(true);
      for (const op of ops) {
        const { state, answer } = kvSpecApply(s, op);
        if (op.type === 'get') {
          expect(answer).toEqual({ type: 'value', value: plain.get(op.key) ?? null });
        } else {
          const changes = op.type === 'set' || plain.has(op.key);
          if (op.type === 'set') plain.set(op.key, op.value);
          else plain.delete(op.key);
          // A write that changes the table is a step; one that changes nothing is a stutter.
          if (changes && !kvSpec.equal(s, state)) expect(kvSpec.next(s, state)).toBe(true);
          else expect(kvSpec.equal(s, state)).toBe(true);
        }
        expect(answerCorresponds(state, op, answer)).toBe(true);
        expect(new Map(state.table)).toEqual(plain);
        s = state;
      }
    }), { seed: 41, numRuns: 300 });
  });

  it('refuses a step that writes two keys, a start that is not empty, and answers the table never gave', () => {
    const one = kvSpecApply(kvSpecInit(), { type: 'set', key: 'a', value: Uint8Array.of(1) }).state;
    const two = kvSpecApply(one, { type: 'set', key: 'b', value: Uint8Array.of(2) }).state;
    expect(kvSpec.next(kvSpecInit(), two)).toBe(false);
    expect(kvSpec.next(one, one)).toBe(false);
    expect(kvSpec.init(one)).toBe(false);
    expect(answerCorresponds(one, { type: 'get', key: 'a' }, { type: 'value', value: Uint8Array.of(2) })).toBe(false);
    expect(answerCorresponds(one, { type: 'get', key: 'b' }, { type: 'value', value: Uint8Array.of(1) })).toBe(false);
    expect(answerCorresponds(one, { type: 'get', key: 'a' }, { type: 'done' })).toBe(false);
    expect(answerCorresponds(one, { type: 'set', key: 'a', value: Uint8Array.of(3) }, { type: 'done' })).toBe(false);
    expect(answerCorresponds(one, { type: 'delete', key: 'a' }, { type: 'done' })).toBe(false);
  });

  it('holds byte-string keys as strings in byte order, and shows them readably', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
      const ka = kvKeyOf(a);
      expect(kvKeyBytes(ka)).toEqual(a);
      expect(isKvKey(ka)).toBe(true);
      const byBytes = Buffer.compare(Buffer.from(a), Buffer.from(b));
      const kb = kvKeyOf(b);
      expect(Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0)).toBe(byBytes);
    }), { seed: 42, numRuns: 300 });
    expect(isKvKey('\u0100')).toBe(false);
    expect(isKvKey('a'.repeat(kvKeyBytesMax + 1))).toBe(false);
    expect(showKey('user:1')).toBe('"user:1"');
    expect(showKey('\x00\xff')).toBe('0x00ff');
  });
});

describe('IronKV service spec', () => {
  const v1 = Uint8Array.of(1);
  const setA: KvOp = { type: 'set', key: 'a', value: v1 };
  const empty: KvServiceState = { table: new Map(), waiting: new Map(), answered: new Map() };
  const asked: KvServiceState = { ...empty, waiting: new Map([['c0#1', setA]]) };
  const written: KvServiceState = { ...asked, table: new Map([['a', v1]]) };
  const done = new Map([['c0#1|a', { id: 'c0#1', op: setA, answer: { type: 'done' as const } }]]);

  it('takes a write a waiting request asks for, and its answer once written', () => {
    expect(kvServiceSpec.init(empty)).toBe(true);
    expect(kvServiceSpec.next(asked, written)).toBe(true);
    expect(kvServiceSpec.next(written, { ...written, waiting: new Map(), answered: done })).toBe(true);
  });

  it('refuses a write nobody waits for, an answer before its write, and an answer to no waiting request', () => {
    expect(kvServiceSpec.next(empty, { ...empty, table: new Map([['a', v1]]) })).toBe(false);
    expect(kvServiceSpec.next(asked, { ...asked, waiting: new Map(), answered: done })).toBe(false);
    expect(kvServiceSpec.next(written, { ...written, answered: new Map([['c9#1|a', { id: 'c9#1', op: setA, answer: { type: 'done' as const } }]]) })).toBe(false);
  });
});
