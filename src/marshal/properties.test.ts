import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Prng } from '../core/prng.js';
import { firstDifference } from '../framework/refinement.js';
import { arbitrary } from './arbitrary.js';
import type { CompiledCodec } from './compile.js';
import { compileCodec } from './compile.js';
import { mutate } from './fuzzer.js';
import { utf8 } from './grammar.js';
import { allGrammars } from './grammars.js';
import { randomValue } from './random.js';
import { readUtf8, utf8InvalidAt, utf8Length, writeUtf8 } from './utf8.js';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Decoding must not throw, and whatever decodes must re-encode to the very same bytes. */
function checkDecodeIsTotalAndCanonical(codec: CompiledCodec<unknown>, bytes: Uint8Array): void {
  const r = codec.decode(bytes);
  if (r.ok) expect(sameBytes(codec.encode(r.value), bytes)).toBe(true);
  else {
    expect(r.error.offset).toBeGreaterThanOrEqual(0);
    expect(r.error.offset).toBeLessThanOrEqual(bytes.length);
    expect(r.error.path.startsWith(codec.name)).toBe(true);
  }
}

describe.each(allGrammars)('grammar $name', ({ name, grammar }) => {
  const codec = compileCodec(grammar, name);

  it('round-trips every value: decode(encode(x)) equals x', () => {
    fc.assert(fc.property(arbitrary(grammar), (x) => {
      const bytes = codec.encode(x);
      expect(codec.size(x)).toBe(bytes.length);
      const r = codec.decode(bytes);
      expect(r.ok).toBe(true);
      if (r.ok) expect(firstDifference(r.value, x)).toBeNull();
    }));
  });

  it('round-trips the seeded randomValue generator too (the fuzzer relies on it)', () => {
    const prng = new Prng(11);
    for (let i = 0; i < 200; i++) {
      const x = randomValue(grammar, prng);
      const r = codec.decode(codec.encode(x));
      expect(r.ok && firstDifference(r.value, x)).toBeNull();
    }
  });

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      checkDecodeIsTotalAndCanonical(codec, bytes);
    }));
  });

  it('never throws on mutated encodings, and accepts only canonical ones', () => {
    fc.assert(fc.property(arbitrary(grammar), fc.integer({ min: 0, max: 2 ** 31 }), (x, seed) => {
      checkDecodeIsTotalAndCanonical(codec, mutate(codec.encode(x), new Prng(seed)));
    }), { numRuns: 300 });
  });

  it('refuses every strict prefix of an encoding as truncated', () => {
    fc.assert(fc.property(arbitrary(grammar), (x) => {
      const bytes = codec.encode(x);
      // Every cut of short encodings; about 200 evenly spread cuts of long ones.
      const step = Math.max(1, Math.floor(bytes.length / 200));
      for (let cut = 0; cut < bytes.length; cut += step) {
        const r = codec.decode(bytes.subarray(0, cut));
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.kind).toBe('truncated');
      }
    }), { numRuns: 30 });
  });
});

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
