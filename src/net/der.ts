/**
 * A minimal DER encoder: just the ASN.1 types an X.509 v3 certificate for an Ed25519 key needs
 * (see certificate.ts). Every function returns the complete encoding (tag, length, contents), so
 * structures are built by nesting calls. Malformed arguments are programmer errors (asserted): the
 * encoder only ever sees constants and keys this process made.
 */
import { assert } from '../core/assert.js';

/** Universal and context-specific tags used by the certificate encoder. */
const tagBoolean = 0x01;
const tagInteger = 0x02;
const tagBitString = 0x03;
const tagOctetString = 0x04;
const tagOid = 0x06;
const tagUtf8String = 0x0c;
const tagSequence = 0x30;
const tagSet = 0x31;
const tagUtcTime = 0x17;
const tagGeneralizedTime = 0x18;

/** The DER length octets of a content of `length` bytes: short form below 128, long form above. */
export function derLength(length: number): Uint8Array {
  assert(Number.isSafeInteger(length) && length >= 0, () => `DER length must be a natural number, got ${length}`);
  if (length < 0x80) return Uint8Array.of(length);
  const bytes = naturalBytes(length);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One tag-length-value element whose contents are the concatenation of `parts`. */
export function derTlv(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  const contents = concat(parts);
  return concat([Uint8Array.of(tag), derLength(contents.length), contents]);
}

/** A SEQUENCE of already-encoded elements. */
export function derSequence(...elements: readonly Uint8Array[]): Uint8Array {
  return derTlv(tagSequence, ...elements);
}

/** A SET of already-encoded elements (callers pass one element, so no sorting is needed). */
export function derSet(...elements: readonly Uint8Array[]): Uint8Array {
  return derTlv(tagSet, ...elements);
}

/** A BOOLEAN. */
export function derBoolean(value: boolean): Uint8Array {
  return derTlv(tagBoolean, Uint8Array.of(value ? 0xff : 0x00));
}

/** An INTEGER from a small natural number. */
export function derSmallInteger(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, () => `INTEGER must be a natural number, got ${value}`);
  return derUnsignedInteger(Uint8Array.from(naturalBytes(value)));
}

/**
 * A non-negative INTEGER from big-endian magnitude bytes: leading zero bytes are dropped and one
 * is added back when the top bit is set, so the encoding is minimal and never negative.
 */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let body = magnitude.subarray(start);
  if (body.length === 0) body = Uint8Array.of(0);
  if ((body[0] ?? 0) & 0x80) body = concat([Uint8Array.of(0), body]);
  return derTlv(tagInteger, body);
}

/** An OBJECT IDENTIFIER from its dotted form, e.g. '1.3.101.112'. */
export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => Number(a));
  const [first, second, ...rest] = arcs;
  assert(first !== undefined && second !== undefined && arcs.every((a) => Number.isSafeInteger(a) && a >= 0),
    () => `malformed OID '${dotted}'`);
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups: number[] = [];
    for (let n = arc; ; n = Math.floor(n / 128)) {
      groups.unshift(n % 128);
      if (n < 128) break;
    }
    for (let i = 0; i < groups.length; i++) out.push((groups[i] ?? 0) | (i < groups.length - 1 ? 0x80 : 0));
  }
  return derTlv(tagOid, Uint8Array.from(out));
}

/** A UTF8String. */
export function derUtf8String(text: string): Uint8Array {
  return derTlv(tagUtf8String, new TextEncoder().encode(text));
}

/** A BIT STRING holding whole bytes, with `unusedBits` trailing bits of the last byte unused. */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return derTlv(tagBitString, Uint8Array.of(unusedBits), bytes);
}

/** An OCTET STRING. */
export function derOctetString(bytes: Uint8Array): Uint8Array {
  return derTlv(tagOctetString, bytes);
}

/** A UTCTime from its 'YYMMDDHHMMSSZ' text (years 1950..2049). */
export function derUtcTime(text: string): Uint8Array {
  assert(/^\d{12}Z$/.test(text), () => `malformed UTCTime '${text}'`);
  return derTlv(tagUtcTime, new TextEncoder().encode(text));
}

/** A GeneralizedTime from its 'YYYYMMDDHHMMSSZ' text (for years from 2050). */
export function derGeneralizedTime(text: string): Uint8Array {
  assert(/^\d{14}Z$/.test(text), () => `malformed GeneralizedTime '${text}'`);
  return derTlv(tagGeneralizedTime, new TextEncoder().encode(text));
}

/** An EXPLICIT context-specific tag [n] wrapping one encoded element. */
export function derExplicit(n: number, element: Uint8Array): Uint8Array {
  assert(Number.isInteger(n) && n >= 0 && n <= 30, () => `context tag must be 0..30, got ${n}`);
  return derTlv(0xa0 | n, element);
}

/** The minimal big-endian bytes of a natural number (none for 0). */
function naturalBytes(value: number): number[] {
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
