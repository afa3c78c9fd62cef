import type { Result } from '../core/result.js';
import { assert } from '../core/assert.js';

/**
 * How a system's messages become bytes and back. The transport frames whatever a codec produces;
 * codecs are derived from message grammars in src/marshal. Decoding never throws: malformed bytes
 * from the network are an expected input, reported as a value.
 *
 * Who owns what:
 * - `encode(msg)` returns bytes that stay valid at least until the codec's next call. A codec may
 *   hand out a view of a buffer it reuses, so a caller that keeps the bytes past that must copy
 *   them (codecs compiled from grammars promise more: see `CompiledCodec.encode`).
 * - `encodeInto(msg, out, offset)` writes into the caller's `out` and nothing else: exactly the
 *   bytes `out[offset, offset + size(msg))`, the same bytes `encode(msg)` returns. `out` is the
 *   caller's before, during and after the call; the codec keeps no reference to `out` or `msg`.
 * - `decode(bytes)` reads `bytes` only during the call: the message it returns shares no memory
 *   with them, so the caller may reuse or overwrite `bytes` as soon as it returns.
 *
 * `size` and `encodeInto` are optional so that a codec written by hand for a test can stay two
 * functions; whoever needs them takes `sizedCodec(codec)`, which falls back to `encode` when a
 * codec lacks them. Codecs on a hot path implement them: the transport writes each message
 * straight into its frame with them, without an intermediate copy.
 */
export interface MessageCodec<M> {
  /** The bytes of `msg`; see the interface comment for how long they stay valid. */
  encode(msg: M): Uint8Array;
  /** The message in `bytes`, or what was wrong with them. */
  decode(bytes: Uint8Array): Result<M, DecodeError>;
  /** How many bytes `msg` encodes to: `encode(msg).length`, computed without encoding. */
  size?(msg: M): number;
  /**
   * Writes `msg` into `out` at `offset` and returns `offset + size(msg)`. A buffer without room
   * (`out.length < offset + size(msg)`) is a programmer error: the codec throws and writes nothing.
   */
  encodeInto?(msg: M, out: Uint8Array, offset: number): number;
}

/** A codec whose `size` and `encodeInto` are present, as `sizedCodec` returns. */
export interface SizedCodec<M> extends MessageCodec<M> {
  size(msg: M): number;
  encodeInto(msg: M, out: Uint8Array, offset: number): number;
}

/**
 * `codec` itself when it implements `size` and `encodeInto`, else a codec that derives them from
 * its `encode`: `size` encodes and counts, `encodeInto` encodes and copies. The fallback encodes
 * each message twice when both are called, which suits hand-written test codecs, not hot paths.
 * Call it once (when building a transport, say), not per message.
 */
export function sizedCodec<M>(codec: MessageCodec<M>): SizedCodec<M> {
  if (typeof codec.size === 'function' && typeof codec.encodeInto === 'function') return codec as SizedCodec<M>;
  return {
    encode: (msg) => codec.encode(msg),
    decode: (bytes) => codec.decode(bytes),
    size: (msg) => codec.encode(msg).length,
    encodeInto: (msg, out, offset) => {
      const bytes = codec.encode(msg);
      assert(Number.isInteger(offset) && offset >= 0 && offset + bytes.length <= out.length,
        () => `${bytes.length} bytes do not fit at offset ${offset} of a ${out.length}-byte buffer`);
      out.set(bytes, offset);
      return offset + bytes.length;
    },
  };
}

/** Why bytes did not decode: the kind of fault, where it was, and a sentence for logs. */
export interface DecodeError {
  readonly kind: 'truncated' | 'tooLong' | 'unknownTag' | 'trailingBytes' | 'intTooLarge' | 'invalid';
  /** Byte offset at which decoding failed. */
  readonly offset: number;
  /** Which part of the grammar, e.g. 'LockMsg.transfer.epoch'. */
  readonly path: string;
  readonly message: string;
}
