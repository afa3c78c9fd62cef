/**
 * Plain values made readable: one-line renderings, the list of fields that changed between two
 * states (a full version of `firstDifference` from src/framework/refinement.ts), and conversion to
 * JSON-safe values.
 */

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A compact one-line rendering of a plain value. */
export function showValue(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
    case 'boolean':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'symbol':
    case 'function':
      return String(v);
    case 'object':
      break;
    case 'undefined':
      return 'undefined';
  }
  if (v instanceof Uint8Array) return `bytes(${v.length}:${Buffer.from(v).toString('hex').slice(0, 32)})`;
  if (isNumberArray(v)) return `[${Array.from(v, showValue).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${typeof k === 'string' ? k : showValue(k)}: ${showValue(x)}`).join(', ')}}`;
  if (v instanceof Set) return `{${[...v].map(showValue).join(', ')}}`;
  if (Array.isArray(v)) return `[${v.map(showValue).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${k}: ${showValue(x)}`).join(', ')}}`;
}

function childPath(path: string, key: unknown): string {
  if (typeof key === 'string' && identifier.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${showValue(key)}]`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) &&
    !(v instanceof Set) && !ArrayBuffer.isView(v);
}

/**
 * Whether `v` is a typed array other than bytes (such as a packed model's Uint32Array state when
 * the model has no view): shown, diffed and written as an array of its elements.
 */
function isNumberArray(v: unknown): v is ArrayLike<number | bigint> {
  return ArrayBuffer.isView(v) && !(v instanceof Uint8Array) && !(v instanceof DataView);
}

/**
 * Every field that differs between two plain values, as `path: old -> new` lines. Objects and
 * Maps are compared key by key, arrays of equal length element by element, Sets by the members
 * that joined (`path: + x`) or left (`path: - x`); anything else that differs is shown whole.
 */
export function changedFields(a: unknown, b: unknown, path = ''): string[] {
  if (Object.is(a, b)) return [];
  if (a instanceof Map && b instanceof Map) {
    const out: string[] = [];
    for (const [k, v] of a) {
      if (!b.has(k)) out.push(`${childPath(path, k)}: ${showValue(v)} -> (absent)`);
      else out.push(...changedFields(v, b.get(k), childPath(path, k)));
    }
    for (const [k, v] of b) if (!a.has(k)) out.push(`${childPath(path, k)}: (absent) -> ${showValue(v)}`);
    return out;
  }
  if (a instanceof Set && b instanceof Set) {
    // Sets (such as a network of packets) change by members joining or leaving.
    const member = (x: unknown): string => (typeof x === 'string' ? x : showValue(x));
    const as = new Set([...a].map(member));
    const bs = new Set([...b].map(member));
    const name = path === '' ? '(state)' : path;
    return [
      ...[...bs].filter((x) => !as.has(x)).map((x) => `${name}: + ${x}`),
      ...[...as].filter((x) => !bs.has(x)).map((x) => `${name}: - ${x}`),
    ];
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: string[] = [];
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    for (const k of keys) {
      if (!(k in b)) out.push(`${childPath(path, k)}: ${showValue(a[k])} -> (absent)`);
      else if (!(k in a)) out.push(`${childPath(path, k)}: (absent) -> ${showValue(b[k])}`);
      else out.push(...changedFields(a[k], b[k], childPath(path, k)));
    }
    return out;
  }
  if (isNumberArray(a) && isNumberArray(b)) return changedFields(Array.from(a), Array.from(b), path);
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    const out: string[] = [];
    for (let i = 0; i < a.length; i++) out.push(...changedFields(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i])) return [];
  if (showValue(a) === showValue(b)) return [];
  return [`${path === '' ? '(state)' : path}: ${showValue(a)} -> ${showValue(b)}`];
}

/** The top-level fields of a plain value, as `field: value` lines (the whole value if not an object). */
export function fieldLines(v: unknown): string[] {
  if (v instanceof Map) return [...v].map(([k, x]) => `${childPath('', k)}: ${showValue(x)}`);
  if (isPlainObject(v)) return Object.entries(v).map(([k, x]) => `${childPath('', k)}: ${showValue(x)}`);
  return [showValue(v)];
}

/**
 * A JSON-safe copy of a plain value: Maps become objects, Sets and typed arrays arrays, bigints,
 * bytes, functions and symbols strings.
 */
export function toJsonValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'function' || typeof v === 'symbol') return String(v);
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (isNumberArray(v)) return Array.from(v, toJsonValue);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[typeof k === 'string' ? k : showValue(k)] = toJsonValue(x);
    return o;
  }
  if (v instanceof Set) return [...v].map(toJsonValue);
  if (Array.isArray(v)) return v.map(toJsonValue);
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) o[k] = toJsonValue(x);
  return o;
}
