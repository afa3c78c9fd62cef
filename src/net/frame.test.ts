import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder } from './frame.js';

/** Splits `bytes` at the given cut points (taken modulo the length). */
function chop(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

function frames(payloads: readonly Uint8Array[], max: number): Buffer {
  return Buffer.concat(payloads.map((p) => {
    const f = encodeFrame(p, max);
    if (!f.ok) throw new Error(f.error);
    return f.value;
  }));
}

describe('frames', () => {
  it('decode to the payloads sent, however the stream is chopped', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (payloads, cuts) => {
        const decoder = new FrameDecoder(300);
        const got: Buffer[] = [];
        for (const chunk of chop(frames(payloads, 300), cuts)) {
          expect(decoder.push(chunk, (p) => { got.push(Buffer.from(p)); return true; }).ok).toBe(true);
        }
        expect(got.map((g) => g.toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
        expect(decoder.pendingBytes).toBe(0);
      },
    ));
  });

  it('refuses to encode a payload over frameBytesMax', () => {
    expect(encodeFrame(new Uint8Array(11), 10)).toEqual({ ok: false, error: 'payload of 11 bytes exceeds frameBytesMax 10' });
    expect(encodeFrame(new Uint8Array(10), 10).ok).toBe(true);
  });

  it('fails on an oversize length, stays failed, and delivers nothing after it', () => {
    const decoder = new FrameDecoder(16);
    const good = frames([Buffer.from('hi')], 16);
    const bad = Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    const got: string[] = [];
    const r = decoder.push(Buffer.concat([good, bad, good]), (p) => { got.push(p.toString()); return true; });
    expect(r).toEqual({ ok: false, error: 'frame length 4294967295 exceeds frameBytesMax 16' });
    expect(got).toEqual(['hi']);
    expect(decoder.push(good, () => true).ok).toBe(false);
    expect(decoder.failed).toMatch(/exceeds frameBytesMax/);
  });

  it('never throws on arbitrary bytes, and never buffers more than a frame', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
      const decoder = new FrameDecoder(32);
      for (const c of chunks) {
        decoder.push(c, (p) => p.length <= 32);
        expect(decoder.pendingBytes).toBeLessThanOrEqual(4 + 32);
      }
    }));
  });

  it('stops at once when the callback says so', () => {
    const decoder = new FrameDecoder(16);
    const got: string[] = [];
    decoder.push(frames([Buffer.from('a'), Buffer.from('b')], 16), (p) => { got.push(p.toString()); return false; });
    expect(got).toEqual(['a']);
  });

  it('assembles a large frame from one-byte chunks', () => {
    const payload = Buffer.alloc(100_000, 7);
    const stream = frames([payload], 200_000);
    const decoder = new FrameDecoder(200_000);
    let got: Buffer | null = null;
    for (let i = 0; i < stream.length; i++) {
      decoder.push(stream.subarray(i, i + 1), (p) => { got = Buffer.from(p); return true; });
    }
    expect(got === null ? -1 : (got as Buffer).equals(payload)).toBe(true);
  });
});
