import { sameBytes } from '../core/bytes.js';
import type { SpecMachine } from '../framework/spec.js';

/**
 * IronKV's specification, as IronFleet's sharded hash table: the service behaves as one hash
 * table. A get answers the key's current value, or absent; a set writes it; a delete removes it.
 * A step is one write (a set or a delete of one key); reads change nothing. What users rely on is
 * the correspondence (`answerCorresponds`): every answer a client receives is the table's answer
 * at some point between its request and its reply, so client histories are linearizable against
 * a map (`ironfleet lin --model kv`).
 *
 * Keys are byte strings, ordered lexicographically byte by byte (a prefix first). In maps a key is
 * held as a `KvKey`, a string with one character per byte (code points 0-255), whose JavaScript
 * order is that byte order. Beyond IronFleet (64-bit keys, values under 1 KiB): keys up to
 * `kvKeyBytesMax` bytes and values up to `kvValueBytesMax`.
 */

/** The longest key, in bytes. */
export const kvKeyBytesMax = 4 * 1024;

/** The longest value, in bytes. */
export const kvValueBytesMax = 1024 * 1024;

/** A key as a string of one character per byte (code points 0-255); see the module comment. */
export type KvKey = string;

/** The key of `bytes`. */
export function kvKeyOf(bytes: Uint8Array): KvKey {
  let s = '';
  // Chunks keep the argument list of fromCharCode short for long keys.
  for (let i = 0; i < bytes.length; i += 1024) s += String.fromCharCode(...bytes.subarray(i, i + 1024));
  return s;
}

/** The bytes of `key`. */
export function kvKeyBytes(key: KvKey): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

/** Whether `key` is a well-formed key: every character a byte, and at most `kvKeyBytesMax` of them. */
export function isKvKey(key: string): boolean {
  if (key.length > kvKeyBytesMax) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0xff) return false;
  return true;
}

/** An operation of a client. */
export type KvOp =
  | { readonly type: 'get'; readonly key: KvKey }
  | { readonly type: 'set'; readonly key: KvKey; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly key: KvKey };

/** The table's answer: a get's value (null: absent), or that a set or delete took effect. */
export type KvAnswer =
  | { readonly type: 'value'; readonly value: Uint8Array | null }
  | { readonly type: 'done' };

/** The service state: the table. A key absent from the map has no value. */
export interface KvSpecState {
  readonly table: ReadonlyMap<KvKey, Uint8Array>;
}

/** The empty table, where every host's service starts. */
export function kvSpecInit(): KvSpecState {
  return { table: new Map() };
}

/** The state after `op` and the table's answer to it. A get leaves the state as it was (the same object). */
export function kvSpecApply(s: KvSpecState, op: KvOp): { readonly state: KvSpecState; readonly answer: KvAnswer } {
  switch (op.type) {
    case 'get':
      return { state: s, answer: { type: 'value', value: s.table.get(op.key) ?? null } };
    case 'set': {
      const table = new Map(s.table);
      table.set(op.key, op.value);
      return { state: { table }, answer: { type: 'done' } };
    }
    case 'delete': {
      if (!s.table.has(op.key)) return { state: s, answer: { type: 'done' } };
      const table = new Map(s.table);
      table.delete(op.key);
      return { state: { table }, answer: { type: 'done' } };
    }
  }
}

/** Whether two tables hold the same keys with the same value bytes. */
export function sameTable(a: ReadonlyMap<KvKey, Uint8Array>, b: ReadonlyMap<KvKey, Uint8Array>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !sameBytes(v, w)) return false;
  }
  return true;
}

/** On how many keys two tables differ (set in one only, or to other bytes), counting no further than `max` + 1. */
function differingKeyCount(a: ReadonlyMap<KvKey, Uint8Array>, b: ReadonlyMap<KvKey, Uint8Array>, max: number): number {
  let n = 0;
  for (const [k, v] of a) {
    const w = b.get(k);
    if ((w === undefined || !sameBytes(v, w)) && ++n > max) return n;
  }
  for (const k of b.keys()) if (!a.has(k) && ++n > max) return n;
  return n;
}

