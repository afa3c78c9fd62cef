import { assert, unreachable } from '../core/assert.js';
import { sameBytes } from '../core/bytes.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { KvInput, KvOutput } from '../lin/models/kv.js';
import { compileCodec } from '../marshal/compile.js';
import type { Value } from '../marshal/grammar.js';
import { array, bool, bytes, record, u32, union, utf8 } from '../marshal/grammar.js';
import { utf8Length } from '../marshal/utf8.js';
import type { ServiceFactory, ServiceState } from '../rsl/service.js';
import type { AppSpec } from '../rsl/spec.js';

/**
 * A key-value store replicated with IronRSL: string keys, byte values; get, set and delete.
 *
 * Every request gets a reply and a bad one changes nothing: bytes that are not a request, a key
 * or value over its limit, and a set that would grow the store past `kvStateBytesMax` are each
 * answered with a `refused` reply naming the error (`malformed`, `keyTooLong`, `valueTooLong`,
 * `full`), so no client can stop a replica or make replicas diverge.
 *
 * Requests, replies and snapshots are grammars (src/marshal), registered in src/cli/grammars.ts so
 * their codecs are property-tested and fuzzed. The request grammar admits keys and values up to
 * `kvFieldWireBytesMax`, above the app's limits, so an oversized key or value decodes and is
 * refused by name with its size rather than as a malformed request.
 *
 * The snapshot lists the entries in ascending key order (JavaScript's string order, by UTF-16 code
 * units), so equal stores serialize to equal bytes whatever order their keys were set in.
 */

/** The longest key, in bytes of UTF-8. */
export const kvKeyBytesMax = 1024;

/** The longest value, in bytes. */
export const kvValueBytesMax = 32 * 1024;

/** Bytes an entry counts for beyond its key and value (the two length prefixes of its snapshot form). */
export const kvEntryOverheadBytes = 8;

/**
 * The most bytes the store holds, counting each entry as its key's UTF-8 bytes, its value's bytes
 * and `kvEntryOverheadBytes`; a snapshot is exactly 4 bytes more. It keeps a snapshot well inside
 * one network frame (8 MiB), which state transfer needs.
 */
export const kvStateBytesMax = 4 * 1024 * 1024;

/** The most entries a snapshot may declare: the state bound divided by the smallest entry. */
export const kvSnapshotEntriesMax = kvStateBytesMax / kvEntryOverheadBytes;

/**
 * The longest key or value field a request may carry on the wire, in bytes: the grammar's bound,
 * above `kvKeyBytesMax` and `kvValueBytesMax`, and no smaller than IronRSL's default request size
 * limit (64 KiB), so any key or value that fits in a request decodes and is checked by name.
 */
export const kvFieldWireBytesMax = 64 * 1024;

/** The longest message of a `malformed` error, in bytes of UTF-8 (longer ones are cut). */
export const kvMessageBytesMax = 256;

/** The grammar of a kv request: one tag byte (0 get, 1 set, 2 delete), then the fields. */
export const kvRequestGrammar = union('type', {
  get: record({ key: utf8(kvFieldWireBytesMax) }),
  set: record({ key: utf8(kvFieldWireBytesMax), value: bytes(kvFieldWireBytesMax) }),
  delete: record({ key: utf8(kvFieldWireBytesMax) }),
});

/** Why the store refused a request; its `reason` names the case. */
export const kvErrorGrammar = union('reason', {
  /** The bytes are not a kv request; `message` says where decoding failed. */
  malformed: record({ message: utf8(kvMessageBytesMax) }),
  keyTooLong: record({ keyBytes: u32(), keyBytesMax: u32() }),
  valueTooLong: record({ valueBytes: u32(), valueBytesMax: u32() }),
  /** The set would make the store's size (`stateBytes`) exceed `stateBytesMax`. */
  full: record({ stateBytes: u32(), stateBytesMax: u32() }),
});

