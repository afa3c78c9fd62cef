/**
 * Frames on the wire: a 4-byte big-endian payload length, then the payload (one encoded message).
 * Lengths above `frameBytesMax` are refused on both ends, so a peer cannot make a host buffer
 * without limit. The decoder is incremental over stream chunks and never throws: a bad length is
 * an expected input, reported as a value.
 *
 * On the way out, a message is written straight into its frame by its codec (`size`, then
 * `encodeInto` after the header): one buffer, no copy of the encoded message. `FrameBatch` carves
 * a turn's frames to one peer consecutively from a slab, so they leave in one socket write.
 */
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { assert } from '../core/assert.js';
import { putU32 } from '../core/bytes.js';
import type { SizedCodec } from '../framework/codec.js';

/** Bytes of the length prefix. */
export const frameHeaderBytes = 4;

/** The largest payload a 4-byte length can describe. */
export const frameBytesLimit = 0xffff_ffff;

/**
 * One frame holding `payload`, or why not: a payload above `frameBytesMax` is refused. The payload
 * is copied; a message is better framed with `encodeMessageFrame`, which does not copy.
 */
export function encodeFrame(payload: Uint8Array, frameBytesMax: number): Result<Buffer, string> {
  if (payload.length > frameBytesMax) return err(`payload of ${payload.length} bytes exceeds frameBytesMax ${frameBytesMax}`);
  const frame = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, frameHeaderBytes);
  return ok(frame);
}

/**
 * The payload bytes of `msg`'s frame (`codec.size(msg)`), or why it cannot be sent: a payload
 * above `frameBytesMax` is refused here, before anything is allocated or written. A size that is
 * not a byte count is a codec bug (asserted).
 */
export function framePayloadBytes<M>(codec: SizedCodec<M>, msg: M, frameBytesMax: number): Result<number, string> {
  const payloadBytes = codec.size(msg);
  if (!(Number.isSafeInteger(payloadBytes) && payloadBytes >= 0)) {
    assert(false, `codec size() returned ${payloadBytes}, not a byte count (a codec bug)`);
  }
  if (payloadBytes > frameBytesMax) return err(`payload of ${payloadBytes} bytes exceeds frameBytesMax ${frameBytesMax}`);
  return ok(payloadBytes);
}

/**
 * Writes the frame of `msg`, whose payload `codec.size` put at `payloadBytes`, into `out` at
 * `offset`: the length, then the codec's `encodeInto` right after it. Returns the offset after the
 * frame. A codec that writes other than `payloadBytes` bytes is a bug: this asserts, naming both
 * counts, so a wrong size never goes out as a corrupt frame (the caller commits nothing). Asserts
 * that the frame fits.
 */
export function writeMessageFrame<M>(codec: SizedCodec<M>, msg: M, payloadBytes: number, out: Uint8Array, offset: number): number {
  const payloadAt = offset + frameHeaderBytes;
  const end = payloadAt + payloadBytes;
  if (!(end <= out.length && offset >= 0)) {
    assert(false, `a frame of ${frameHeaderBytes + payloadBytes} bytes does not fit at offset ${offset} of a ${out.length}-byte buffer`);
  }
  putU32(out, offset, payloadBytes);
  const written = codec.encodeInto(msg, out, payloadAt);
  if (written !== end) {
    assert(false, `the codec wrote ${written - payloadAt} bytes of a message it sized at ${payloadBytes} ` +
      '(its size and encodeInto disagree: a codec bug); the frame was not sent');
  }
  return end;
}

/** The frame of `msg` (payload `payloadBytes`, from `framePayloadBytes`) in a buffer of its own. */
export function messageFrame<M>(codec: SizedCodec<M>, msg: M, payloadBytes: number): Buffer {
  // From Node's buffer pool (below 4 KiB): an ArrayBuffer per frame costs more than encoding a
  // 1 KiB message. Not zeroed: encodeInto writes every byte of its range (the codec contract).
  const frame = Buffer.allocUnsafe(frameHeaderBytes + payloadBytes);
  writeMessageFrame(codec, msg, payloadBytes, frame, 0);
  return frame;
}

