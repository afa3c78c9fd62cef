import { describe, expect, it } from 'vitest';
import { AssertionError } from '../core/assert.js';
import type { DecodeError } from '../framework/codec.js';
import { compileCodec } from './compile.js';
import type { DecodeResult } from './compile.js';
import { paxosMsgGrammar } from './examples.js';
import { array, bool, bytes, optional, record, tuple, u16, u32, u64, u8, union, utf8 } from './grammar.js';

const lockMsgGrammar = union('type', {
  grant: record({ epoch: u64() }),
  transfer: record({ epoch: u64(), to: utf8(64) }),
});
const lock = compileCodec(lockMsgGrammar, 'LockMsg');

const shapeGrammar = record({
  a: u16(),
  s: utf8(8),
  xs: array(record({ k: u8(), b: bytes(4) }), 4),
  o: optional(u32()),
  t: tuple([bool(), u8()]),
});
const shape = compileCodec(shapeGrammar, 'Shape');

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function errorOf<M>(r: DecodeResult<M>): Pick<DecodeError, 'kind' | 'offset' | 'path'> {
  if (r.ok) throw new Error(`expected a decode error, got ${JSON.stringify(r.value)}`);
  return { kind: r.error.kind, offset: r.error.offset, path: r.error.path };
}

describe('exact bytes (a change here is a wire-format change)', () => {
  it('encodes a union case as its tag byte then its fields, big-endian', () => {
    expect(hex(lock.encode({ type: 'grant', epoch: 0x01_0203_0405 }))).toBe('00' + '0000000102030405');
    expect(hex(lock.encode({ type: 'transfer', epoch: 2 ** 53 - 1, to: 'hé' })))
      .toBe('01' + '001fffffffffffff' + '00000003' + '68c3a9');
  });

  it('encodes records, arrays, optionals and tuples in declaration order', () => {
    const bytesOut = shape.encode({
      a: 0xbeef,
      s: 'ok',
      xs: [{ k: 1, b: new Uint8Array([9, 8]) }, { k: 255, b: new Uint8Array(0) }],
      o: 0x01020304,
      t: [true, 7],
    });
    expect(hex(bytesOut)).toBe(
      'beef' + '00000002' + '6f6b' + '00000002' + '01' + '00000002' + '0908' + 'ff' + '00000000' +
      '01' + '01020304' + '01' + '07');
    expect(hex(shape.encode({ a: 0, s: '', xs: [], t: [false, 0] }))).toBe('0000' + '00000000' + '00000000' + '00' + '00' + '00');
  });

  it('encodes the example Paxos heartbeat with its declaration-order tag', () => {
    const codec = compileCodec(paxosMsgGrammar, 'PaxosMsg');
    const b = codec.encode({ type: 'heartbeat', ballot: { seqno: 5, proposer: 0x0a0b0c0d }, suspicious: true, opnExecuted: 2 ** 32 });
    expect(hex(b)).toBe('05' + '0000000000000005' + '0a0b0c0d' + '01' + '0000000100000000');
  });
});

