import { assert } from '../core/assert.js';

/**
 * A stable serialization of plain values: equal values give equal strings, whatever the order in
 * which object keys, Map entries or Set members were inserted. Fingerprints of host states and
 * messages are computed from it unless a binding supplies a faster key.
 *
 * Handles undefined, null, booleans, numbers (including -0, NaN and infinities), bigints,
 * strings, arrays, plain objects (keys sorted), Maps (entries sorted by serialized key), Sets
 * (members sorted) and Uint8Arrays; object keys whose value is undefined are left out. Anything else (functions, class instances with hidden state)
 * is a programming error.
 */
export function stableKey(v: unknown): string {
  switch (typeof v) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
      return Object.is(v, -0) ? 'n-0' : `n${v}`;
    case 'bigint':
      return `b${v}`;
    case 'string':
      return JSON.stringify(v);
    case 'symbol':
    case 'function':
      assert(false, `stableKey: cannot serialize a ${typeof v}`);
      return '';
    case 'object':
      break;
  }
  if (v === null) return 'z';
  if (Array.isArray(v)) return `[${v.map(stableKey).join(',')}]`;
  if (v instanceof Uint8Array) return `x${Buffer.from(v).toString('hex')}`;
  if (v instanceof Map) {
    const entries = [...v].map(([k, x]) => [stableKey(k), stableKey(x)] as const);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `M{${entries.map(([k, x]) => `${k}:${x}`).join(',')}}`;
  }
  if (v instanceof Set) {
    const members = [...v].map(stableKey).sort();
    return `S{${members.join(',')}}`;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  assert(proto === Object.prototype || proto === null, 'stableKey: only plain objects, arrays, Maps, Sets and bytes');
  // Keys holding undefined are left out, so {a: undefined} and {} serialize alike (as deepEqual has them).
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableKey(o[k])}`).join(',')}}`;
}
