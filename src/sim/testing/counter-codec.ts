import type { DecodeError, MessageCodec } from '../../framework/codec.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
import { getU32, putU32 } from '../../core/bytes.js';

/** A message of the toy counter service: a client's increment request, or the server's reply. */
export type CounterMsg =
  | { readonly type: 'inc'; readonly req: number }
  | { readonly type: 'value'; readonly req: number; readonly value: number };

const tagInc = 1;
const tagValue = 2;

/** The toy counter's wire format: a tag byte, then big-endian u32 fields. */
export class CounterCodec implements MessageCodec<CounterMsg> {
  private readonly buffer = new Uint8Array(9);
  private readonly incView = this.buffer.subarray(0, 5);

  encode(msg: CounterMsg): Uint8Array {
    checkU32(msg.req);
    putU32(this.buffer, 1, msg.req);
    if (msg.type === 'inc') {
      this.buffer[0] = tagInc;
      return this.incView;
    }
    checkU32(msg.value);
    this.buffer[0] = tagValue;
    putU32(this.buffer, 5, msg.value);
    return this.buffer;
  }

  decode(bytes: Uint8Array): Result<CounterMsg, DecodeError> {
    const tag = bytes[0];
    const need = tag === tagInc ? 5 : tag === tagValue ? 9 : 1;
    if (bytes.length < need) return err(decodeError('truncated', bytes.length, `need ${need} bytes`));
    if (tag !== tagInc && tag !== tagValue) return err(decodeError('unknownTag', 0, `unknown tag ${tag ?? -1}`));
    if (bytes.length > need) return err(decodeError('trailingBytes', need, `a message with tag ${tag} is ${need} bytes`));
    const req = getU32(bytes, 1);
    return ok(tag === tagInc ? { type: 'inc', req } : { type: 'value', req, value: getU32(bytes, 5) });
  }
}

function checkU32(x: number): void {
  if (!Number.isInteger(x) || x < 0 || x > 0xffff_ffff) throw new RangeError(`counter field out of range: ${x}`);
}

function decodeError(kind: DecodeError['kind'], offset: number, message: string): DecodeError {
  return { kind, offset, path: 'CounterMsg', message };
}
