/**
 * Frames on the wire: a 4-byte big-endian payload length, then the payload (one encoded message).
 * Lengths above `frameBytesMax` are refused on both ends, so a peer cannot make a host buffer
 * without limit. The decoder is incremental over stream chunks and never throws: a bad length is
 * an expected input, reported as a value.
 */
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { assert } from '../core/assert.js';

/** Bytes of the length prefix. */
export const frameHeaderBytes = 4;

/** The largest payload a 4-byte length can describe. */
export const frameBytesLimit = 0xffff_ffff;

/**
 * One frame holding `payload`, or why not: a payload above `frameBytesMax` is refused. The payload
 * is copied, since codecs may hand out views of a reused buffer.
 */
export function encodeFrame(payload: Uint8Array, frameBytesMax: number): Result<Buffer, string> {
  if (payload.length > frameBytesMax) return err(`payload of ${payload.length} bytes exceeds frameBytesMax ${frameBytesMax}`);
  const frame = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, frameHeaderBytes);
  return ok(frame);
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