/**
 * The frame of `msg` in one allocation with no copy (sized, length written, encoded in place), or
 * why not: a payload above `frameBytesMax`.
 */
export function encodeMessageFrame<M>(codec: SizedCodec<M>, msg: M, frameBytesMax: number): Result<Buffer, string> {
  const payloadBytes = framePayloadBytes(codec, msg, frameBytesMax);
  return payloadBytes.ok ? ok(messageFrame(codec, msg, payloadBytes.value)) : payloadBytes;
}

/**
 * A message on its way to one or more peers: sized once (`framePayloadBytes`), and encoded by the
 * first path that writes it (a connection's batch, a queue, the loopback); the others copy
 * `frame`. Its bytes are never written again once set.
 */
export class OutgoingMessage<M> {
  /** The whole frame (length and payload), once some path has encoded it. */
  frame: Uint8Array | null = null;

  constructor(readonly msg: M, readonly payloadBytes: number) {}

  /** The frame in a buffer of its own (encoded now, or copied from an earlier encoding). */
  ownFrame(codec: SizedCodec<M>): Buffer {
    if (this.frame !== null) return Buffer.from(this.frame);
    const frame = messageFrame(codec, this.msg, this.payloadBytes);
    this.frame = frame;
    return frame;
  }
}

/** Default size of a `FrameBatch` slab: a TLS record's largest plaintext (16 KiB). */
export const frameSlabBytesDefault = 16 * 1024;

/**
 * Frames to one peer collected for one socket write. Each frame is written by its codec straight
 * into a slab, right after the previous frame; `flush()` hands the bytes written since the last
 * flush to the sink as one view. A frame that does not fit in what is left of the slab flushes
 * first and starts a new slab (of `slabBytes`, or the frame's size if larger), so the sink sees
 * the frames in order. A range handed to the sink is never written again (the sink may keep it,
 * as a socket does until it is sent); the slab is freed once nothing refers to it. Slabs are
 * zeroed when allocated, so no byte handed out was left over from other memory.
 */
export class FrameBatch<M> {
  private slab: Buffer = Buffer.alloc(0);
  /** Invariant: start <= end <= slab.length; slab[start, end) holds whole frames not yet flushed. */
  private start = 0;
  private end = 0;

  /** A batch writing with `codec` into slabs of `slabBytes`, flushing to `sink`. */
  constructor(private readonly codec: SizedCodec<M>, readonly slabBytes: number, private readonly sink: (bytes: Buffer) => void) {
    assert(Number.isSafeInteger(slabBytes) && slabBytes > frameHeaderBytes, () => `slabBytes must be an integer above ${frameHeaderBytes}, got ${slabBytes}`);
  }

  /** Bytes of whole frames appended since the last flush. */
  get pendingBytes(): number {
    return this.end - this.start;
  }

  /**
   * Appends the frame of `msg`, whose payload `codec.size` put at `payloadBytes` (from
   * `framePayloadBytes`, which enforces the frame maximum). If the codec's size was wrong this
   * asserts (see `writeMessageFrame`) and the batch is as it was: no partial frame is ever
   * flushed. Returns the frame's bytes, which are never written again (`appendFrame` may copy
   * them into another batch).
   */
  append(msg: M, payloadBytes: number): Uint8Array {
    const at = this.reserve(frameHeaderBytes + payloadBytes);
    this.end = writeMessageFrame(this.codec, msg, payloadBytes, this.slab, at);
    return this.slab.subarray(at, this.end);
  }

  /**
   * Appends a whole frame encoded before (by `append` to another batch, when one message goes to
   * several peers): a copy of its bytes, so the message is encoded once per broadcast.
   */
  appendFrame(frame: Uint8Array): void {
    const at = this.reserve(frame.length);
    this.slab.set(frame, at);
    this.end = at + frame.length;
  }

  /** Where a frame of `frameBytes` goes: after the pending ones, in a new slab if they leave no room. */
  private reserve(frameBytes: number): number {
    if (this.slab.length - this.end < frameBytes) {
      this.flush();
      this.slab = Buffer.alloc(Math.max(this.slabBytes, frameBytes));
      this.start = 0;
      this.end = 0;
    }
    return this.end;
  }

