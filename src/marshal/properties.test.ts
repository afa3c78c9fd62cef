import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitrary } from './arbitrary.js';
import { utf8 } from './grammar.js';
import { exampleGrammars } from './grammars.js';
import { describeGrammarProperties } from './properties.testkit.js';
import { readUtf8, Utf8Interner, utf8InvalidAt, utf8Length, writeUtf8 } from './utf8.js';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

describeGrammarProperties(exampleGrammars);

describe('utf8 helpers', () => {
  const encoder = new TextEncoder();
  const fatal = new TextDecoder('utf-8', { fatal: true });

  it('agree with TextEncoder on well-formed strings, both the loop and the long-string path', () => {
    fc.assert(fc.property(arbitrary(utf8(300)), (s) => {
      const expected = encoder.encode(s);
      expect(utf8Length(s)).toBe(expected.length);
      const out = new Uint8Array(expected.length + 2);
      expect(writeUtf8(s, out, 1)).toBe(expected.length + 1);
      expect(sameBytes(out.subarray(1, expected.length + 1), expected)).toBe(true);
      expect(readUtf8(out, 1, expected.length + 1)).toBe(s);
    }));
  });

  it('handle long strings (the TextEncoder and TextDecoder paths)', () => {
    const s = 'é😀a\u0800'.repeat(40);
    const expected = encoder.encode(s);
    const out = new Uint8Array(expected.length);
    expect(writeUtf8(s, out, 0)).toBe(expected.length);
    expect(sameBytes(out, expected)).toBe(true);
    expect(utf8InvalidAt(out, 0, out.length)).toBe(-1);
    expect(readUtf8(out, 0, out.length)).toBe(s);
  });

  it('measure lone surrogates as unencodable', () => {
    expect(utf8Length('a\udc00')).toBe(-1);
    expect(utf8Length('\ud800b')).toBe(-1);
    expect(utf8Length('\ud800')).toBe(-1);
    expect(utf8Length('\ud83d\ude00')).toBe(4);
  });

  it('validate exactly what a fatal TextDecoder accepts, and locate the first bad sequence', () => {
    const valid = (b: Uint8Array): boolean => {
      try {
        fatal.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    const edgy = fc.constantFrom(0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff);
    fc.assert(fc.property(fc.array(fc.oneof(edgy, fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), (arr) => {
      const b = Uint8Array.from(arr);
      const at = utf8InvalidAt(b, 0, b.length);
      expect(at === -1).toBe(valid(b));
      if (at >= 0) {
        expect(valid(b.subarray(0, at))).toBe(true);
        expect(valid(b.subarray(0, at + 1)) && at + 1 === b.length).toBe(false);
      }
    }), { numRuns: 2000 });
    expect(utf8InvalidAt(Uint8Array.from([0x61, 0xf4, 0x90, 0x80, 0x80]), 0, 5)).toBe(1);
    expect(utf8InvalidAt(Uint8Array.from([0xe2, 0x82]), 0, 2)).toBe(0);
    expect(utf8InvalidAt(Uint8Array.from([0xf0, 0x9f, 0x98, 0x80]), 0, 4)).toBe(-1);
  });
});

describe('Utf8Interner', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const decodeOrNull = (b: Uint8Array): string | null => {
    try {
      return fatal.decode(b);
    } catch {
      return null;
    }
  };

  it('reads what a fatal TextDecoder reads, the first time and from its table, at any offset', () => {
    const interner = new Utf8Interner();
    const bytes = fc.array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0, max: 255 })), { maxLength: 140 });
    fc.assert(fc.property(bytes, fc.nat(3), (arr, pad) => {
      const b = new Uint8Array(pad + arr.length);
      b.set(arr, pad);
      const expected = decodeOrNull(Uint8Array.from(arr));
      expect(interner.read(b, pad, b.length)).toBe(expected);
      expect(interner.read(b, pad, b.length)).toBe(expected);
    }), { numRuns: 3000 });
  });

  it('tells apart strings that differ only where its hash does not look', () => {
    const interner = new Utf8Interner();
    const encoder = new TextEncoder();
    // Same length, same first and last 8 bytes: the same slot, so only the full comparison separates them.
    const a = `${'h'.repeat(8)}-first-id-${'t'.repeat(8)}`;
    const b = `${'h'.repeat(8)}-other-id-${'t'.repeat(8)}`;
    for (let round = 0; round < 3; round++) {
      for (const s of [a, b]) {
        const bytes = encoder.encode(s);
        expect(interner.read(bytes, 0, bytes.length)).toBe(s);
      }
    }
    const invalid = encoder.encode(a);
    invalid[12] = 0xff;
    expect(interner.read(invalid, 0, invalid.length)).toBeNull();
  });
});