/**
 * The grammar of a kv reply: a get is answered `found` or `notFound`, a set `stored`, a delete
 * `deleted` (saying whether the key was present), and any refused request `refused`.
 */
export const kvReplyGrammar = union('type', {
  found: record({ value: bytes(kvValueBytesMax) }),
  notFound: record({}),
  stored: record({}),
  deleted: record({ existed: bool() }),
  refused: record({ error: kvErrorGrammar }),
});

/** The grammar of a kv snapshot: the entries in strictly ascending key order. */
export const kvSnapshotGrammar = record({
  entries: array(record({ key: utf8(kvKeyBytesMax), value: bytes(kvValueBytesMax) }), kvSnapshotEntriesMax),
});

/** A kv request: `{type: 'get', key}`, `{type: 'set', key, value}` or `{type: 'delete', key}`. */
export type KvRequest = Value<typeof kvRequestGrammar>;

/** A kv reply (see `kvReplyGrammar`). */
export type KvReply = Value<typeof kvReplyGrammar>;

/** Why the store refused a request (see `kvErrorGrammar`). */
export type KvError = Value<typeof kvErrorGrammar>;

/** The codec of kv requests. */
export const kvRequestCodec = compileCodec(kvRequestGrammar, 'KvRequest');

/** The codec of kv replies. */
export const kvReplyCodec = compileCodec(kvReplyGrammar, 'KvReply');

/** The codec of kv snapshots. */
export const kvSnapshotCodec = compileCodec(kvSnapshotGrammar, 'KvSnapshot');

/** The store's contents as the spec sees them: key to value. Never mutated once built. */
export type KvMap = ReadonlyMap<string, Uint8Array>;

// ---------------------------------------------------------------------------------------------
// Executing a request: shared by the service (mutable) and the fast spec (immutable).

/** What executing one request does: the reply, and the entry to write (value undefined: delete). */
interface KvOutcome {
  readonly reply: KvReply;
  readonly write?: { readonly key: string; readonly value: Uint8Array | undefined; readonly stateBytes: number };
}

/** The request in `request`, checked against the limits, or the error the store answers it with. */
export function readKvRequest(request: Uint8Array): Result<KvRequest, KvError> {
  const decoded = kvRequestCodec.decode(request);
  if (!decoded.ok) return err({ reason: 'malformed', message: cutUtf8(decoded.error.message, kvMessageBytesMax) });
  const r = decoded.value;
  const keyBytes = utf8Length(r.key);
  if (keyBytes > kvKeyBytesMax) return err({ reason: 'keyTooLong', keyBytes, keyBytesMax: kvKeyBytesMax });
  if (r.type === 'set' && r.value.length > kvValueBytesMax) {
    return err({ reason: 'valueTooLong', valueBytes: r.value.length, valueBytesMax: kvValueBytesMax });
  }
  return ok(r);
}

/** The bytes an entry counts for in `kvStateBytesMax`. */
export function kvEntryBytes(key: string, value: Uint8Array): number {
  return utf8Length(key) + value.length + kvEntryOverheadBytes;
}

/** Executes `request` against a store read through `get`, of size `stateBytes`: the reply and the write, if any. */
function kvExecute(get: (key: string) => Uint8Array | undefined, stateBytes: number, request: Uint8Array): KvOutcome {
  const read = readKvRequest(request);
  if (!read.ok) return { reply: { type: 'refused', error: read.error } };
  const r = read.value;
  const old = get(r.key);
  switch (r.type) {
    case 'get':
      return { reply: old === undefined ? { type: 'notFound' } : { type: 'found', value: old } };
    case 'set': {
      const after = stateBytes - (old === undefined ? 0 : kvEntryBytes(r.key, old)) + kvEntryBytes(r.key, r.value);
      if (after > kvStateBytesMax) return { reply: { type: 'refused', error: { reason: 'full', stateBytes: after, stateBytesMax: kvStateBytesMax } } };
      return { reply: { type: 'stored' }, write: { key: r.key, value: r.value, stateBytes: after } };
    }
    case 'delete':
      if (old === undefined) return { reply: { type: 'deleted', existed: false } };
      return { reply: { type: 'deleted', existed: true }, write: { key: r.key, value: undefined, stateBytes: stateBytes - kvEntryBytes(r.key, old) } };
    default:
      return unreachable(r, 'kv request');
  }
}