  /** Hands the pending frames to the sink, if any. */
  flush(): void {
    if (this.end === this.start) return;
    const bytes = this.slab.subarray(this.start, this.end);
    this.start = this.end;
    this.sink(bytes);
  }

  /** Drops the pending frames (their connection is gone). */
  discard(): void {
    this.start = this.end;
  }
}

/**
 * Splits a byte stream into frame payloads. Feed it chunks as they arrive; complete payloads go
 * to the callback in order. A payload that lies within one chunk is handed out as a view of it;
 * one that spans chunks is assembled in a buffer that grows by doubling up to its length, so the
 * work is linear in the bytes received however the stream is chopped. After the first error (a
 * length above `frameBytesMax`) the decoder stays failed: the stream has lost its framing and the
 * connection must be closed.
 */
export class FrameDecoder {
  private readonly header = Buffer.alloc(frameHeaderBytes);
  private headerFill = 0;
  /** Payload length of the frame being read, or -1 while its header is incomplete. */
  private expected = -1;
  /** The partial payload of a frame that spans chunks, and how much of it has arrived. */
  private body: Buffer | null = null;
  private bodyFill = 0;
  private failure: string | null = null;

  /** A decoder that refuses payloads longer than `frameBytesMax` bytes. */
  constructor(readonly frameBytesMax: number) {
    assert(Number.isInteger(frameBytesMax) && frameBytesMax >= 0 && frameBytesMax <= frameBytesLimit,
      () => `frameBytesMax must be an integer in 0..${frameBytesLimit}, got ${frameBytesMax}`);
  }

  /** Bytes received but not yet returned as payloads (less than one header plus frameBytesMax). */
  get pendingBytes(): number {
    return this.headerFill + this.bodyFill;
  }

  /** Why the decoder failed, or null while the stream is well framed. */
  get failed(): string | null {
    return this.failure;
  }

  /**
   * Consumes `chunk`, calling `onPayload` for each complete frame. Returns an error (and calls
   * nothing more) once a frame's length is above the maximum. If `onPayload` returns false the
   * decoder stops at once, dropping the rest of the chunk, for a caller that has closed the
   * connection mid-chunk.
   */
  push(chunk: Uint8Array, onPayload: (payload: Buffer) => boolean): Result<void, string> {
    if (this.failure !== null) return err(this.failure);
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let at = 0;
    while (at < bytes.length || this.expected === 0) {
      if (this.expected < 0) {
        const used = Math.min(frameHeaderBytes - this.headerFill, bytes.length - at);
        bytes.copy(this.header, this.headerFill, at, at + used);
        this.headerFill += used;
        at += used;
        if (this.headerFill < frameHeaderBytes) break;
        this.headerFill = 0;
        const length = this.header.readUInt32BE(0);
        if (length > this.frameBytesMax) {
          this.failure = `frame length ${length} exceeds frameBytesMax ${this.frameBytesMax}`;
          return err(this.failure);
        }
        this.expected = length;
        continue;
      }
      let payload: Buffer | null = null;
      if (this.bodyFill === 0 && bytes.length - at >= this.expected) {
        payload = bytes.subarray(at, at + this.expected);
        at += this.expected;
      } else {
        const used = Math.min(this.expected - this.bodyFill, bytes.length - at);
        const body = this.reserve(this.bodyFill + used);
        bytes.copy(body, this.bodyFill, at, at + used);
        this.bodyFill += used;
        at += used;
        if (this.bodyFill === this.expected) {
          payload = body.subarray(0, this.expected);
          this.body = null;
          this.bodyFill = 0;
        }
      }
      if (payload === null) break;
      this.expected = -1;
      if (!onPayload(payload)) break;
    }
    return ok(undefined);
  }

  /** The body buffer, grown (by doubling, capped at the frame's length) to hold `bytes`. */
  private reserve(bytes: number): Buffer {
    const body = this.body;
    if (body !== null && body.length >= bytes) return body;
    const capacity = Math.min(this.expected, Math.max(bytes, 2 * (body?.length ?? 0), 4096));
    const grown = Buffer.allocUnsafe(capacity);
    if (body !== null) body.copy(grown, 0, 0, this.bodyFill);
    this.body = grown;
    return grown;
  }
}
