/**
 * The properties every message grammar's codec must have, as a test suite to run over a list of
 * registered grammars: the toolkit's examples in src/marshal, every system's in src/cli. Only
 * tests import this module (it needs vitest and fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../core/assert.js';
import { sameBytes } from '../core/bytes.js';
import { Prng } from '../core/prng.js';
import { firstDifference } from '../framework/refinement.js';
import { arbitrary } from './arbitrary.js';
import type { CompiledCodec } from './compile.js';
import { compileCodec } from './compile.js';
import { mutate } from './fuzzer.js';
import type { RegisteredGrammar } from './grammars.js';
import { randomValue } from './random.js';

/** Fills buffers around an encoding, to show that encodeInto writes nothing outside its range. */
const sentinel = 0xa5;

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

/** Registers, for each grammar, the round-trip, totality and canonical-encoding properties. */
export function describeGrammarProperties(grammars: readonly RegisteredGrammar[]): void {
  describe.each(grammars)('grammar $name', ({ name, grammar }) => {
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

    it('encodeInto writes exactly encode\'s bytes at any offset, returns the end, and touches nothing else', () => {
      fc.assert(fc.property(arbitrary(grammar), fc.nat({ max: 64 }), fc.nat({ max: 64 }), (x, offset, slack) => {
        const expected = Uint8Array.from(codec.encode(x));
        const out = new Uint8Array(offset + expected.length + slack).fill(sentinel);
        expect(codec.encodeInto(x, out, offset)).toBe(offset + codec.size(x));
        expect(sameBytes(out.subarray(offset, offset + expected.length), expected)).toBe(true);
        expect(out.subarray(0, offset).every((b) => b === sentinel)).toBe(true);
        expect(out.subarray(offset + expected.length).every((b) => b === sentinel)).toBe(true);
      }));
    });

    it('encodeInto refuses a buffer without room, before writing anything', () => {
      fc.assert(fc.property(arbitrary(grammar), fc.nat({ max: 64 }), fc.integer({ min: 1, max: 8 }), (x, offset, short) => {
        const size = codec.size(x);
        fc.pre(size >= short);
        const out = new Uint8Array(offset + size - short).fill(sentinel);
        expect(() => codec.encodeInto(x, out, offset)).toThrow(AssertionError);
        expect(out.every((b) => b === sentinel)).toBe(true);
      }), { numRuns: 50 });
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
}
