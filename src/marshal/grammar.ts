/**
 * Message grammars, in the spirit of IronFleet's generic marshalling: a grammar is a plain value
 * describing a message's shape (unsigned integers, byte arrays, strings, tuples, records, arrays,
 * tagged unions), every variable-length part carries a maximum, and `Value<G>` is the TypeScript
 * type of the messages a grammar describes. Codecs are derived from grammars (see compile.ts).
 *
 * Wire format (all integers big-endian):
 * - u8 / u16 / u32 / u64: 1 / 2 / 4 / 8 bytes. A u64 is a JS number, so it is limited to 2^53-1.
 * - bool: one byte, 0 or 1.
 * - bytes / utf8: a u32 length in bytes, then the bytes.
 * - tuple / record: the elements (fields in declaration order), one after another, no framing.
 * - array: a u32 element count, then the elements.
 * - union: one tag byte (the case's index in declaration order), then the case's fields.
 * - optional: one byte, 0 (absent) or 1 (present), then the value when present.
 * The format is canonical: every byte string that decodes is the encoding of its decoded value.
 */
import { assert } from '../core/assert.js';

/** The largest integer a u64 field may hold: JS numbers are exact up to 2^53-1. */
export const u64ValueMax = Number.MAX_SAFE_INTEGER;

/** The largest maximum a length-prefixed part may declare: its prefix is a u32. */
export const lengthMaxLimit = 0xffff_ffff;

/** The most cases a union may have: its tag is one byte. */
export const unionCasesMax = 256;

/** The largest maximum of an array whose elements encode to zero bytes. */
export const zeroSizeArrayLengthMax = 16;

/** An unsigned integer of 1 byte on the wire; values are numbers in [0, 255]. */
export interface U8Grammar { readonly kind: 'u8' }
/** An unsigned integer of 2 bytes on the wire; values are numbers in [0, 2^16-1]. */
export interface U16Grammar { readonly kind: 'u16' }
/** An unsigned integer of 4 bytes on the wire; values are numbers in [0, 2^32-1]. */
export interface U32Grammar { readonly kind: 'u32' }
/** An unsigned integer of 8 bytes on the wire; values are numbers in [0, 2^53-1]. */
export interface U64Grammar { readonly kind: 'u64' }
/** A boolean: one byte, 0 or 1. */
export interface BoolGrammar { readonly kind: 'bool' }
/** A byte array of at most `maxBytes` bytes; values are Uint8Arrays. */
export interface BytesGrammar { readonly kind: 'bytes'; readonly maxBytes: number }
/** A string whose UTF-8 encoding is valid and at most `maxBytes` bytes long. */
export interface Utf8Grammar { readonly kind: 'utf8'; readonly maxBytes: number }
/** A fixed sequence of differently typed elements; values are readonly JS tuples. */
export interface TupleGrammar<E extends readonly Grammar[] = readonly Grammar[]> {
  readonly kind: 'tuple';
  readonly elements: E;
}
/** Named fields, encoded in declaration order; values are plain objects. */
export interface RecordGrammar<F extends Fields = Fields> {
  readonly kind: 'record';
  readonly fields: F;
}
/** A sequence of at most `maxLength` values of one grammar; values are readonly arrays. */
export interface ArrayGrammar<E extends Grammar = Grammar> {
  readonly kind: 'array';
  readonly element: E;
  readonly maxLength: number;
}
/**
 * A tagged union of records. Values are the case's record with one more field, `tagField`,
 * naming the case: `{ type: 'transfer', epoch: 5 }`. Cases are numbered in declaration order.
 */
export interface UnionGrammar<T extends string = string, C extends Cases = Cases> {
  readonly kind: 'union';
  readonly tagField: T;
  readonly cases: C;
}
/** A value that may be absent; values are the value or `undefined`. */
export interface OptionalGrammar<E extends Grammar = Grammar> {
  readonly kind: 'optional';
  readonly value: E;
}

/** The fields of a record grammar, by name. */
export type Fields = { readonly [name: string]: Grammar };
/** The cases of a union grammar, by name. */
export type Cases = { readonly [name: string]: RecordGrammar };

/** A message grammar: any of the constructors below, nested. */
export type Grammar =
  | U8Grammar | U16Grammar | U32Grammar | U64Grammar | BoolGrammar | BytesGrammar | Utf8Grammar
  | TupleGrammar | RecordGrammar | ArrayGrammar | UnionGrammar | OptionalGrammar;

/** An unsigned-integer grammar of any width. */
export type IntGrammar = U8Grammar | U16Grammar | U32Grammar | U64Grammar;

