/**
 * fast-check arbitraries derived from grammars, for property tests anywhere in the project:
 * `fc.property(arbitrary(lockMsgGrammar), (m) => ...)`. Only tests import this module (fast-check
 * is a development dependency).
 */
import fc from 'fast-check';
import type { Grammar, RecordGrammar, Value } from './grammar.js';
import { u64ValueMax } from './grammar.js';

/**
 * Generated arrays have at most this many elements, whatever their maximum, so nested arrays
 * stay small enough for hundreds of runs per property; a maximum up to this is also generated
 * exactly, so the boundary itself is tested.
 */
export const arbitraryLengthMax = 8;

/** The same, in bytes, for byte arrays and strings. */
export const arbitraryBytesMax = 300;

/**
 * An arbitrary of valid values of `g`: integers across their range and at their edges, lengths
 * from empty to the maximum when the maximum is small (see arbitraryLengthMax), any code point.
 */
export function arbitrary<G extends Grammar>(g: G): fc.Arbitrary<Value<G>> {
  return derive(g) as fc.Arbitrary<Value<G>>;
}

function derive(g: Grammar): fc.Arbitrary<unknown> {
  switch (g.kind) {
    case 'u8': return fc.integer({ min: 0, max: 0xff });
    case 'u16': return fc.integer({ min: 0, max: 0xffff });
    case 'u32': return fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff));
    case 'u64': return fc.oneof(
      fc.integer({ min: 0, max: 0xffff_ffff }),
      fc.maxSafeNat(),
      fc.constantFrom(0, 0xffff_ffff, 0x1_0000_0000, u64ValueMax),
    );
    case 'bool': return fc.boolean();
    case 'bytes': return withMax(g.maxBytes, arbitraryBytesMax, (minLength, maxLength) => fc.uint8Array({ minLength, maxLength }));
    case 'utf8': return utf8String(g.maxBytes);
    case 'tuple': return fc.tuple(...g.elements.map(derive));
    case 'record': return fields(g);
    case 'array': {
      const element = derive(g.element);
      return withMax(g.maxLength, arbitraryLengthMax, (minLength, maxLength) => fc.array(element, { minLength, maxLength }));
    }
    case 'union': {
      const cases = Object.entries(g.cases).map(([name, c]) =>
        fields(c).map((v) => ({ [g.tagField]: name, ...v })));
      return fc.oneof(...cases);
    }
    case 'optional': return fc.option(derive(g.value), { nil: undefined });
  }
}

function fields(g: RecordGrammar): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, fg] of Object.entries(g.fields)) model[name] = derive(fg);
  return fc.record(model);
}

/** Lengths up to `max` but at most `cap`, plus exactly `max` when it is within the cap. */
function withMax<T>(max: number, cap: number, make: (minLength: number, maxLength: number) => fc.Arbitrary<T>): fc.Arbitrary<T> {
  const any = make(0, Math.min(max, cap));
  return max > 0 && max <= cap ? fc.oneof(any, make(max, max)) : any;
}

/**
 * Code points of every UTF-8 length (1 to 4 bytes), never a surrogate. (fast-check's own
 * 'binary' string unit does the same but takes seconds to set up on first use.)
 */
const codePoint: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0x7ff }),
  fc.integer({ min: 0x800, max: 0xffff - 0x800 }).map((c) => (c < 0xd800 ? c : c + 0x800)),
  fc.integer({ min: 0x1_0000, max: 0x10_ffff }),
);

/** Well-formed strings (any code point) whose UTF-8 form fits in `maxBytes`. */
function utf8String(maxBytes: number): fc.Arbitrary<string> {
  const maxLength = Math.min(maxBytes, arbitraryBytesMax);
  return fc.oneof(
    fc.string({ maxLength }),
    fc.array(codePoint, { maxLength }).map((cps) => truncateUtf8(cps, maxBytes)),
  );
}

/** The longest prefix of `codePoints` whose UTF-8 form fits in `maxBytes`, as a string. */
function truncateUtf8(codePoints: readonly number[], maxBytes: number): string {
  let used = 0;
  let s = '';
  for (const cp of codePoints) {
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x1_0000 ? 3 : 4;
    if (used + size > maxBytes) break;
    used += size;
    s += String.fromCodePoint(cp);
  }
  return s;
}
