import { describe, expect, it } from 'vitest';
import { Prng } from '../core/prng.js';
import { err } from '../core/result.js';
import type { CompiledCodec } from './compile.js';
import { compileCodec } from './compile.js';
import { fuzz, mutate } from './fuzzer.js';
import { record, u8 } from './grammar.js';
import type { RegisteredGrammar } from './grammars.js';
import { exampleGrammars } from './grammars.js';

/** Small runs: the full million belongs to `npm run fuzz`, not the test suite. */
const testInputs = 10_000;

describe('fuzz', () => {
  it('passes on the example grammars and reaches every kind of decode error', () => {
    const report = fuzz({ inputs: testInputs, seed: 1, grammars: exampleGrammars });
    expect(report.failures).toEqual([]);
    expect(report.failureCount).toBe(0);
    expect(report.roundTrips + report.mutated + report.randomBytes).toBe(testInputs);
    for (const [kind, count] of Object.entries(report.rejected)) expect(count, kind).toBeGreaterThan(0);
    expect(report.accepted).toBeGreaterThan(0);
  });

  it('replays the same run from the same seed', () => {
    const a = fuzz({ inputs: 2000, seed: 99, grammars: exampleGrammars });
    const b = fuzz({ inputs: 2000, seed: 99, grammars: exampleGrammars });
    const c = fuzz({ inputs: 2000, seed: 100, grammars: exampleGrammars });
    expect(b).toEqual(a);
    expect(c.rejected).not.toEqual(a.rejected);
  });

  it('catches a decoder that throws, one that loses data, and one that accepts non-canonical bytes', () => {
    const grammars: readonly RegisteredGrammar[] = [{ name: 'Tiny', grammar: record({ a: u8(), b: u8() }) }];
    const real = compileCodec(grammars[0]?.grammar ?? record({}), 'Tiny');
    const broken = (decode: CompiledCodec<unknown>['decode']) => (): CompiledCodec<unknown> => ({ ...real, decode });
    const throwing = fuzz({
      inputs: 500, seed: 3, grammars,
      compile: broken((b) => {
        if (b.length === 3) throw new RangeError('boom');
        return real.decode(b);
      }),
    });
    expect(throwing.failureCount).toBeGreaterThan(0);
    expect(throwing.failures[0]?.property).toBe('decodeThrew');

    const lossy = fuzz({
      inputs: 500, seed: 3, grammars,
      compile: broken((b) => {
        const r = real.decode(b);
        return r.ok ? { ok: true, value: { a: 0, b: 0 } } : r;
      }),
    });
    expect(lossy.failures.map((f) => f.property)).toContain('roundTrip');

    const lax = fuzz({
      inputs: 500, seed: 3, grammars,
      compile: broken((b) => (b.length >= 2 ? real.decode(b.subarray(0, 2)) : err({ kind: 'truncated', offset: 0, path: 'Tiny', message: '' }))),
    });
    expect(lax.failures.map((f) => f.property)).toContain('notCanonical');
  });

  it('mutates deterministically and leaves its input alone', () => {
    const input = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const a = mutate(input, new Prng(5));
    expect(mutate(input, new Prng(5))).toEqual(a);
    expect([...input]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const changed = Array.from({ length: 50 }, (_, i) => mutate(input, new Prng(i)))
      .filter((m) => m.length !== input.length || m.some((x, i) => x !== input[i]));
    expect(changed.length).toBeGreaterThan(40);
  });
});
