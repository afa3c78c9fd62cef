/**
 * 64-bit state fingerprints, computed on 32-bit halves so no bigint is needed. Packed states of at
 * most two words are fingerprinted one-to-one (a Feistel permutation of the 64 bits), so they
 * cannot collide; longer states and strings are absorbed word by word into the same permutation.
 */

import type { Model, ObjectEncoding, StateEncoding } from './model.js';
import { stableKey } from './stable.js';

/** A 64-bit fingerprint as two unsigned 32-bit halves; `hi` also places it in the table. */
export interface Fingerprint {
  hi: number;
  lo: number;
}

/** A fresh fingerprint holder, for functions that write their result into one. */
export function newFingerprint(): Fingerprint {
  return { hi: 0, lo: 0 };
}

/** The murmur3 32-bit finalizer: a bijection on 32 bits with full avalanche. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Round keys of the Feistel permutation (arbitrary odd constants).
const k0 = 0x9e3779b9;
const k1 = 0x7f4a7c15;
const k2 = 0xf39cc060;
const k3 = 0x5ced0b5b;

/**
 * Writes the four-round Feistel permutation of (`hi`, `lo`) into `out`. Each round is invertible
 * whatever the round function, so the whole map is a bijection on 64 bits.
 */
export function permute64(hi: number, lo: number, out: Fingerprint): void {
  let l = hi >>> 0;
  let r = lo >>> 0;
  let t = (l ^ mix32(r ^ k0)) >>> 0;
  l = r;
  r = t;
  t = (l ^ mix32(r ^ k1)) >>> 0;
  l = r;
  r = t;
  t = (l ^ mix32(r ^ k2)) >>> 0;
  l = r;
  r = t;
  t = (l ^ mix32(r ^ k3)) >>> 0;
  out.hi = r;
  out.lo = t;
}

/**
 * Writes the fingerprint of the first `n` words of `words` into `out`. For `n <= 2` the map from
 * words to fingerprints is one-to-one (see `packedFingerprintsExact`).
 */
export function fingerprintWords(words: Uint32Array, n: number, out: Fingerprint): void {
  if (n <= 2) {
    permute64(n >= 2 ? words[1] ?? 0 : 0x6a09e667, words[0] ?? 0, out);
    return;
  }
  permute64(words[1] ?? 0, words[0] ?? 0, out);
  for (let i = 2; i < n; i++) permute64(out.hi, (out.lo ^ (words[i] ?? 0)) >>> 0, out);
  permute64(out.hi ^ n, out.lo, out);
}

/**
 * The encoding of models that give none: states are immutable plain values (see `stableKey`),
 * fingerprinted by their stable key. Nothing is cached: caching keys or fingerprints per object in
 * a WeakMap was measured two to four times slower on small states, since most successors are
 * duplicates fingerprinted once and dropped.
 */
export function stableKeyEncoding<S>(): ObjectEncoding<S> {
  return { kind: 'object', fingerprint: (s, out) => fingerprintString(stableKey(s), out) };
}

const defaultEncoding = stableKeyEncoding<unknown>();

/** The encoding of `model`: its own, or (when it gives none) `stableKeyEncoding`. */
export function encodingOf<S>(model: Model<S>): StateEncoding<S> {
  return model.encoding ?? (defaultEncoding as ObjectEncoding<S>);
}

/** Writes the fingerprint of `model`'s state `s` into `out`, whichever its encoding. */
export function fingerprintState<S>(model: Model<S>, s: S, out: Fingerprint): void {
  const encoding = encodingOf(model);
  if (encoding.kind === 'packed') fingerprintWords(encoding.toWords(s), encoding.words, out);
  else encoding.fingerprint(s, out);
}

/** Whether fingerprints of packed states of `words` words are one-to-one, so cannot collide. */
export function packedFingerprintsExact(words: number): boolean {
  return words <= 2;
}

/** Writes the fingerprint of a string (its UTF-16 code units, two per absorbed word) into `out`. */
export function fingerprintString(s: string, out: Fingerprint): void {
  let hi = 0xbb67ae85;
  let lo = s.length;
  for (let i = 0; i < s.length; i += 2) {
    const w = (s.charCodeAt(i) | ((i + 1 < s.length ? s.charCodeAt(i + 1) : 0) << 16)) >>> 0;
    // Two cheap rounds per word: each absorb is a bijection of the running 64 bits.
    lo = (lo ^ w) >>> 0;
    hi = (hi ^ mix32(lo ^ k0)) >>> 0;
    lo = (lo ^ mix32(hi ^ k1)) >>> 0;
  }
  permute64(hi, lo, out);
}

/**
 * Absorbs the fingerprint `part` into the running fingerprint `acc` (order matters), for
 * fingerprints of composite states built from fingerprints of their components.
 */
export function absorbFingerprint(acc: Fingerprint, part: Fingerprint): void {
  permute64((acc.hi ^ part.hi) >>> 0, (acc.lo ^ part.lo) >>> 0, acc);
}

/**
 * TLC's "calculated (optimistic)" estimate of the probability that two distinct reachable states
 * shared a fingerprint, so that one of them was never explored: n(g - n) / 2^64 for n distinct
 * states among g generated. It assumes fingerprints behave as independent uniform 64-bit values.
 */
export function collisionProbability(distinct: number, generated: number): number {
  return (distinct * Math.max(0, generated - distinct)) / 2 ** 64;
}