describe('decode errors', () => {
  it('truncated: names the field that does not fit and where it starts', () => {
    expect(errorOf(lock.decode(unhex('')))).toEqual({ kind: 'truncated', offset: 0, path: 'LockMsg' });
    expect(errorOf(lock.decode(unhex('01 000000')))).toEqual({ kind: 'truncated', offset: 1, path: 'LockMsg.transfer.epoch' });
    expect(errorOf(lock.decode(unhex('01 0000000000000001 0000')))).toEqual({ kind: 'truncated', offset: 9, path: 'LockMsg.transfer.to' });
    expect(errorOf(lock.decode(unhex('01 0000000000000001 00000003 6869'))))
      .toEqual({ kind: 'truncated', offset: 13, path: 'LockMsg.transfer.to' });
    const r = lock.decode(unhex('01 000000'));
    expect(r.ok ? '' : r.error.message).toBe('truncated at LockMsg.transfer.epoch (offset 1): needs 8 bytes, 3 remain');
  });

  it('truncated: inside an array, the path carries the element index', () => {
    const good = shape.encode({ a: 1, s: 'x', xs: [{ k: 1, b: new Uint8Array([1]) }, { k: 2, b: new Uint8Array([1, 2, 3]) }], t: [true, 1] });
    // a(2) s(4+1) xs(4) [k(1) b(4+1)] [k(1) b(4+3)]: the second element's bytes start at 22.
    expect(errorOf(shape.decode(good.subarray(0, 23)))).toEqual({ kind: 'truncated', offset: 22, path: 'Shape.xs[1].b' });
    expect(errorOf(shape.decode(good.subarray(0, 21)))).toEqual({ kind: 'truncated', offset: 18, path: 'Shape.xs[1].b' });
    // With 9 bytes left, two elements of at least 5 bytes each cannot fit: refused up front.
    expect(errorOf(shape.decode(good.subarray(0, 20)))).toEqual({ kind: 'truncated', offset: 11, path: 'Shape.xs' });
  });

  it('tooLong: a length over its maximum, at the length prefix', () => {
    expect(errorOf(lock.decode(unhex('01 0000000000000001 00000041'))))
      .toEqual({ kind: 'tooLong', offset: 9, path: 'LockMsg.transfer.to' });
    expect(errorOf(shape.decode(unhex('0000 00000000 00000005')))).toEqual({ kind: 'tooLong', offset: 6, path: 'Shape.xs' });
    expect(errorOf(shape.decode(unhex('0000 00000000 00000001 01 00000005 0102030405'))))
      .toEqual({ kind: 'tooLong', offset: 11, path: 'Shape.xs[0].b' });
  });

  it('unknownTag: a tag byte past the last case', () => {
    expect(errorOf(lock.decode(unhex('02 0000000000000001')))).toEqual({ kind: 'unknownTag', offset: 0, path: 'LockMsg' });
    expect(errorOf(lock.decode(unhex('ff')))).toEqual({ kind: 'unknownTag', offset: 0, path: 'LockMsg' });
  });

  it('trailingBytes: anything after a complete message', () => {
    expect(errorOf(lock.decode(unhex('00 0000000000000001 00')))).toEqual({ kind: 'trailingBytes', offset: 9, path: 'LockMsg' });
  });

  it('intTooLarge: a u64 above 2^53-1', () => {
    expect(errorOf(lock.decode(unhex('00 0020000000000000')))).toEqual({ kind: 'intTooLarge', offset: 1, path: 'LockMsg.grant.epoch' });
    expect(errorOf(lock.decode(unhex('00 ffffffffffffffff')))).toEqual({ kind: 'intTooLarge', offset: 1, path: 'LockMsg.grant.epoch' });
    expect(lock.decode(unhex('00 001fffffffffffff'))).toEqual({ ok: true, value: { type: 'grant', epoch: 2 ** 53 - 1 } });
  });

  it('invalid: a boolean byte, a presence byte or malformed UTF-8', () => {
    // a(2) s(4) xs(4) o(1) t: bool at offset 11
    expect(errorOf(shape.decode(unhex('0000 00000000 00000000 00 02 00')))).toEqual({ kind: 'invalid', offset: 11, path: 'Shape.t[0]' });
    expect(errorOf(shape.decode(unhex('0000 00000000 00000000 02 01 00')))).toEqual({ kind: 'invalid', offset: 10, path: 'Shape.o' });
    // An overlong encoding of '/', then a UTF-16 surrogate encoded as UTF-8: both malformed.
    expect(errorOf(shape.decode(unhex('0000 00000003 61c0af 00000000 00 01 00')))).toEqual({ kind: 'invalid', offset: 7, path: 'Shape.s' });
    expect(errorOf(shape.decode(unhex('0000 00000003 eda080 00000000 00 01 00')))).toEqual({ kind: 'invalid', offset: 6, path: 'Shape.s' });
  });

  it('checks a length against its maximum and the remaining bytes before allocating', () => {
    // Each of these would need gigabytes if the decoder trusted the prefix.
    const prefixMax = unhex('ffffffff 000000000000');
    expect(errorOf(compileCodec(array(u64(), 2 ** 32 - 1), 'Big').decode(prefixMax))).toEqual({ kind: 'truncated', offset: 4, path: 'Big' });
    expect(errorOf(compileCodec(bytes(2 ** 32 - 1), 'Big').decode(prefixMax))).toEqual({ kind: 'truncated', offset: 4, path: 'Big' });
    expect(errorOf(compileCodec(utf8(2 ** 32 - 1), 'Big').decode(prefixMax))).toEqual({ kind: 'truncated', offset: 4, path: 'Big' });
    expect(errorOf(compileCodec(array(array(u8(), 10), 2 ** 32 - 1), 'Big').decode(prefixMax)))
      .toEqual({ kind: 'truncated', offset: 4, path: 'Big' });
    expect(errorOf(compileCodec(bytes(1024), 'Small').decode(prefixMax))).toEqual({ kind: 'tooLong', offset: 0, path: 'Small' });
  });
});

