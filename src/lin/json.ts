/**
 * Structural equality and hashing of JSON-like values, the defaults for model states that bring
 * no equality or hash of their own. Equal values hash equally; object key order does not matter.
 */

/** A JSON scalar, the kind of value the built-in models store. */
export type JsonScalar = string | number | boolean | null;

/** True when `v` is a JSON scalar (finite numbers only). */
export function isJsonScalar(v: unknown): v is JsonScalar {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** True when `v` is a plain object (not null, not an array). */
export function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality over JSON-like values: scalars, arrays, plain objects, Maps and Sets. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !jsonEqual(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set) || !(b instanceof Set) || a.size !== b.size) return false;
    for (const k of a) if (!b.has(k)) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  const ra = a as Record<string, unknown>;
  for (const k of ka) if (!Object.hasOwn(rb, k) || !jsonEqual(ra[k], rb[k])) return false;
  return true;
}

/** A 32-bit hash of a JSON-like value, consistent with `jsonEqual`. */
export function jsonHash(v: unknown): number {
  switch (typeof v) {
    case 'string': return stringHash(v);
    case 'number': return numberHash(v);
    case 'boolean': return v ? 0x2f1b_55d3 : 0x5c3a_9e71;
    case 'undefined': return 0x1d8e_4e27;
    case 'bigint': return stringHash(v.toString()) ^ 0x7f4a_7c15;
    case 'symbol':
    case 'function':
      return 0x3c6e_f372;
    case 'object': break;
  }
  if (v === null) return 0x0b4e_0ef3;
  if (Array.isArray(v)) {
    let h = 0x6a09_e667 ^ v.length;
    for (const item of v) h = mix(h, jsonHash(item));
    return h;
  }
  // Maps, Sets and objects are unordered: combine entry hashes with an order-free sum.
  let sum = 0;
  let size = 0;
  if (v instanceof Map) {
    for (const [k, item] of v) sum = (sum + mix(jsonHash(k), jsonHash(item))) | 0;
    size = v.size;
  } else if (v instanceof Set) {
    for (const k of v) sum = (sum + jsonHash(k)) | 0;
    size = v.size;
  } else {
    const r = v as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      sum = (sum + mix(stringHash(k), jsonHash(r[k]))) | 0;
      size++;
    }
  }
  return mix(0xbb67_ae85 ^ size, sum);
}

/** A 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function stringHash(s: string): number {
  let h = 0x811c_9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x0100_0193);
  }
  return finalize(h);
}

/** A 32-bit hash of a number; -0 and 0 hash alike, as they compare equal. */
export function numberHash(n: number): number {
  if (Number.isInteger(n) && Math.abs(n) <= 0x7fff_ffff) return finalize(n ^ 0x2545_f491);
  return stringHash(String(n));
}

/** Combines two 32-bit hashes, order-sensitively. */
export function mix(h: number, x: number): number {
  return finalize(Math.imul(h ^ x, 0x9e37_79b1) + 0x7f4a_7c15);
}

function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** A short JSON rendering for messages; values that JSON cannot show are shown with String(). */
export function describeJson(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v instanceof Map) return `Map(${describeJson([...v.entries()])})`;
  if (v instanceof Set) return `Set(${describeJson([...v.values()])})`;
  try {
    const text = JSON.stringify(v);
    return typeof text === 'string' ? text : String(v);
  } catch {
    return String(v);
  }
}
