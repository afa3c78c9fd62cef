import type { Result } from '../core/result.js';

/**
 * How a system's messages become bytes and back. The transport frames whatever a codec produces;
 * codecs are derived from message grammars in src/marshal. Decoding never throws: malformed bytes
 * from the network are an expected input, reported as a value.
 */
export interface MessageCodec<M> {
  /** The bytes of `msg`. The returned array may be a view of a reused buffer: copy before keeping. */
  encode(msg: M): Uint8Array;
  /** The message in `bytes`, or what was wrong with them. */
  decode(bytes: Uint8Array): Result<M, DecodeError>;
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