describe('decoding', () => {
  it('accepts Buffers and copies byte fields out of the input', () => {
    const input = Buffer.from(shape.encode({ a: 3, s: 'é', xs: [{ k: 4, b: new Uint8Array([5, 6]) }], t: [false, 9] }));
    const r = shape.decode(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const b = r.value.xs[0]?.b;
    expect(b).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(b)).toBe(false);
    input.fill(0);
    expect([...(b ?? [])]).toEqual([5, 6]);
    expect(r.value).toEqual({ a: 3, s: 'é', xs: [{ k: 4, b: new Uint8Array([5, 6]) }], o: undefined, t: [false, 9] });
  });
});

describe('encoding', () => {
  it('asserts that values match the grammar', () => {
    const bad = (m: unknown): (() => Uint8Array) => () => lock.encode(m as never);
    expect(bad({ type: 'grant', epoch: -1 })).toThrow(AssertionError);
    expect(bad({ type: 'grant', epoch: 1.5 })).toThrow(/LockMsg\.grant\.epoch must be an integer in \[0, 2\^53-1\], got 1\.5/);
    expect(bad({ type: 'grant', epoch: 2 ** 53 })).toThrow(AssertionError);
    expect(bad({ type: 'grant', epoch: '1' })).toThrow(AssertionError);
    expect(bad({ type: 'grant' })).toThrow(AssertionError);
    expect(bad({ type: 'revoke', epoch: 1 })).toThrow(/LockMsg\.type must be one of grant, transfer/);
    expect(bad({ type: 'transfer', epoch: 1, to: 'é'.repeat(33) })).toThrow(/at most 64 UTF-8 bytes/);
    expect(bad({ type: 'transfer', epoch: 1, to: 'a\ud800' })).toThrow(/lone surrogates/);
    expect(bad(null)).toThrow(AssertionError);
    const badShape = (m: unknown): (() => Uint8Array) => () => shape.encode(m as never);
    const ok = { a: 1, s: '', xs: [], t: [true, 1] };
    expect(badShape(ok)).not.toThrow();
    expect(badShape({ ...ok, a: 0x10000 })).toThrow(/Shape\.a/);
    expect(badShape({ ...ok, xs: Array.from({ length: 5 }, () => ({ k: 1, b: new Uint8Array(0) })) })).toThrow(/at most 4 elements/);
    expect(badShape({ ...ok, xs: [{ k: 1, b: new Uint8Array(5) }] })).toThrow(/Shape\.xs\[0\]\.b/);
    expect(badShape({ ...ok, t: [1, 1] })).toThrow(/Shape\.t\[0\] must be a boolean/);
    expect(badShape({ ...ok, t: [true] })).toThrow(/Shape\.t must be an array of 2 elements/);
    expect(badShape({ ...ok, o: -1 })).toThrow(/Shape\.o/);
  });

  it('returns bytes the caller owns: later encodings do not overwrite them', () => {
    const big = (fill: number) => ({ type: 'transfer' as const, epoch: fill, to: String.fromCharCode(97 + fill).repeat(60) });
    const first = lock.encode(big(1));
    const copy = Uint8Array.from(first);
    for (let i = 0; i < 2000; i++) lock.encode(big(i % 20));
    expect(first).toEqual(copy);
  });

  it('writes into a caller buffer at an offset, and asserts room', () => {
    const target = new Uint8Array(20).fill(0xaa);
    const end = lock.encodeInto({ type: 'grant', epoch: 7 }, target, 3);
    expect(end).toBe(12);
    expect(hex(target.subarray(2, 13))).toBe('aa' + '00' + '0000000000000007' + 'aa');
    expect(() => lock.encodeInto({ type: 'grant', epoch: 7 }, target, 12)).toThrow(AssertionError);
    expect(lock.size({ type: 'transfer', epoch: 1, to: 'hé' })).toBe(16);
  });

  it('compiles once per grammar and name', () => {
    expect(compileCodec(lockMsgGrammar, 'LockMsg')).toBe(lock);
    expect(compileCodec(lockMsgGrammar, 'Other')).not.toBe(lock);
    expect(lock.source).toContain('function decode(b)');
  });
});
