/**
 * The codec fuzzer: feeds every registered grammar's decoder random values' encodings (which
 * must round-trip), mutations of them, and random bytes, from one seeded Prng. It checks four
 * properties on every input:
 * - decoding never throws;
 * - decode(encode(x)) equals x, and encode's size matches its bytes;
 * - whatever decodes re-encodes to exactly the same bytes (the format is canonical), so a
 *   decoder accepts nothing an encoder could not have produced;
 * - a refusal's offset lies within the input (a decoder that ran past the end would not).
 */
import { sameBytes } from '../core/bytes.js';
import { Prng } from '../core/prng.js';
import type { DecodeError } from '../framework/codec.js';
import { firstDifference } from '../framework/refinement.js';
import type { CompiledCodec, DecodeResult } from './compile.js';
import { compileCodec } from './compile.js';
import type { RegisteredGrammar } from './grammars.js';
import { randomValue } from './random.js';

/** Most failures kept in a report; the rest are only counted. */
export const failuresKeptMax = 20;

/** How the fuzzer runs. */
export interface FuzzOptions {
  readonly inputs: number;
  readonly seed: number;
  readonly grammars: readonly RegisteredGrammar[];
  /** Called every `progressEvery` inputs with a line for a person watching. */
  readonly progress?: (line: string) => void;
  readonly progressEvery?: number;
  /** How a grammar becomes a codec; tests substitute broken codecs to see the fuzzer catch them. */
  readonly compile?: (g: RegisteredGrammar) => CompiledCodec<unknown>;
}

/** One input that broke a property. */
export interface FuzzFailure {
  /** Which input (0-based) of the run with this seed. */
  readonly input: number;
  readonly grammar: string;
  readonly property: 'decodeThrew' | 'roundTrip' | 'notCanonical' | 'encodeThrew' | 'badError';
  readonly detail: string;
  /** The bytes fed to the decoder, in hex (the first 256 bytes). */
  readonly bytesHex: string;
}

/** What a fuzz run covered and found. */
export interface FuzzReport {
  readonly inputs: number;
  readonly seed: number;
  /** Inputs by source: encodings of random values, mutated encodings, random bytes. */
  readonly roundTrips: number;
  readonly mutated: number;
  readonly randomBytes: number;
  /** Mutated or random inputs that decoded (and so were checked to re-encode identically). */
  readonly accepted: number;
  /** Mutated or random inputs refused, by error kind. */
  readonly rejected: Readonly<Record<DecodeError['kind'], number>>;
  /** How many inputs broke a property; 0 means the run passed. */
  readonly failureCount: number;
  readonly failures: readonly FuzzFailure[];
}

/** Runs the fuzzer; never throws on a codec's misbehaviour, which it reports instead. */
export function fuzz(options: FuzzOptions): FuzzReport {
  const prng = new Prng(options.seed);
  const compile = options.compile ?? ((g: RegisteredGrammar) => compileCodec(g.grammar, g.name));
  const codecs = options.grammars.map((g) => ({ name: g.name, codec: compile(g) }));
  const rejected: Record<DecodeError['kind'], number> = {
    truncated: 0, tooLong: 0, unknownTag: 0, trailingBytes: 0, intTooLarge: 0, invalid: 0,
  };
  const failures: FuzzFailure[] = [];
  let failureCount = 0;
  let roundTrips = 0;
  let mutated = 0;
  let randomBytes = 0;
  let accepted = 0;
  const every = options.progressEvery ?? 100_000;

  for (let input = 0; input < options.inputs; input++) {
    if (options.progress !== undefined && input > 0 && input % every === 0) {
      options.progress(`${input} inputs, ${failureCount} failures`);
    }
    const entry = codecs[input % codecs.length];
    if (entry === undefined) break;
    const { name, codec } = entry;
    const fail = (property: FuzzFailure['property'], detail: string, bytes: Uint8Array): void => {
      failureCount++;
      if (failures.length < failuresKeptMax) failures.push({ input, grammar: name, property, detail, bytesHex: hex(bytes) });
    };
    const source = prng.nextInt(4);
    if (source === 0) {
      roundTrips++;
      const value = randomValue(codec.grammar, prng);
      let bytes: Uint8Array;
      try {
        bytes = codec.encode(value);
      } catch (e) {
        fail('encodeThrew', `encoding a valid value threw: ${String(e)}`, new Uint8Array(0));
        continue;
      }
      if (codec.size(value) !== bytes.length) fail('roundTrip', `size() says ${codec.size(value)}, encode wrote ${bytes.length}`, bytes);
      const decoded = guardedDecode(codec, bytes);
      if ('threw' in decoded) fail('decodeThrew', decoded.threw, bytes);
      else if (!decoded.ok) fail('roundTrip', `encoding of a valid value refused: ${decoded.error.message}`, bytes);
      else {
        const diff = firstDifference(decoded.value, value);
        if (diff !== null) fail('roundTrip', `decoded value differs: ${diff}`, bytes);
      }
    } else {
      let bytes: Uint8Array;
      if (source === 3) {
        randomBytes++;
        bytes = randomByteString(prng);
      } else {
        mutated++;
        try {
          bytes = mutate(codec.encode(randomValue(codec.grammar, prng)), prng);
        } catch (e) {
          fail('encodeThrew', `encoding a valid value threw: ${String(e)}`, new Uint8Array(0));
          continue;
        }
      }
      const decoded = guardedDecode(codec, bytes);
      if ('threw' in decoded) fail('decodeThrew', decoded.threw, bytes);
      else if (!decoded.ok) {
        rejected[decoded.error.kind]++;
        const { offset } = decoded.error;
        if (!(Number.isInteger(offset) && offset >= 0 && offset <= bytes.length)) {
          fail('badError', `error offset ${offset} is outside the ${bytes.length}-byte input: ${decoded.error.message}`, bytes);
        }
      } else {
        accepted++;
        let again: Uint8Array | undefined;
        try {
          again = codec.encode(decoded.value);
        } catch (e) {
          fail('encodeThrew', `re-encoding an accepted input threw: ${String(e)}`, bytes);
        }
        if (again !== undefined && !sameBytes(again, bytes)) {
          fail('notCanonical', `accepted bytes re-encode differently (${hex(again)})`, bytes);
        }
      }
    }
  }
  return {
    inputs: options.inputs, seed: options.seed, roundTrips, mutated, randomBytes, accepted, rejected,
    failureCount, failures,
  };
}