/** Flattens an intersection into one object type, so inferred message types read cleanly. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The fields of F whose grammar is optional: they may be left out of a value. */
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalGrammar ? K : never }[keyof F];

/** The value of a record's fields: optional grammars become optional properties. */
type RecordValue<F extends Fields> =
  & { readonly [K in Exclude<keyof F, OptionalKeys<F>>]: Value<F[K]> }
  & { readonly [K in OptionalKeys<F>]?: Value<F[K]> };

/** The value of one union case: the tag field naming it, then the case's fields. */
type CaseValue<T extends string, K extends string, R> =
  R extends RecordGrammar<infer F> ? Simplify<{ readonly [P in T]: K } & RecordValue<F>> : never;

/**
 * The TypeScript type of the values a grammar describes:
 * `type LockMsg = Value<typeof lockMsgGrammar>`. Of a grammar known only as `Grammar`, `unknown`.
 */
export type Value<G extends Grammar> = Grammar extends G ? unknown : KnownValue<G>;

/** The value type of a grammar whose shape is known statically. */
type KnownValue<G extends Grammar> =
  G extends IntGrammar ? number
    : G extends BoolGrammar ? boolean
      : G extends BytesGrammar ? Uint8Array
        : G extends Utf8Grammar ? string
          : G extends TupleGrammar<infer E> ? { readonly [K in keyof E]: E[K] extends Grammar ? Value<E[K]> : never }
            : G extends RecordGrammar<infer F> ? Simplify<RecordValue<F>>
              : G extends ArrayGrammar<infer E> ? readonly Value<E>[]
                : G extends UnionGrammar<infer T, infer C> ? { [K in keyof C & string]: CaseValue<T, K, C[K]> }[keyof C & string]
                  : G extends OptionalGrammar<infer E> ? Value<E> | undefined
                    : never;

const u8Grammar: U8Grammar = Object.freeze({ kind: 'u8' });
const u16Grammar: U16Grammar = Object.freeze({ kind: 'u16' });
const u32Grammar: U32Grammar = Object.freeze({ kind: 'u32' });
const u64Grammar: U64Grammar = Object.freeze({ kind: 'u64' });
const boolGrammar: BoolGrammar = Object.freeze({ kind: 'bool' });

/** An unsigned 8-bit integer. */
export function u8(): U8Grammar {
  return u8Grammar;
}

/** An unsigned 16-bit integer, big-endian. */
export function u16(): U16Grammar {
  return u16Grammar;
}

/** An unsigned 32-bit integer, big-endian. */
export function u32(): U32Grammar {
  return u32Grammar;
}

/**
 * An unsigned 64-bit integer, big-endian, holding a JS number in [0, 2^53-1]. Decoding a larger
 * value is the `intTooLarge` error.
 */
export function u64(): U64Grammar {
  return u64Grammar;
}

/** A boolean, one byte: 0 or 1; any other byte is `invalid`. */
export function bool(): BoolGrammar {
  return boolGrammar;
}

/** A byte array of at most `maxBytes` bytes. */
export function bytes(maxBytes: number): BytesGrammar {
  assertLengthMax(maxBytes, 'bytes maxBytes');
  return Object.freeze({ kind: 'bytes', maxBytes });
}

/** A string whose UTF-8 encoding is at most `maxBytes` bytes; decoding validates the UTF-8. */
export function utf8(maxBytes: number): Utf8Grammar {
  assertLengthMax(maxBytes, 'utf8 maxBytes');
  return Object.freeze({ kind: 'utf8', maxBytes });
}

/** A tuple: `tuple([u64(), utf8(16)])` has values `readonly [number, string]`. */
export function tuple<const E extends readonly Grammar[]>(elements: E): TupleGrammar<E> {
  for (const e of elements) assertGrammar(e, 'tuple element');
  return Object.freeze({ kind: 'tuple', elements: Object.freeze([...elements]) as unknown as E });
}

/** A record: `record({ epoch: u64() })` has values `{ readonly epoch: number }`. */
export function record<const F extends Fields>(fields: F): RecordGrammar<F> {
  const copy: Record<string, Grammar> = {};
  for (const [name, g] of Object.entries(fields)) {
    assertFieldName(name, 'record field');
    assertGrammar(g, `record field '${name}'`);
    copy[name] = g;
  }
  return Object.freeze({ kind: 'record', fields: Object.freeze(copy) as F });
}