// ---------------------------------------------------------------------------------------------
// The service.

/** One copy of the store's state: the service's mutable form. */
export class KvState implements ServiceState {
  /** Invariant: `stateBytes` is the sum of `kvEntryBytes` over `entries`, at most `kvStateBytesMax`. */
  private stateBytes: number;

  /** A store holding `entries` (empty for a fresh store); the map becomes this state's own. */
  constructor(private readonly entries: Map<string, Uint8Array> = new Map()) {
    this.stateBytes = kvStateBytes(entries);
    assert(this.stateBytes <= kvStateBytesMax, () => `kv store of ${this.stateBytes} bytes is over kvStateBytesMax`);
  }

  /** Executes a get, set or delete; any other bytes are refused and change nothing. */
  handleRequest(request: Uint8Array): Uint8Array {
    const out = kvExecute((key) => this.entries.get(key), this.stateBytes, request);
    if (out.write !== undefined) {
      if (out.write.value === undefined) this.entries.delete(out.write.key);
      else this.entries.set(out.write.key, out.write.value);
      this.stateBytes = out.write.stateBytes;
    }
    return kvReplyCodec.encode(out.reply);
  }

  /** The store as a snapshot, keys in ascending order. */
  serialize(): Uint8Array {
    return kvEncodeSnapshot(this.entries);
  }

  /** The store's contents, for reading (tests, tools); they change as requests are handled. */
  contents(): KvMap {
    return this.entries;
  }

  /** The bytes the store counts for in `kvStateBytesMax`. */
  get size(): number {
    return this.stateBytes;
  }
}

/** The key-value store as a service for IronRSL (the generic, byte-level form; see `kvAppSpec`). */
export const kvService: ServiceFactory<KvState> = {
  name: 'kv',
  initialize: () => new KvState(),
  deserialize: (bytes) => {
    const entries = kvDecodeSnapshot(bytes);
    return entries.ok ? ok(new KvState(entries.value)) : entries;
  },
};

/** The snapshot of `map`: its entries in ascending key order. */
export function kvEncodeSnapshot(map: KvMap): Uint8Array {
  const keys = [...map.keys()].sort();
  return kvSnapshotCodec.encode({
    entries: keys.map((key) => {
      const value = map.get(key);
      assert(value !== undefined, 'a key of the map has a value');
      return { key, value };
    }),
  });
}

/** The store a snapshot stands for, or why the bytes are not a kv snapshot (corrupt, unsorted, over the size bound). */
export function kvDecodeSnapshot(bytes: Uint8Array): Result<Map<string, Uint8Array>, string> {
  const decoded = kvSnapshotCodec.decode(bytes);
  if (!decoded.ok) return err(`not a kv snapshot: ${decoded.error.message}`);
  const entries = new Map<string, Uint8Array>();
  let stateBytes = 0;
  let previous: string | undefined;
  for (const [i, { key, value }] of decoded.value.entries.entries()) {
    // Strictly ascending keys: no duplicates, and one snapshot per store (canonical).
    if (previous !== undefined && !(previous < key)) {
      return err(`not a kv snapshot: entry ${i}'s key ${JSON.stringify(key)} does not come after ${JSON.stringify(previous)} (keys must be in strictly ascending order)`);
    }
    stateBytes += kvEntryBytes(key, value);
    if (stateBytes > kvStateBytesMax) return err(`not a kv snapshot: its entries hold more than kvStateBytesMax (${kvStateBytesMax} bytes)`);
    entries.set(key, value);
    previous = key;
  }
  return ok(entries);
}

