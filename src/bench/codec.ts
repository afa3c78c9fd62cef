import { assert } from '../core/assert.js';
import type { CompiledCodec } from '../marshal/compile.js';
import { compileCodec } from '../marshal/compile.js';
import type { PaxosMsg } from '../marshal/examples.js';
import { paxosMsgGrammar } from '../marshal/examples.js';
import { encodeFrame, encodeMessageFrame, FrameBatch, frameSlabBytesDefault, framePayloadBytes } from '../net/frame.js';
import { defaultTransportLimits } from '../net/limits.js';
import type { BenchFigure, BenchOptions, Benchmark } from './types.js';

/** How long each figure is measured, in milliseconds (full run, quick run). */
const measureMs = 1000;
const quickMeasureMs = 200;

/** Calls per timed batch: large enough that reading the clock costs nothing measurable. */
const batchCalls = 2000;

/** The bytes of the large message's payload. */
const payloadBytes = 1024;

/** The frame maximum the frame figures enforce: the transport's default. */
const frameBytesMax = defaultTransportLimits.frameBytesMax;

/**
 * The codec benchmark: encode and decode rates of the example Multi-Paxos codec for a small
 * message (a heartbeat: a few integers and a boolean) and a representative one (a 2a carrying
 * one request with a 1 KiB payload); then `encodeInto` into a reused buffer, and three ways of
 * turning a message into a frame: encode then copy behind a length (`encodeFrame`), sized and
 * written in place in one allocation (`encodeMessageFrame`), and appended to a slab of frames
 * (`FrameBatch`, what a connection does).
 */
export const benchmark: Benchmark = {
  name: 'codec',
  summary: 'encode/decode rate of grammar-derived codecs, small and 1 KiB messages',
  run: (options) => Promise.resolve(run(options)),
};

function run(options: BenchOptions): BenchFigure[] {
  const codec = compileCodec(paxosMsgGrammar, 'PaxosMsg');
  const payload = new Uint8Array(payloadBytes);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const messages: readonly { label: string; msg: PaxosMsg; goalMsgsPerS: number }[] = [
    {
      label: 'small (heartbeat)',
      msg: { type: 'heartbeat', ballot: { seqno: 41, proposer: 2 }, suspicious: false, opnExecuted: 123_456_789 },
      goalMsgsPerS: 5_000_000,
    },
    {
      label: '1 KiB (2a, one request)',
      msg: {
        type: '2a', ballot: { seqno: 41, proposer: 2 }, opn: 1_000_017,
        batch: [{ client: 'client-0042', seqno: 98_765, payload }],
      },
      goalMsgsPerS: 1_000_000,
    },
  ];
  const ms = options.quick ? quickMeasureMs : measureMs;
  const figures: BenchFigure[] = [];
  for (const { label, msg, goalMsgsPerS } of messages) {
    const bytes = codec.encode(msg);
    const detail = `${bytes.length} bytes per message; ${ms} ms per figure`;
    const encodeRate = measure(ms, () => encodeBatch(codec, msg));
    const decodeRate = measure(ms, () => decodeBatch(codec, bytes));
    const encodeIntoRate = measure(ms, () => encodeIntoBatch(codec, msg));
    const frameCopyRate = measure(ms, () => frameCopyBatch(codec, msg));
    const frameInPlaceRate = measure(ms, () => frameInPlaceBatch(codec, msg));
    const frameBatchedRate = measure(ms, () => frameBatchedBatch(codec, msg));
    options.progress(`${label}: encode ${Math.round(encodeRate)}/s, decode ${Math.round(decodeRate)}/s, ` +
      `encodeInto ${Math.round(encodeIntoRate)}/s; frames: encode + copy ${Math.round(frameCopyRate)}/s, ` +
      `in place ${Math.round(frameInPlaceRate)}/s, batched ${Math.round(frameBatchedRate)}/s`);
    const rate = (name: string, value: number, how: string, goal?: number): BenchFigure => ({
      name: `${name} ${label}`, value: Math.round(value), unit: 'msgs/s',
      ...(goal === undefined ? {} : { goal: { value: goal, better: 'higher' as const } }), detail: `${how}; ${detail}`,
    });
    figures.push(
      { name: `encode ${label}`, value: Math.round(encodeRate), unit: 'msgs/s', goal: { value: goalMsgsPerS, better: 'higher' }, detail },
      { name: `encode ${label} throughput`, value: round2(encodeRate * bytes.length / 1e6), unit: 'MB/s', detail },
      { name: `decode ${label}`, value: Math.round(decodeRate), unit: 'msgs/s', goal: { value: goalMsgsPerS, better: 'higher' }, detail },
      { name: `decode ${label} throughput`, value: round2(decodeRate * bytes.length / 1e6), unit: 'MB/s', detail },
      rate('encodeInto', encodeIntoRate, 'size() then encodeInto() at offset 4 of a reused buffer', goalMsgsPerS),
      rate('frame (encode + copy)', frameCopyRate, 'encode() then encodeFrame(): the bytes copied behind a length'),
      rate('frame (in place)', frameInPlaceRate, 'encodeMessageFrame(): sized, one allocation, encodeInto() after the length'),
      rate('frame (batched)', frameBatchedRate, `FrameBatch.append() into ${frameSlabBytesDefault}-byte slabs, as a connection writes`),
    );
  }
  return figures;
}