/** The IronKV spec machine: a step writes one key (a set, or a delete of a present key). */
export const kvSpec: SpecMachine<KvSpecState> = {
  name: 'IronKV',
  init: (s) => s.table.size === 0,
  next: (s, t) => differingKeyCount(s.table, t.table, 1) === 1,
  equal: (a, b) => sameTable(a.table, b.table),
  show: (s) => {
    const keys = [...s.table.keys()].sort();
    const shown = keys.slice(0, 8).map((k) => `${showKey(k)}=${s.table.get(k)?.length ?? 0}B`);
    return `table of ${keys.length} key(s)${keys.length > 0 ? `: ${shown.join(', ')}${keys.length > 8 ? ', ...' : ''}` : ''}`;
  },
};

/**
 * The spec's correspondence for one answer a host sends: a get's answer must be the key's value
 * in the table now (so at the moment the owner answered it, which is between the request and the
 * reply); a set or delete is answered `done`, and only after its write is in the table.
 */
export function answerCorresponds(s: KvSpecState, op: KvOp, answer: KvAnswer): boolean {
  switch (op.type) {
    case 'get': {
      if (answer.type !== 'value') return false;
      const now = s.table.get(op.key);
      return answer.value === null ? now === undefined : now !== undefined && sameBytes(now, answer.value);
    }
    case 'set': {
      const now = s.table.get(op.key);
      return answer.type === 'done' && now !== undefined && sameBytes(now, op.value);
    }
    case 'delete':
      return answer.type === 'done' && !s.table.has(op.key);
  }
}

/** A key for traces: printable ASCII as it is, anything else in hex. */
export function showKey(key: KvKey): string {
  if (/^[\x21-\x7e]*$/.test(key)) return JSON.stringify(key);
  return `0x${[...key].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The service as its clients see it (IronFleet's ServiceState: the table with the requests and
 * replies): the table, the operations asked for and not yet answered (by request id), and the
 * answers given (each with its request's id, keyed by what it says, so that two different answers
 * to one request are two entries). It is what the model checker refines the protocol to, so that
 * answers and writes are checked as well as the table:
 * - a step writes at most one key, and only as an operation still waiting for its answer asks
 *   (so a request executed again after it was answered, by a late duplicate, is a violation);
 * - every answer given in a step is to an operation that was waiting, and corresponds to the
 *   table after the step (`answerCorresponds`).
 */
export interface KvServiceState {
  readonly table: ReadonlyMap<KvKey, Uint8Array>;
  readonly waiting: ReadonlyMap<string, KvOp>;
  readonly answered: ReadonlyMap<string, { readonly id: string; readonly op: KvOp; readonly answer: KvAnswer }>;
}

/** Whether table `t` is table `s` after a write that the operation `op` asks for. */
function writes(s: ReadonlyMap<KvKey, Uint8Array>, t: ReadonlyMap<KvKey, Uint8Array>, op: KvOp): boolean {
  if (op.type === 'get') return false;
  return sameTable(kvSpecApply({ table: s }, op).state.table, t);
}

/** The IronKV service spec: the table's steps, with every write asked for and every answer corresponding. */
export const kvServiceSpec: SpecMachine<KvServiceState> = {
  name: 'IronKV service',
  init: (s) => s.table.size === 0 && s.answered.size === 0,
  next: (s, t) => {
    if (!sameTable(s.table, t.table)) {
      if (differingKeyCount(s.table, t.table, 1) !== 1) return false;
      if (![...s.waiting.values()].some((op) => writes(s.table, t.table, op))) return false;
    }
    for (const [key, a] of t.answered) {
      if (s.answered.has(key)) continue;
      if (!s.waiting.has(a.id) || !answerCorresponds({ table: t.table }, a.op, a.answer)) return false;
    }
    return true;
  },
  equal: (a, b) => sameTable(a.table, b.table) && sameKeys(a.waiting, b.waiting) && sameKeys(a.answered, b.answered),
  show: (s) => `${kvSpec.show({ table: s.table })}; ${s.waiting.size} waiting, ${s.answered.size} answered`,
};

function sameKeys(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a.keys()) if (!b.has(k)) return false;
  return true;
}
