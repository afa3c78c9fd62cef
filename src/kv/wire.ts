import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { DecodeError, SizedCodec } from '../framework/codec.js';
import type { Value } from '../marshal/grammar.js';
import { array, bool, bytes, optional, record, u64, union, utf8 } from '../marshal/grammar.js';
import { compileCodec } from '../marshal/compile.js';
import type { KeyRange } from './protocol/delegation.js';
import type { KvParams } from './protocol/host.js';
import type { Delegate, KvHostOp, KvMsg } from './protocol/messages.js';
import type { KvKey } from './spec.js';
import { kvKeyBytes, kvKeyBytesMax, kvKeyOf, kvValueBytesMax } from './spec.js';

/**
 * IronKV on the wire: one grammar for every `KvMsg`, a tag byte per message in the order of
 * `KvMsg`, compiled into a codec. Keys travel as their bytes (the protocol holds them as `KvKey`
 * strings of one character per byte), and a value that may be absent as an optional. A delegate's
 * entries are sorted by key and inside its range on the wire: `kvCodec` refuses anything else, so
 * a chunk from the network cannot hand over a key outside the range it names.
 */

/** The longest host id on the wire, in bytes of UTF-8 (a SHA-256 transport id is 64). */
export const kvHostIdBytesMax = 128;

/** The longest refusal reason on the wire, in bytes of UTF-8. */
export const kvWhyBytesMax = 1024;

/** The most entries in one delegate message on the wire; `KvParams.chunkKeysMax` must not exceed it. */
export const kvChunkKeysWireMax = 4096;

const key = bytes(kvKeyBytesMax);
const value = bytes(kvValueBytesMax);
const hostId = utf8(kvHostIdBytesMax);
const range = record({ low: key, high: optional(key) });
const op = union('type', {
  get: record({ key }),
  set: record({ key, value }),
  delete: record({ key }),
  shard: record({ range, recipient: hostId }),
});

/** The grammar of IronKV's messages. */
export const kvMsgGrammar = union('type', {
  request: record({ seqno: u64(), op }),
  reply: record({ seqno: u64(), key, value: optional(value) }),
  moved: record({ seqno: u64(), keys: u64() }),
  redirect: record({ seqno: u64(), owner: hostId }),
  refused: record({ seqno: u64(), why: utf8(kvWhyBytesMax) }),
  data: record({ seqno: u64(), range, entries: array(record({ key, value }), kvChunkKeysWireMax), final: bool() }),
  ack: record({ seqno: u64() }),
});

/** The compiled codec of the wire form. */
export const kvWireCodec = compileCodec(kvMsgGrammar, 'KvMsg');

type WireMsg = Value<typeof kvMsgGrammar>;
type WireRange = Value<typeof range>;

function rangeToWire(r: KeyRange): WireRange {
  return r.high === null ? { low: kvKeyBytes(r.low) } : { low: kvKeyBytes(r.low), high: kvKeyBytes(r.high) };
}

function rangeFromWire(r: WireRange): KeyRange {
  return { low: kvKeyOf(r.low), high: r.high === undefined ? null : kvKeyOf(r.high) };
}

function opToWire(o: KvHostOp): Value<typeof op> {
  switch (o.type) {
    case 'get': return { type: 'get', key: kvKeyBytes(o.key) };
    case 'delete': return { type: 'delete', key: kvKeyBytes(o.key) };
    case 'set': return { type: 'set', key: kvKeyBytes(o.key), value: o.value };
    case 'shard': return { type: 'shard', range: rangeToWire(o.range), recipient: o.recipient };
  }
}

function opFromWire(o: Value<typeof op>): KvHostOp {
  switch (o.type) {
    case 'get': return { type: 'get', key: kvKeyOf(o.key) };
    case 'delete': return { type: 'delete', key: kvKeyOf(o.key) };
    case 'set': return { type: 'set', key: kvKeyOf(o.key), value: o.value };
    case 'shard': return { type: 'shard', range: rangeFromWire(o.range), recipient: o.recipient };
  }
}

/** The wire form of a message. */
export function kvToWire(m: KvMsg): WireMsg {
  switch (m.type) {
    case 'request': return { type: 'request', seqno: m.seqno, op: opToWire(m.op) };
    case 'reply': return m.value === null
      ? { type: 'reply', seqno: m.seqno, key: kvKeyBytes(m.key) }
      : { type: 'reply', seqno: m.seqno, key: kvKeyBytes(m.key), value: m.value };
    case 'moved': case 'redirect': case 'refused': case 'ack': return m;
    case 'data': return {
      type: 'data', seqno: m.seqno, range: rangeToWire(m.msg.range), final: m.msg.final,
      entries: m.msg.entries.map(([k, v]) => ({ key: kvKeyBytes(k), value: v })),
    };
  }
}

/** The message a wire form stands for, or why it is not one (a delegate's entries out of order or outside its range). */
export function kvFromWire(w: WireMsg): Result<KvMsg, string> {
  switch (w.type) {
    case 'request': return ok({ type: 'request', seqno: w.seqno, op: opFromWire(w.op) });
    case 'reply': return ok({ type: 'reply', seqno: w.seqno, key: kvKeyOf(w.key), value: w.value ?? null });
    case 'moved': case 'redirect': case 'refused': case 'ack': return ok(w);
    case 'data': {
      const r = rangeFromWire(w.range);
      const entries: (readonly [KvKey, Uint8Array])[] = [];
      let previous: KvKey | null = null;
      for (const e of w.entries) {
        const k = kvKeyOf(e.key);
        if (previous !== null && !(previous < k)) return err('delegate entries must be sorted by key, each key once');
        if (k < r.low || (r.high !== null && k >= r.high)) return err('a delegate entry lies outside its range');
        entries.push([k, e.value]);
        previous = k;
      }
      const msg: Delegate = { type: 'delegate', range: r, entries, final: w.final };
      return ok({ type: 'data', seqno: w.seqno, msg });
    }
  }
}

/** The codec of IronKV's messages. */
export const kvCodec: SizedCodec<KvMsg> = {
  encode: (m) => kvWireCodec.encode(kvToWire(m)),
  decode: (b): Result<KvMsg, DecodeError> => {
    const w = kvWireCodec.decode(b);
    if (!w.ok) return w;
    const m = kvFromWire(w.value);
    if (m.ok) return m;
    return err({ kind: 'invalid', offset: 0, path: `KvMsg.${w.value.type}`, message: `invalid at KvMsg.${w.value.type}: ${m.error}` });
  },
  size: (m) => kvWireCodec.size(kvToWire(m)),
  encodeInto: (m, out, offset) => kvWireCodec.encodeInto(kvToWire(m), out, offset),
};

/** Problems with `params` for this wire format (a limit above the grammar's), one sentence each; empty when none. */
export function kvWireProblems(params: KvParams): string[] {
  return params.chunkKeysMax > kvChunkKeysWireMax
    ? [`chunkKeysMax ${params.chunkKeysMax} is over the wire's ${kvChunkKeysWireMax} (kvChunkKeysWireMax)`]
    : [];
}