/** An array of at most `maxLength` elements of `element`. */
export function array<const E extends Grammar>(element: E, maxLength: number): ArrayGrammar<E> {
  assertGrammar(element, 'array element');
  assertLengthMax(maxLength, 'array maxLength');
  // Elements that take no bytes (empty records and tuples) are not bounded by the input's size,
  // so only the maximum limits what four bytes of length prefix can make a decoder build.
  assert(minSize(element) > 0 || maxLength <= zeroSizeArrayLengthMax,
    `an array of zero-byte elements may hold at most ${zeroSizeArrayLengthMax}, got maxLength ${maxLength}`);
  return Object.freeze({ kind: 'array', element, maxLength });
}

/**
 * A tagged union of record cases: `union('type', { grant: record({ epoch: u64() }) })` has values
 * `{ readonly type: 'grant'; readonly epoch: number }`. The tag is one byte on the wire, the case's
 * index in declaration order, so reordering cases changes the format; add new cases at the end.
 */
export function union<const T extends string, const C extends Cases>(tagField: T, cases: C): UnionGrammar<T, C> {
  assertFieldName(tagField, 'union tag field');
  const names = Object.keys(cases);
  assert(names.length > 0, 'a union needs at least one case');
  assert(names.length <= unionCasesMax, `a union has at most ${unionCasesMax} cases (one tag byte), got ${names.length}`);
  const copy: Record<string, RecordGrammar> = {};
  for (const name of names) {
    assertFieldName(name, 'union case');
    const c = cases[name];
    assert(c !== undefined && c.kind === 'record', `union case '${name}' must be a record grammar`);
    assert(!Object.hasOwn(c.fields, tagField), `union case '${name}' has a field named like the tag field '${tagField}'`);
    copy[name] = c;
  }
  return Object.freeze({ kind: 'union', tagField, cases: Object.freeze(copy) as C });
}

/** A value that may be absent (`undefined`): one presence byte, then the value if present. */
export function optional<const E extends Grammar>(value: E): OptionalGrammar<E> {
  assertGrammar(value, 'optional value');
  // Both absences would be `undefined`, so two encodings would decode to one value.
  assert(value.kind !== 'optional', 'an optional of an optional is ambiguous: wrap the inner one in a tuple or record');
  return Object.freeze({ kind: 'optional', value });
}

/** The encoded size in bytes of every value of `g` when all its values have one size, else null. */
export function fixedSize(g: Grammar): number | null {
  switch (g.kind) {
    case 'u8': case 'bool': return 1;
    case 'u16': return 2;
    case 'u32': return 4;
    case 'u64': return 8;
    case 'bytes': case 'utf8': case 'array': case 'union': case 'optional': return null;
    case 'tuple': return sumFixed(g.elements);
    case 'record': return sumFixed(Object.values(g.fields));
  }
}

/** The fewest bytes any value of `g` encodes to: what a decoder may demand before allocating. */
export function minSize(g: Grammar): number {
  switch (g.kind) {
    case 'u8': case 'bool': case 'optional': return 1;
    case 'u16': return 2;
    case 'u32': return 4;
    case 'u64': return 8;
    case 'bytes': case 'utf8': case 'array': return 4;
    case 'tuple': return g.elements.reduce((s, e) => s + minSize(e), 0);
    case 'record': return Object.values(g.fields).reduce((s, e) => s + minSize(e), 0);
    case 'union': return 1 + Math.min(...Object.values(g.cases).map(minSize));
  }
}

function sumFixed(parts: readonly Grammar[]): number | null {
  let sum = 0;
  for (const p of parts) {
    const s = fixedSize(p);
    if (s === null) return null;
    sum += s;
  }
  return sum;
}

const grammarKinds: ReadonlySet<string> = new Set([
  'u8', 'u16', 'u32', 'u64', 'bool', 'bytes', 'utf8', 'tuple', 'record', 'array', 'union', 'optional',
]);

function assertGrammar(g: unknown, what: string): void {
  assert(typeof g === 'object' && g !== null && grammarKinds.has((g as { kind?: unknown }).kind as string),
    () => `${what} is not a grammar: ${String(g)}`);
}

function assertLengthMax(n: number, what: string): void {
  assert(Number.isInteger(n) && n >= 0 && n <= lengthMaxLimit, `${what} must be an integer in [0, 2^32-1], got ${n}`);
}

// `__proto__` as an object-literal key would set the prototype instead of a field, so decoded
// values could not represent it. Names that look like array indices are refused because JS puts
// them first in an object's key order, which would silently reorder fields and union tags on the
// wire. Names are otherwise free: the generated code quotes them.
function assertFieldName(name: string, what: string): void {
  assert(name.length > 0 && name !== '__proto__' && !/^(0|[1-9][0-9]*)$/.test(name),
    `${what} name '${name}' is not allowed`);
}
