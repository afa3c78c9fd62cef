import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AssertionError } from '../core/assert.js';
import type { SizedCodec } from '../framework/codec.js';
import { sizedCodec } from '../framework/codec.js';
import { arbitrary } from '../marshal/arbitrary.js';
import { compileCodec } from '../marshal/compile.js';
import { paxosMsgGrammar } from '../marshal/examples.js';
import { encodeFrame, encodeMessageFrame, FrameBatch, FrameDecoder, framePayloadBytes, writeMessageFrame } from './frame.js';
import { stringCodec } from './testkit.js';

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

/** Decodes a stream of frames whole, failing the test on a bad length or a leftover byte. */
function decodeAll(stream: Uint8Array, max: number): string[] {
  const decoder = new FrameDecoder(max);
  const got: string[] = [];
  const r = decoder.push(stream, (p) => {
    const m = stringCodec.decode(p);
    if (!m.ok) throw new Error(m.error.message);
    got.push(m.value);
    return true;
  });
  expect(r.ok).toBe(true);
  expect(decoder.pendingBytes).toBe(0);
  return got;
}

/** A string codec whose size is off by `error` bytes for messages starting with '!'. */
function missizedCodec(error: number): SizedCodec<string> {
  return { ...stringCodec, size: (m) => stringCodec.size(m) + (m.startsWith('!') ? error : 0) };
}

describe('message frames', () => {
  const paxos = compileCodec(paxosMsgGrammar, 'PaxosMsg');

  it('hold exactly the bytes of encode behind the length, built in one buffer', () => {
    fc.assert(fc.property(arbitrary(paxosMsgGrammar), (m) => {
      const frame = encodeMessageFrame(paxos, m, 1 << 20);
      const copied = encodeFrame(paxos.encode(m), 1 << 20);
      expect(frame.ok && copied.ok && frame.value.equals(copied.value)).toBe(true);
    }), { numRuns: 200 });
  });

  it('work with a hand-written codec that has only encode and decode (sizedCodec)', () => {
    const plain = sizedCodec<string>({ encode: stringCodec.encode, decode: stringCodec.decode });
    const frame = encodeMessageFrame(plain, 'héllo', 64);
    expect(frame.ok && decodeAll(frame.value, 64)).toEqual(['héllo']);
  });

  it('refuse a payload over frameBytesMax before the codec writes anything', () => {
    let writes = 0;
    const counting: SizedCodec<string> = {
      ...stringCodec,
      encodeInto: (m, out, offset) => {
        writes++;
        return stringCodec.encodeInto(m, out, offset);
      },
    };
    expect(encodeMessageFrame(counting, 'x'.repeat(10), 10)).toEqual({ ok: false, error: 'payload of 11 bytes exceeds frameBytesMax 10' });
    expect(writes).toBe(0);
    expect(encodeMessageFrame(counting, 'x'.repeat(9), 10).ok).toBe(true);
    expect(writes).toBe(1);
  });

  it('catch a codec whose size is wrong with a clear error, never a corrupt frame', () => {
    for (const error of [-1, 1]) {
      const broken = missizedCodec(error);
      const payloadBytes = broken.size('!oops');
      const out = new Uint8Array(64).fill(0xa5);
      expect(() => writeMessageFrame(broken, '!oops', payloadBytes, out, 0))
        .toThrow(new RegExp(`the codec wrote 6 bytes of a message it sized at ${6 + error} .*a codec bug`));
      expect(() => encodeMessageFrame(broken, '!oops', 64)).toThrow(AssertionError);
    }
    expect(() => framePayloadBytes({ ...stringCodec, size: () => -1 }, 'x', 64)).toThrow(/not a byte count/);
  });
});

describe('frame batches', () => {
  it('hand the sink every frame in order, in whole frames, and never rewrite what they handed out', () => {
    const message = fc.oneof(
      { weight: 8, arbitrary: fc.string({ maxLength: 60 }) },
      { weight: 1, arbitrary: fc.nat({ max: 40_000 }).map((n) => 'y'.repeat(n)) },
    );
    const step = fc.oneof({ weight: 6, arbitrary: message }, { weight: 1, arbitrary: fc.constant(null) });
    fc.assert(fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 8, max: 2048 }), (steps, slabBytes) => {
      const flushed: { view: Buffer; copy: Buffer }[] = [];
      const batch = new FrameBatch(stringCodec, slabBytes, (view) => flushed.push({ view, copy: Buffer.from(view) }));
      const sent: string[] = [];
      for (const m of steps) {
        if (m === null) {
          batch.flush();
          expect(batch.pendingBytes).toBe(0);
          continue;
        }
        const payloadBytes = framePayloadBytes(stringCodec, m, 1 << 20);
        if (!payloadBytes.ok) throw new Error(payloadBytes.error);
        const before = batch.pendingBytes;
        batch.append(m, payloadBytes.value);
        expect(batch.pendingBytes).toBeLessThanOrEqual(before + 4 + payloadBytes.value);
        sent.push(m);
      }
      batch.flush();
      for (const { view, copy } of flushed) {
        expect(view.equals(copy)).toBe(true);
        decodeAll(view, 1 << 20);
      }
      expect(decodeAll(Buffer.concat(flushed.map((f) => f.copy)), 1 << 20)).toEqual(sent);
    }), { numRuns: 200 });
  });

  it('catch a codec whose size is wrong, and stay as they were: later frames go out intact', () => {
    for (const error of [-1, 1]) {
      const out: Buffer[] = [];
      const broken = missizedCodec(error);
      const batch = new FrameBatch(broken, 1024, (bytes) => out.push(Buffer.from(bytes)));
      batch.append('before', broken.size('before'));
      const pending = batch.pendingBytes;
      expect(() => batch.append('!bad', broken.size('!bad'))).toThrow(/the codec wrote 5 bytes of a message it sized at/);
      expect(batch.pendingBytes).toBe(pending);
      batch.append('after', broken.size('after'));
      batch.flush();
      expect(decodeAll(Buffer.concat(out), 1024)).toEqual(['before', 'after']);
    }
  });

  it('drop pending frames on discard', () => {
    const out: Buffer[] = [];
    const batch = new FrameBatch(stringCodec, 64, (bytes) => out.push(bytes));
    batch.append('gone', stringCodec.size('gone'));
    batch.discard();
    batch.flush();
    expect(out).toEqual([]);
  });
});
