import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AssertionError } from '../core/assert.js';
import { err, ok } from '../core/result.js';
import type { MessageCodec } from './codec.js';
import { sizedCodec } from './codec.js';

/** A hand-written codec with only encode and decode, reusing one buffer as such codecs may. */
function byteCodec(): MessageCodec<number[]> {
  let buffer = new Uint8Array(0);
  return {
    encode: (msg) => {
      if (buffer.length < msg.length) buffer = new Uint8Array(msg.length);
      buffer.set(msg);
      return buffer.subarray(0, msg.length);
    },
    decode: (bytes) => (bytes.length > 0 ? ok([...bytes]) : err({ kind: 'truncated', offset: 0, path: 'bytes', message: 'empty' })),
  };
}

describe('sizedCodec', () => {
  it('returns a codec that implements size and encodeInto itself', () => {
    const native = byteCodec();
    const full = {
      ...native,
      size: (msg: number[]) => msg.length,
      encodeInto: (msg: number[], out: Uint8Array, offset: number) => {
        out.set(msg, offset);
        return offset + msg.length;
      },
    };
    expect(sizedCodec(full)).toBe(full);
    expect(sizedCodec(native)).not.toBe(native);
  });

  it('derives size and encodeInto from encode for a codec without them, writing only its range', () => {
    const codec = sizedCodec(byteCodec());
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 }), fc.nat({ max: 16 }), (msg, offset) => {
      expect(codec.size(msg)).toBe(msg.length);
      const out = new Uint8Array(offset + msg.length + 3).fill(0xa5);
      expect(codec.encodeInto(msg, out, offset)).toBe(offset + msg.length);
      expect([...out.subarray(offset, offset + msg.length)]).toEqual(msg);
      expect([...out.subarray(0, offset), ...out.subarray(offset + msg.length)].every((b) => b === 0xa5)).toBe(true);
      expect(codec.decode(out.subarray(offset, offset + msg.length))).toEqual({ ok: true, value: msg });
    }));
  });

  it('refuses a buffer without room before writing anything', () => {
    const codec = sizedCodec(byteCodec());
    const out = new Uint8Array(6).fill(0xa5);
    expect(() => codec.encodeInto([1, 2, 3, 4], out, 3)).toThrow(AssertionError);
    expect(out.every((b) => b === 0xa5)).toBe(true);
  });
});