/** Decodes, turning a throw (a bug: decoders must not throw) into a value saying what was thrown. */
function guardedDecode<M>(codec: CompiledCodec<M>, bytes: Uint8Array): DecodeResult<M> | { readonly threw: string } {
  try {
    return codec.decode(bytes);
  } catch (e) {
    return { threw: `decode threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` };
  }
}

/** Interesting values to overwrite bytes with: boundaries of tags, booleans and lengths. */
const byteEdges = [0, 1, 2, 0x7f, 0x80, 0xfe, 0xff];
const u32Edges = [0, 1, 0xff, 0x100, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];

/** A copy of `bytes` with one to four random mutations. */
export function mutate(bytes: Uint8Array, prng: Prng): Uint8Array {
  let b: Uint8Array = Uint8Array.from(bytes);
  const count = 1 + prng.nextInt(4);
  for (let k = 0; k < count; k++) {
    const pos = prng.nextInt(b.length + 1);
    switch (prng.nextInt(8)) {
      case 0: // flip a bit
        if (pos < b.length) b[pos] = (b[pos] ?? 0) ^ (1 << prng.nextInt(8));
        break;
      case 1: // set a byte to an edge or random value
        if (pos < b.length) b[pos] = prng.chance(0.5) ? prng.pick(byteEdges) : prng.nextInt(0x100);
        break;
      case 2: // truncate
        b = b.slice(0, pos);
        break;
      case 3: // append random bytes
        b = concat(b, randomBytes(1 + prng.nextInt(8), prng));
        break;
      case 4: // delete a range
        b = concat(b.slice(0, pos), b.slice(pos + 1 + prng.nextInt(8)));
        break;
      case 5: // insert random bytes
        b = concat(concat(b.slice(0, pos), randomBytes(1 + prng.nextInt(4), prng)), b.slice(pos));
        break;
      case 6: { // overwrite a big-endian u32 (a length prefix, most likely) with an edge value
        const v = prng.chance(0.7) ? prng.pick(u32Edges) : prng.nextU32();
        for (let i = 0; i < 4 && pos + i < b.length; i++) b[pos + i] = v >>> (24 - 8 * i);
        break;
      }
      case 7: { // duplicate a slice in place
        const end = Math.min(b.length, pos + 1 + prng.nextInt(16));
        b = concat(b.slice(0, end), b.slice(pos));
        break;
      }
    }
  }
  return b;
}

function randomByteString(prng: Prng): Uint8Array {
  return randomBytes(prng.nextInt(65), prng);
}

function randomBytes(length: number, prng: Prng): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = prng.nextInt(0x100);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}


function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b.subarray(0, 256)) s += x.toString(16).padStart(2, '0');
  return b.length > 256 ? `${s}... (${b.length} bytes)` : s;
}
