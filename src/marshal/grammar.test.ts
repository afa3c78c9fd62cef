import { describe, expect, expectTypeOf, it } from 'vitest';
import { AssertionError } from '../core/assert.js';
import type { Value } from './grammar.js';
import {
  array, bool, bytes, fixedSize, minSize, optional, record, tuple, u16, u32, u64, u8, union, utf8,
} from './grammar.js';
import type { PaxosMsg } from './examples.js';

describe('grammar constructors', () => {
  it('refuse maxima that are negative, fractional or beyond a u32 length prefix', () => {
    expect(() => bytes(-1)).toThrow(AssertionError);
    expect(() => utf8(1.5)).toThrow(AssertionError);
    expect(() => array(u8(), 2 ** 32)).toThrow(AssertionError);
    expect(bytes(2 ** 32 - 1).maxBytes).toBe(2 ** 32 - 1);
  });

  it('refuse names that would set a prototype or be reordered by JS key order', () => {
    expect(() => record({ ['__proto__']: u8() })).toThrow(AssertionError);
    expect(() => record({ 1: u8() })).toThrow(/'1' is not allowed/);
    expect(() => union('0', { a: record({}) })).toThrow(AssertionError);
    expect(() => union('type', { 7: record({}) })).toThrow(AssertionError);
    expect(record({ '01': u8(), 'x y': u8() }).fields).toHaveProperty('x y');
  });

  it('refuse unions that are empty, too wide, clash with the tag, or have non-record cases', () => {
    expect(() => union('type', {})).toThrow(/at least one case/);
    const wide = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`c${i}`, record({})]));
    expect(() => union('type', wide)).toThrow(/at most 256/);
    expect(() => union('type', { a: record({ type: u8() }) })).toThrow(/tag field/);
    expect(() => union('type', { a: u8() as never })).toThrow(/record grammar/);
  });

  it('refuse ambiguous optionals and unbounded arrays of zero-byte elements', () => {
    expect(() => optional(optional(u8()))).toThrow(/ambiguous/);
    expect(() => array(record({}), 17)).toThrow(/zero-byte/);
    expect(array(tuple([]), 16).maxLength).toBe(16);
    expect(array(record({ a: u8() }), 2 ** 32 - 1).maxLength).toBe(2 ** 32 - 1);
    expect(() => array({ kind: 'nope' } as never, 3)).toThrow(/not a grammar/);
  });

  it('computes fixed and minimum sizes', () => {
    expect(fixedSize(record({ a: u64(), b: tuple([u16(), bool()]) }))).toBe(11);
    expect(fixedSize(record({ a: u64(), b: bytes(4) }))).toBeNull();
    expect(minSize(record({ a: u64(), b: bytes(4), c: optional(u64()) }))).toBe(13);
    expect(minSize(union('t', { a: record({ x: u64() }), b: record({ y: u8() }) }))).toBe(2);
  });
});

describe('Value<G>', () => {
  it('infers message types from grammars', () => {
    const lockMsg = union('type', {
      grant: record({ epoch: u64() }),
      transfer: record({ epoch: u64(), to: utf8(64) }),
    });
    expectTypeOf<Value<typeof lockMsg>>().toEqualTypeOf<
      { readonly type: 'grant'; readonly epoch: number } |
      { readonly type: 'transfer'; readonly epoch: number; readonly to: string }
    >();
    const shapes = record({
      pair: tuple([u8(), bytes(3)]),
      list: array(bool(), 4),
      note: optional(utf8(8)),
    });
    expectTypeOf<Value<typeof shapes>>().toEqualTypeOf<{
      readonly pair: readonly [number, Uint8Array];
      readonly list: readonly boolean[];
      readonly note?: string | undefined;
    }>();
    expectTypeOf<Extract<PaxosMsg, { type: '2b' }>['ballot']>().toEqualTypeOf<{ readonly seqno: number; readonly proposer: number }>();
    // The type is also checked where it matters: a value missing a field does not compile.
    // @ts-expect-error -- `epoch` is missing
    const bad: Value<typeof lockMsg> = { type: 'grant' };
    expect(bad.type).toBe('grant');
    expect(Object.keys(lockMsg.cases)).toEqual(['grant', 'transfer']);
    expect(Object.keys(shapes.fields)).toEqual(['pair', 'list', 'note']);
    expect(u32().kind).toBe('u32');
  });
});
