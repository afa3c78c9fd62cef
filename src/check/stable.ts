import { assert } from '../core/assert.js';

/**
 * A stable serialization of plain values: equal values give equal strings, whatever the order in
 * which object keys, Map entries or Set members were inserted. Fingerprints of host states and
 * messages are computed from it unless a binding supplies a faster key, and so are the states of
 * models that give no encoding of their own.
 *
 * Handles undefined, null, booleans, numbers (including -0, NaN and infinities), bigints,
 * strings, arrays, plain objects (keys sorted), Maps (entries sorted by serialized key), Sets
 * (members sorted), Uint8Arrays and the other typed arrays; object keys whose value is undefined
 * are left out. Anything else (functions, symbols, class instances with hidden state) is a
 * programming error; `stableKeyProblem` says where such a value sits.
 */
export function stableKey(v: unknown): string {
  return keyOf(v, stableKey);
}

/** The serialization of `v`, with `part` serializing its members. */
function keyOf(v: unknown, part: (x: unknown) => string): string {
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
  if (Array.isArray(v)) return `[${v.map(part).join(',')}]`;
  if (v instanceof Uint8Array) return `x${Buffer.from(v).toString('hex')}`;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    // Other typed arrays: their element type is part of the key, so Uint32Array [1] != Int32Array [1].
    return `${v.constructor.name}[${Array.prototype.join.call(v, ',')}]`;
  }
  if (v instanceof Map) {
    const entries = [...v].map(([k, x]) => [part(k), part(x)] as const);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `M{${entries.map(([k, x]) => `${k}:${x}`).join(',')}}`;
  }
  if (v instanceof Set) {
    const members = [...v].map(part).sort();
    return `S{${members.join(',')}}`;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  assert(proto === Object.prototype || proto === null, 'stableKey: only plain objects, arrays, Maps, Sets and typed arrays');
  // Keys holding undefined are left out, so {a: undefined} and {} serialize alike (as deepEqual has them).
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${part(o[k])}`).join(',')}}`;
}

/**
 * Where `v` holds something stableKey cannot serialize, as a sentence naming the path (e.g.
 * "state.hosts[h1].timer is a function"); null when every part of `v` is serializable. `name` is
 * the path's root. Visits each object once, so shared parts cost nothing twice.
 */
export function stableKeyProblem(v: unknown, name = 'value'): string | null {
  const seen = new Set<object>();
  const visit = (x: unknown, path: string): string | null => {
    if (typeof x === 'symbol' || typeof x === 'function') return `${path} is a ${typeof x}`;
    if (typeof x !== 'object' || x === null || seen.has(x)) return null;
    seen.add(x);
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        const p = visit(x[i], `${path}[${i}]`);
        if (p !== null) return p;
      }
      return null;
    }
    if (ArrayBuffer.isView(x)) return x instanceof DataView ? `${path} is a DataView` : null;
    if (x instanceof Map) {
      for (const [k, m] of x) {
        const label = typeof k === 'string' || typeof k === 'number' ? String(k) : '(key)';
        const p = visit(k, `${path} key ${label}`) ?? visit(m, `${path}[${label}]`);
        if (p !== null) return p;
      }
      return null;
    }
    if (x instanceof Set) {
      for (const m of x) {
        const p = visit(m, `${path} member`);
        if (p !== null) return p;
      }
      return null;
    }
    const proto: unknown = Object.getPrototypeOf(x);
    if (proto !== Object.prototype && proto !== null) {
      const ctor = (x as { constructor?: { name?: unknown } }).constructor?.name;
      return `${path} is an instance of ${typeof ctor === 'string' && ctor !== '' ? ctor : 'a class'} (only plain objects, arrays, Maps, Sets and typed arrays)`;
    }
    for (const [k, m] of Object.entries(x)) {
      const p = visit(m, /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
      if (p !== null) return p;
    }
    return null;
  };
  return visit(v, name);
}