/**
 * Results are kept for a while, as a transport or host would keep them, so the engine cannot
 * optimize the work (or the allocation) away.
 */
const sink: unknown[] = new Array<unknown>(64).fill(null);

function encodeBatch(codec: CompiledCodec<PaxosMsg>, msg: PaxosMsg): void {
  let total = 0;
  for (let i = 0; i < batchCalls; i++) {
    const bytes = codec.encode(msg);
    sink[i & 63] = bytes;
    total += bytes.length;
  }
  assert(total > 0, 'encode produced nothing');
}

function encodeIntoBatch(codec: CompiledCodec<PaxosMsg>, msg: PaxosMsg): void {
  let total = 0;
  for (let i = 0; i < batchCalls; i++) {
    const end = codec.encodeInto(msg, target(codec.size(msg)), 4);
    total += end;
  }
  sink[0] = scratch;
  assert(total > 0, 'encodeInto produced nothing');
}

let scratch = new Uint8Array(0);

/** A reused buffer with room for `n` bytes after a 4-byte header. */
function target(n: number): Uint8Array {
  if (scratch.length < 4 + n) scratch = new Uint8Array(4 + n);
  return scratch;
}

function frameCopyBatch(codec: CompiledCodec<PaxosMsg>, msg: PaxosMsg): void {
  let total = 0;
  for (let i = 0; i < batchCalls; i++) {
    const frame = encodeFrame(codec.encode(msg), frameBytesMax);
    if (!frame.ok) throw new Error(frame.error);
    sink[i & 63] = frame.value;
    total += frame.value.length;
  }
  assert(total > 0, 'framing produced nothing');
}

function frameInPlaceBatch(codec: CompiledCodec<PaxosMsg>, msg: PaxosMsg): void {
  let total = 0;
  for (let i = 0; i < batchCalls; i++) {
    const frame = encodeMessageFrame(codec, msg, frameBytesMax);
    if (!frame.ok) throw new Error(frame.error);
    sink[i & 63] = frame.value;
    total += frame.value.length;
  }
  assert(total > 0, 'framing produced nothing');
}

let flushedBytes = 0;
const batches = new WeakMap<CompiledCodec<PaxosMsg>, FrameBatch<PaxosMsg>>();

function frameBatchedBatch(codec: CompiledCodec<PaxosMsg>, msg: PaxosMsg): void {
  let batch = batches.get(codec);
  if (batch === undefined) {
    batch = new FrameBatch(codec, frameSlabBytesDefault, (bytes) => {
      sink[flushedBytes & 63] = bytes;
      flushedBytes += bytes.length;
    });
    batches.set(codec, batch);
  }
  const before = flushedBytes + batch.pendingBytes;
  for (let i = 0; i < batchCalls; i++) {
    const payloadBytes = framePayloadBytes(codec, msg, frameBytesMax);
    if (!payloadBytes.ok) throw new Error(payloadBytes.error);
    batch.append(msg, payloadBytes.value);
  }
  batch.flush();
  assert(flushedBytes > before, 'batching produced nothing');
}

function decodeBatch(codec: CompiledCodec<PaxosMsg>, bytes: Uint8Array): void {
  let good = 0;
  for (let i = 0; i < batchCalls; i++) {
    const r = codec.decode(bytes);
    sink[i & 63] = r;
    if (r.ok) good++;
  }
  assert(good === batchCalls, 'a benchmark message failed to decode');
}

/** Calls per second of `batch` (batchCalls calls each), after a warm-up, over about `ms` ms. */
function measure(ms: number, batch: () => void): number {
  const warmUntil = performance.now() + ms / 4;
  while (performance.now() < warmUntil) batch();
  let calls = 0;
  const start = performance.now();
  let now = start;
  do {
    batch();
    calls += batchCalls;
    now = performance.now();
  } while (now - start < ms);
  return calls / ((now - start) / 1000);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
