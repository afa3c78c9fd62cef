import type { DecodeError, MessageCodec } from '../../framework/codec.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';

/** A message of the toy token ring: a transfer of the token at `epoch`, or its acknowledgement. */
export type RingMsg =
  | { readonly type: 'transfer'; readonly epoch: number }
  | { readonly type: 'ack'; readonly epoch: number };

const tagTransfer = 1;
const tagAck = 2;
const msgBytes = 5;

/** The toy ring's wire format: one tag byte, then the epoch as a big-endian u32. */
export class RingCodec implements MessageCodec<RingMsg> {
  private readonly buffer = new Uint8Array(msgBytes);

  encode(msg: RingMsg): Uint8Array {
    if (!Number.isInteger(msg.epoch) || msg.epoch < 0 || msg.epoch > 0xffff_ffff) {
      throw new RangeError(`ring epoch out of range: ${msg.epoch}`);
    }
    const b = this.buffer;
    const e = msg.epoch;
    b[0] = msg.type === 'transfer' ? tagTransfer : tagAck;
    b[1] = e >>> 24;
    b[2] = e >>> 16;
    b[3] = e >>> 8;
    b[4] = e;
    return b;
  }

  decode(bytes: Uint8Array): Result<RingMsg, DecodeError> {
    if (bytes.length < msgBytes) return err(decodeError('truncated', bytes.length, 'need 5 bytes'));
    if (bytes.length > msgBytes) return err(decodeError('trailingBytes', msgBytes, 'a ring message is 5 bytes'));
    const epoch = (((bytes[1] ?? 0) << 24) | ((bytes[2] ?? 0) << 16) | ((bytes[3] ?? 0) << 8) | (bytes[4] ?? 0)) >>> 0;
    const tag = bytes[0] ?? -1;
    if (tag === tagTransfer) return ok({ type: 'transfer', epoch });
    if (tag === tagAck) return ok({ type: 'ack', epoch });
    return err(decodeError('unknownTag', 0, `unknown tag ${tag}`));
  }
}

function decodeError(kind: DecodeError['kind'], offset: number, message: string): DecodeError {
  return { kind, offset, path: 'RingMsg', message };
}
