import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32c } from './crc32c.js';

/** The CRC bit by bit, the definition the tables must agree with. */
function bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('gives the standard check values', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bitwise definition on any bytes, at any offset', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(20), fc.nat(20), (b, pre, post) => {
      const padded = new Uint8Array(pre + b.length + post);
      padded.set(b, pre);
      expect(crc32c(padded, pre, b.length)).toBe(bitwise(b));
    }));
  });
});