// ---------------------------------------------------------------------------------------------
// The fast spec.

/** The bytes `map` counts for in `kvStateBytesMax`: the sum of its entries' `kvEntryBytes`. */
export function kvStateBytes(map: KvMap): number {
  let n = 0;
  for (const [key, value] of map) n += kvEntryBytes(key, value);
  return n;
}

/**
 * Sizes of the maps the fast spec handled, so a step does not sum every entry again. Sound because
 * the spec's maps are never mutated once built (the service's mutable map is never cached here).
 */
const specStateBytes = new WeakMap<KvMap, number>();

/** `kvStateBytes(map)` for a map of the fast spec, cached. */
function specStateBytesOf(map: KvMap): number {
  const known = specStateBytes.get(map);
  if (known !== undefined) return known;
  const n = kvStateBytes(map);
  specStateBytes.set(map, n);
  return n;
}

/**
 * The store's fast spec for the model checker and the simulator: an immutable map, copied on
 * write. Agrees with `serviceAppSpec(kvService)` (its state is `kvEncodeSnapshot` of this map), tested.
 */
export const kvAppSpec: AppSpec<KvMap> = {
  name: 'kv',
  init: () => new Map(),
  apply: (state, request) => {
    const out = kvExecute((key) => state.get(key), specStateBytesOf(state), request);
    const reply = kvReplyCodec.encode(out.reply);
    if (out.write === undefined) return { state, reply };
    const next = new Map(state);
    if (out.write.value === undefined) next.delete(out.write.key);
    else next.set(out.write.key, out.write.value);
    specStateBytes.set(next, out.write.stateBytes);
    return { state: next, reply };
  },
  equal: (a, b) => {
    if (a.size !== b.size) return false;
    for (const [key, value] of a) {
      const other = b.get(key);
      if (other === undefined || !sameBytes(value, other)) return false;
    }
    return true;
  },
  show: (state) => {
    const keys = [...state.keys()].sort();
    const shown = keys.slice(0, 4).map((k) => `${JSON.stringify(k)}: ${state.get(k)?.length ?? 0} bytes`);
    return `kv {${shown.join(', ')}${keys.length > 4 ? `, … ${keys.length} keys` : ''}}`;
  },
};

// ---------------------------------------------------------------------------------------------
// Clients.

/** Why `key` cannot be sent: not well-formed Unicode, or over `kvKeyBytesMax`. */
function keyProblem(key: string): KvError | undefined {
  const keyBytes = utf8Length(key);
  if (keyBytes < 0) return { reason: 'malformed', message: 'the key is not well-formed Unicode (it holds a lone surrogate, which has no UTF-8 form)' };
  if (keyBytes > kvKeyBytesMax) return { reason: 'keyTooLong', keyBytes, keyBytesMax: kvKeyBytesMax };
  return undefined;
}

/** The request reading `key`, or why it cannot be sent. */
export function kvGet(key: string): Result<Uint8Array, KvError> {
  const problem = keyProblem(key);
  return problem === undefined ? ok(kvRequestCodec.encode({ type: 'get', key })) : err(problem);
}

/** The request setting `key` to `value`, or why it cannot be sent. */
export function kvSet(key: string, value: Uint8Array): Result<Uint8Array, KvError> {
  const problem = keyProblem(key);
  if (problem !== undefined) return err(problem);
  if (value.length > kvValueBytesMax) return err({ reason: 'valueTooLong', valueBytes: value.length, valueBytesMax: kvValueBytesMax });
  return ok(kvRequestCodec.encode({ type: 'set', key, value }));
}

/** The request deleting `key`, or why it cannot be sent. */
export function kvDelete(key: string): Result<Uint8Array, KvError> {
  const problem = keyProblem(key);
  return problem === undefined ? ok(kvRequestCodec.encode({ type: 'delete', key })) : err(problem);
}

