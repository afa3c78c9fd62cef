/**
 * Abstraction functions between layers. IronFleet proves `impl -> protocol -> spec`; here each
 * arrow is a function that the model checker and the refinement monitor apply to every state.
 */

import { sameBytes } from '../core/bytes.js';

/** Maps a lower layer's state to the layer above it. */
export type Abstraction<Low, High> = (low: Low) => High;

/** The first path at which two plain values differ, or null when they are equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path || '(root)'}: ${show(a)} != ${show(b)}`;
  }
  if (a instanceof Map && b instanceof Map) {
    for (const [k, v] of a) {
      if (!b.has(k)) return `${path}[${show(k)}]: present != absent`;
      const d = firstDifference(v, b.get(k), `${path}[${show(k)}]`);
      if (d !== null) return d;
    }
    for (const k of b.keys()) if (!a.has(k)) return `${path}[${show(k)}]: absent != present`;
    return null;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return `${path}.size: ${a.size} != ${b.size}`;
    for (const v of a) if (!b.has(v)) return `${path}: member ${show(v)} != absent`;
    return null;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (a.length !== b.length) return `${path}.length: ${a.length} != ${b.length}`;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${path}[${i}]: ${a[i]} != ${b[i]}`;
    return null;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path || '(root)'}: ${show(a)} != ${show(b)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k],
      Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k);
    if (d !== null) return d;
  }
  return null;
}

/**
 * Structural equality of plain values: primitives, arrays, plain objects, Maps (same keys, equal
 * values), Sets (same members) and byte arrays; `firstDifference` says where two values differ.
 * This builds no paths, because the monitor and the checkers call it on every step.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && sameBytes(a, b);
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set) || !(b instanceof Set) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Readonly<Record<string, unknown>>;
  const rb = b as Readonly<Record<string, unknown>>;
  return ka.every((k) => Object.hasOwn(rb, k) && deepEqual(ra[k], rb[k]));
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  if (v instanceof Map) return `Map(${v.size})`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object' && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}