/** The reply in `reply`, or why the bytes are not a kv reply. */
export function parseKvReply(reply: Uint8Array): Result<KvReply, string> {
  const decoded = kvReplyCodec.decode(reply);
  return decoded.ok ? ok(decoded.value) : err(`not a kv reply: ${decoded.error.message}`);
}

/** A sentence saying what a kv error means, for people. */
export function kvErrorText(e: KvError): string {
  switch (e.reason) {
    case 'malformed': return `malformed request: ${e.message}`;
    case 'keyTooLong': return `the key is ${e.keyBytes} bytes of UTF-8, over the limit of ${e.keyBytesMax} (kvKeyBytesMax)`;
    case 'valueTooLong': return `the value is ${e.valueBytes} bytes, over the limit of ${e.valueBytesMax} (kvValueBytesMax)`;
    case 'full': return `the store is full: the set would make it ${e.stateBytes} bytes, over the limit of ${e.stateBytesMax} (kvStateBytesMax)`;
    default: return unreachable(e, 'kv error');
  }
}

// ---------------------------------------------------------------------------------------------
// Client histories for the linearizability checker (`ironfleet lin FILE --model kv`).

/**
 * A value as the linearizability checker's kv model stores it: its bytes in lowercase hex (two
 * digits a byte, '' for the empty value), so distinct values stay distinct.
 */
export function kvLinValue(value: Uint8Array): string {
  return Array.from(value, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A kv request as the kv model's operation input, or why the bytes are not a request the store would execute. */
export function kvLinInput(request: Uint8Array): Result<KvInput, string> {
  const read = readKvRequest(request);
  if (!read.ok) return err(kvErrorText(read.error));
  const r = read.value;
  switch (r.type) {
    case 'get': return ok({ kind: 'get', key: r.key });
    case 'set': return ok({ kind: 'set', key: r.key, value: kvLinValue(r.value) });
    case 'delete': return ok({ kind: 'delete', key: r.key });
    default: return unreachable(r, 'kv request');
  }
}

/**
 * What a reply means for a client history: the operation returned (`output` is the kv model's
 * output), or the store refused it. A refused operation had no effect, which the kv model cannot
 * express: leave its return out of the history (the checker then lets it take effect or not).
 */
export type KvLinOutcome =
  | { readonly kind: 'returned'; readonly output: KvOutput }
  | { readonly kind: 'refused'; readonly error: KvError };

/** What `reply` means for the operation `input` in a client history, or why it cannot be its reply. */
export function kvLinOutput(input: KvInput, reply: Uint8Array): Result<KvLinOutcome, string> {
  const parsed = parseKvReply(reply);
  if (!parsed.ok) return parsed;
  const r = parsed.value;
  if (r.type === 'refused') return ok({ kind: 'refused', error: r.error });
  const expected = input.kind === 'get' ? ['found', 'notFound'] : input.kind === 'set' ? ['stored'] : ['deleted'];
  if (!expected.includes(r.type)) return err(`a ${r.type} reply does not answer a ${input.kind}`);
  switch (r.type) {
    case 'found': return ok({ kind: 'returned', output: { value: kvLinValue(r.value) } });
    case 'notFound': return ok({ kind: 'returned', output: { value: null } });
    case 'stored':
    case 'deleted': return ok({ kind: 'returned', output: {} });
    default: return unreachable(r, 'kv reply');
  }
}

/** The longest prefix of `s` whose UTF-8 form fits in `maxBytes` (whole code points only). */
function cutUtf8(s: string, maxBytes: number): string {
  const length = utf8Length(s);
  if (length >= 0 && length <= maxBytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const chBytes = utf8Length(ch);
    // A lone surrogate has no UTF-8 form: it is written as U+FFFD, 3 bytes.
    const n = chBytes < 0 ? 3 : chBytes;
    if (used + n > maxBytes) break;
    out += chBytes < 0 ? '\ufffd' : ch;
    used += n;
  }
  return out;
}
