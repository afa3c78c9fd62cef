/**
 * Codecs derived from grammars. `compileCodec` walks a grammar once and generates JavaScript
 * source for three straight-line functions (size, write, decode) with every offset, maximum,
 * field name and tag inlined, then builds them with `new Function`. Nothing is interpreted per
 * message: a record of fixed-size fields becomes one bounds check and a run of byte reads.
 *
 * Decoding never throws. Every read is preceded by a bounds check, every length is checked
 * against its maximum and against the bytes that remain *before* anything is allocated, so a
 * decoder allocates at most a small multiple of its input's size whatever the input says.
 */
import { assert, AssertionError } from '../core/assert.js';
import { err } from '../core/result.js';
import type { Result } from '../core/result.js';
import type { DecodeError, SizedCodec } from '../framework/codec.js';
import type { Grammar, RecordGrammar, Value } from './grammar.js';
import { fixedSize, minSize } from './grammar.js';
import { Utf8Interner, utf8InvalidAt, utf8Length, writeUtf8 } from './utf8.js';

/**
 * A codec compiled from a grammar: the MessageCodec contract with sizing and writing into a
 * caller's buffer built in (so a transport writes each message straight into its frame).
 */
export interface CompiledCodec<M> extends SizedCodec<M> {
  /** The name decode errors' paths start with, e.g. 'LockMsg'. */
  readonly name: string;
  readonly grammar: Grammar;
  /**
   * The bytes of `msg`, owned by the caller: no later call overwrites them, so they may be kept
   * without copying. Medium-sized results share an ArrayBuffer with other encodings (like Node's
   * pooled Buffers), so code reaching for `.buffer` must use `byteOffset` and `length`. `msg` must
   * match the grammar (asserted).
   */
  encode(msg: M): Uint8Array;
  /** How many bytes `msg` encodes to; asserts that `msg` matches the grammar. */
  size(msg: M): number;
  /**
   * Writes `msg` into `target` at `offset` with the same straight-line code `encode` runs, and
   * returns `offset + size(msg)`. Touches only `target[offset, offset + size(msg))` and keeps no
   * reference to `target`. Asserts that `msg` matches the grammar and that it fits, before writing
   * anything.
   */
  encodeInto(msg: M, target: Uint8Array, offset: number): number;
  /** The generated JavaScript, for reading when debugging a codec. */
  readonly source: string;
}

/** A decode result: the message, or what was wrong with the bytes. */
export type DecodeResult<M> = Result<M, DecodeError>;

type SizeFn = (msg: unknown) => number;
type WriteFn = (msg: unknown, b: Uint8Array, o: number) => number;
type DecodeFn = (b: Uint8Array) => DecodeResult<unknown>;

const compiled = new WeakMap<Grammar, Map<string, CompiledCodec<unknown>>>();

/**
 * The codec of `grammar`, compiled once per (grammar, name) and cached. `name` is the root of
 * decode errors' paths: with name 'LockMsg', a bad epoch in a transfer is 'LockMsg.transfer.epoch'.
 */
export function compileCodec<const G extends Grammar>(grammar: G, name: string): CompiledCodec<Value<G>> {
  let byName = compiled.get(grammar);
  if (byName === undefined) {
    byName = new Map();
    compiled.set(grammar, byName);
  }
  let codec = byName.get(name);
  if (codec === undefined) {
    codec = build(grammar, name);
    byName.set(name, codec);
  }
  return codec as CompiledCodec<Value<G>>;
}

function build(grammar: Grammar, name: string): CompiledCodec<unknown> {
  const source = generate(grammar, name);
  const factory = new Function('h', source) as (h: Helpers) => { size: SizeFn; write: WriteFn; decode: DecodeFn };
  const { size, write, decode } = factory(helpers(name));
  return {
    name,
    grammar,
    source,
    size,
    decode,
    encode(msg: unknown): Uint8Array {
      const out = allocate(size(msg));
      const end = write(msg, out, 0);
      // Checked without building a message closure: this is the hot path.
      if (end !== out.length) assert(false, `${name}: wrote ${end} bytes, sized ${out.length}`);
      return out;
    },
    encodeInto(msg: unknown, target: Uint8Array, offset: number): number {
      const n = size(msg);
      if (!(Number.isInteger(offset) && offset >= 0 && offset + n <= target.length)) {
        assert(false, `${name}: ${n} bytes do not fit at offset ${offset} of a ${target.length}-byte buffer`);
      }
      const end = write(msg, target, offset);
      if (end !== offset + n) assert(false, `${name}: wrote ${end - offset} bytes, sized ${n}`);
      return end;
    },
  };
}

/** Encodings up to this size are ordinary typed arrays: V8 allocates small ones on its heap, fast. */
const heapBytesMax = 64;

/** Encodings up to this size are carved from a shared slab instead of each allocating memory. */
const slabCarveBytesMax = 4 * 1024;

/** The size of each slab; a slab is freed once no encoding carved from it is reachable. */
const slabBytes = 16 * 1024;

let slab = new ArrayBuffer(slabBytes);
let slabUsed = 0;

/**
 * A fresh byte array of `n` bytes, for an encoding or a decoded byte field. Allocating an
 * ArrayBuffer per message costs several times more than encoding a 1 KiB message (measured on
 * Node 20: about 0.6 M encodings/s with one ArrayBuffer each, 2.7 M/s carved from a slab), so
 * medium sizes take consecutive, never reused ranges of a shared slab.
 */
function allocate(n: number): Uint8Array {
  if (n <= heapBytesMax || n > slabCarveBytesMax) return new Uint8Array(n);
  if (slabUsed + n > slabBytes) {
    slab = new ArrayBuffer(slabBytes);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  slabUsed += n;
  return out;
}

/** What the generated code calls out to: error construction and the non-inlined leaf work. */
interface Helpers {
  fail(kind: DecodeError['kind'], offset: number, path: string, detail: string): DecodeResult<never>;
  truncated(offset: number, path: string, need: number, n: number): DecodeResult<never>;
  bad(path: string, expected: string, got: unknown): never;
  copyBytes(b: Uint8Array, start: number, end: number): Uint8Array;
  utf8Length(s: string): number;
  writeUtf8(s: string, b: Uint8Array, o: number): number;
  utf8InvalidAt(b: Uint8Array, start: number, end: number): number;
  /** The string in `b[start, end)`, or null when it is not valid UTF-8. */
  readString(b: Uint8Array, start: number, end: number): string | null;
}

function helpers(name: string): Helpers {
  const interner = new Utf8Interner();
  const fail = (kind: DecodeError['kind'], offset: number, path: string, detail: string): DecodeResult<never> =>
    err({ kind, offset, path, message: `${kind} at ${path} (offset ${offset}): ${detail}` });
  return {
    fail,
    truncated: (offset, path, need, n) =>
      fail('truncated', offset, path, `needs ${need} byte${need === 1 ? '' : 's'}, ${n - offset} remain`),
    bad: (path, expected, got) => {
      throw new AssertionError(`encoding ${name}: ${path} must be ${expected}, got ${show(got)}`);
    },
    // A copy, not a view: the input is often a transport's reused buffer, and decoded messages
    // are kept in host state long after it is overwritten. A kept copy keeps its slab alive
    // (at most slabBytes), the trade Node's pooled Buffers make too.
    copyBytes: (b, start, end) => {
      const out = allocate(end - start);
      out.set(b.subarray(start, end));
      return out;
    },
    utf8Length,
    writeUtf8,
    utf8InvalidAt,
    // One table per codec: the ids one kind of message carries.
    readString: (b, start, end) => interner.read(b, start, end),
  };
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `a byte array of length ${v.length}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return v.length > 40 ? `a string of length ${v.length}` : JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// Code generation. Generated code uses: `b` the byte array, `o` the current offset, `n` the
// input length (decode), `s` the size accumulator (size), and `h` the helpers.

/** A path into the grammar: static text, and loop-index variables rendered as `[i]`. */
type Path = readonly (string | { readonly index: string })[];

/** The JS expression of a path's text. */
function pathJs(path: Path): string {
  const parts: string[] = [];
  let text = '';
  for (const p of path) {
    if (typeof p === 'string') text += p;
    else {
      parts.push(JSON.stringify(text + '['), p.index);
      text = ']';
    }
  }
  parts.push(JSON.stringify(text));
  return parts.filter((p) => p !== '""').join(' + ') || '""';
}

const q = (s: string): string => JSON.stringify(s);
const at = (k: number): string => (k === 0 ? 'o' : `o + ${k}`);
const fieldPath = (path: Path, field: string): Path => [...path, `.${field}`];

/** A fixed-size leaf inside a run of fixed-size parts, kept for precise truncation errors. */
interface Leaf {
  readonly offset: number;
  readonly size: number;
  readonly path: Path;
}

class Generator {
  private next = 0;

  fresh(prefix: string): string {
    return `${prefix}${this.next++}`;
  }

  // --- size: validates a value against its grammar and adds its encoded size to `s` -----------

  /** Code adding the size of `x` (a variable) to `s`, minus `fixed` bytes the caller adds itself. */
  size(g: Grammar, x: string, path: Path): { code: string; fixed: number } {
    const p = pathJs(path);
    switch (g.kind) {
      case 'u8':
        return { code: `if ((${x} & 255) !== ${x}) h.bad(${p}, "an integer in [0, 255]", ${x});\n`, fixed: 1 };
      case 'u16':
        return { code: `if ((${x} & 65535) !== ${x}) h.bad(${p}, "an integer in [0, 2^16-1]", ${x});\n`, fixed: 2 };
      case 'u32':
        return { code: `if ((${x} >>> 0) !== ${x}) h.bad(${p}, "an integer in [0, 2^32-1]", ${x});\n`, fixed: 4 };
      case 'u64':
        return {
          code: `if (!(Number.isSafeInteger(${x}) && ${x} >= 0)) h.bad(${p}, "an integer in [0, 2^53-1]", ${x});\n`,
          fixed: 8,
        };
      case 'bool':
        return { code: `if (${x} !== true && ${x} !== false) h.bad(${p}, "a boolean", ${x});\n`, fixed: 1 };
      case 'bytes':
        return {
          code: `if (!(${x} instanceof Uint8Array) || ${x}.length > ${g.maxBytes}) ` +
            `h.bad(${p}, "a Uint8Array of at most ${g.maxBytes} bytes", ${x});\ns += ${x}.length;\n`,
          fixed: 4,
        };
      case 'utf8': {
        const l = this.fresh('l');
        return {
          code: `if (typeof ${x} !== "string") h.bad(${p}, "a string", ${x});\n` +
            `const ${l} = h.utf8Length(${x});\n` +
            `if (${l} < 0) h.bad(${p}, "a well-formed string (no lone surrogates)", ${x});\n` +
            `if (${l} > ${g.maxBytes}) h.bad(${p}, "a string of at most ${g.maxBytes} UTF-8 bytes", ${x});\n` +
            `s += ${l};\n`,
          fixed: 4,
        };
      }
      case 'tuple': {
        let code = `if (!Array.isArray(${x}) || ${x}.length !== ${g.elements.length}) ` +
          `h.bad(${p}, "an array of ${g.elements.length} elements", ${x});\n`;
        let fixed = 0;
        g.elements.forEach((e, i) => {
          const v = this.fresh('t');
          const r = this.size(e, v, [...path, `[${i}]`]);
          code += `const ${v} = ${x}[${i}];\n${r.code}`;
          fixed += r.fixed;
        });
        return { code, fixed };
      }
      case 'record': {
        const r = this.sizeFields(g, x, path);
        return { code: `if (typeof ${x} !== "object" || ${x} === null) h.bad(${p}, "an object", ${x});\n${r.code}`, fixed: r.fixed };
      }
      case 'array': {
        const i = this.fresh('i');
        const e = this.fresh('e');
        const r = this.size(g.element, e, [...path, { index: i }]);
        let code = `if (!Array.isArray(${x}) || ${x}.length > ${g.maxLength}) ` +
          `h.bad(${p}, "an array of at most ${g.maxLength} elements", ${x});\n`;
        if (r.fixed !== 0) code += `s += ${x}.length * ${r.fixed};\n`;
        if (r.code !== '') code += `for (let ${i} = 0; ${i} < ${x}.length; ${i}++) {\nconst ${e} = ${x}[${i}];\n${r.code}}\n`;
        return { code, fixed: 4 };
      }
      case 'union': {
        let code = `if (typeof ${x} !== "object" || ${x} === null) h.bad(${p}, "an object", ${x});\n` +
          `switch (${x}[${q(g.tagField)}]) {\n`;
        for (const [caseName, c] of Object.entries(g.cases)) {
          const r = this.sizeFields(c, x, fieldPath(path, caseName));
          code += `case ${q(caseName)}: {\n${r.code}${r.fixed !== 0 ? `s += ${r.fixed};\n` : ''}break;\n}\n`;
        }
        const names = Object.keys(g.cases).join(', ');
        code += `default: h.bad(${pathJs([...path, `.${g.tagField}`])}, ${q(`one of ${names}`)}, ${x}[${q(g.tagField)}]);\n}\n`;
        return { code, fixed: 1 };
      }
      case 'optional': {
        const r = this.size(g.value, x, path);
        return {
          code: `if (${x} !== undefined) {\n${r.code}${r.fixed !== 0 ? `s += ${r.fixed};\n` : ''}}\n`,
          fixed: 1,
        };
      }
    }
  }

  private sizeFields(g: RecordGrammar, x: string, path: Path): { code: string; fixed: number } {
    let code = '';
    let fixed = 0;
    for (const [field, fg] of Object.entries(g.fields)) {
      const v = this.fresh('f');
      const r = this.size(fg, v, fieldPath(path, field));
      code += `const ${v} = ${x}[${q(field)}];\n${r.code}`;
      fixed += r.fixed;
    }
    return { code, fixed };
  }

  // --- write: writes an already validated value at `o` and advances `o` ---------------------

  /** Code writing `x` at `o` and advancing `o` past it. */
  write(g: Grammar, x: string): string {
    const fs = fixedSize(g);
    if (fs !== null) return `${this.writeFixed(g, x, 0)}${advance(fs)}`;
    switch (g.kind) {
      case 'u8': case 'u16': case 'u32': case 'u64': case 'bool':
        throw new AssertionError(`${g.kind} is fixed-size`);
      case 'bytes':
        return `${writeU32(`${x}.length`, 0)}b.set(${x}, o + 4);\no += 4 + ${x}.length;\n`;
      case 'utf8': {
        const e = this.fresh('u');
        const l = this.fresh('l');
        return `const ${e} = h.writeUtf8(${x}, b, o + 4);\nconst ${l} = ${e} - o - 4;\n${writeU32(l, 0)}o = ${e};\n`;
      }
      case 'tuple':
        return this.writeParts(g.elements.map((e, i) => ({ g: e, x: `${x}[${i}]` })));
      case 'record':
        return this.writeParts(Object.entries(g.fields).map(([f, fg]) => ({ g: fg, x: `${x}[${q(f)}]` })));
      case 'array': {
        const i = this.fresh('i');
        const e = this.fresh('e');
        return `${writeU32(`${x}.length`, 0)}o += 4;\n` +
          `for (let ${i} = 0; ${i} < ${x}.length; ${i}++) {\nconst ${e} = ${x}[${i}];\n${this.write(g.element, e)}}\n`;
      }
      case 'union': {
        let code = `switch (${x}[${q(g.tagField)}]) {\n`;
        Object.entries(g.cases).forEach(([caseName, c], tag) => {
          const fields = Object.entries(c.fields).map(([f, fg]) => ({ g: fg, x: `${x}[${q(f)}]` }));
          code += `case ${q(caseName)}: {\nb[o] = ${tag};\no += 1;\n${this.writeParts(fields)}break;\n}\n`;
        });
        return `${code}}\n`;
      }
      case 'optional':
        return `if (${x} === undefined) {\nb[o] = 0;\no += 1;\n} else {\nb[o] = 1;\no += 1;\n${this.write(g.value, x)}}\n`;
    }
  }

  /** Writes consecutive parts, merging runs of fixed-size parts into static offsets. */
  private writeParts(parts: readonly { g: Grammar; x: string }[]): string {
    let code = '';
    let run = 0;
    for (const part of parts) {
      const fs = fixedSize(part.g);
      const v = this.fresh('w');
      if (fs !== null) {
        code += `const ${v} = ${part.x};\n${this.writeFixed(part.g, v, run)}`;
        run += fs;
        continue;
      }
      if (run !== 0) code += `o += ${run};\n`;
      run = 0;
      code += `const ${v} = ${part.x};\n${this.write(part.g, v)}`;
    }
    if (run !== 0) code += `o += ${run};\n`;
    return code;
  }

  /** Code writing fixed-size `x` at `o + k`, leaving `o` alone. */
  private writeFixed(g: Grammar, x: string, k: number): string {
    switch (g.kind) {
      case 'u8':
        return `b[${at(k)}] = ${x};\n`;
      case 'bool':
        return `b[${at(k)}] = ${x} ? 1 : 0;\n`;
      case 'u16':
        return `b[${at(k)}] = ${x} >>> 8;\nb[${at(k + 1)}] = ${x};\n`;
      case 'u32':
        return writeU32(x, k);
      case 'u64': {
        const hi = this.fresh('hi');
        const lo = this.fresh('lo');
        return `const ${hi} = Math.floor(${x} / 4294967296);\nconst ${lo} = ${x} >>> 0;\n` +
          `${writeU32(hi, k)}${writeU32(lo, k + 4)}`;
      }
      case 'tuple': {
        let code = '';
        let off = k;
        g.elements.forEach((e, i) => {
          const v = this.fresh('w');
          code += `const ${v} = ${x}[${i}];\n${this.writeFixed(e, v, off)}`;
          off += fixedSize(e) ?? 0;
        });
        return code;
      }
      case 'record': {
        let code = '';
        let off = k;
        for (const [f, fg] of Object.entries(g.fields)) {
          const v = this.fresh('w');
          code += `const ${v} = ${x}[${q(f)}];\n${this.writeFixed(fg, v, off)}`;
          off += fixedSize(fg) ?? 0;
        }
        return code;
      }
      case 'bytes': case 'utf8': case 'array': case 'union': case 'optional':
        throw new AssertionError(`${g.kind} is not fixed-size`);
    }
  }

  // --- decode: reads a value at `o`, advancing `o`; returns a failure from decode on bad input --

  /** Code decoding a value of `g` at `o` into the returned variable and advancing `o`. */
  decode(g: Grammar, path: Path): { code: string; value: string } {
    const fs = fixedSize(g);
    if (fs !== null) {
      const leaves: Leaf[] = [];
      const r = this.decodeFixed(g, path, 0, leaves);
      return { code: `${boundsCheck(leaves, fs)}${r.code}${advance(fs)}`, value: r.value };
    }
    const p = pathJs(path);
    switch (g.kind) {
      case 'u8': case 'u16': case 'u32': case 'u64': case 'bool':
        throw new AssertionError(`${g.kind} is fixed-size`);
      case 'bytes': case 'utf8': {
        const len = this.fresh('len');
        const v = this.fresh('v');
        let code = `if (n - o < 4) return h.truncated(o, ${p}, 4, n);\n` +
          `const ${len} = ${readU32(0)};\n` +
          `if (${len} > ${g.maxBytes}) return h.fail("tooLong", o, ${p}, "length " + ${len} + " is over the maximum ${g.maxBytes}");\n` +
          'o += 4;\n' +
          `if (${len} > n - o) return h.truncated(o, ${p}, ${len}, n);\n`;
        if (g.kind === 'bytes') code += `const ${v} = h.copyBytes(b, o, o + ${len});\n`;
        else {
          const bad = this.fresh('bad');
          code += `const ${v} = h.readString(b, o, o + ${len});\n` +
            `if (${v} === null) {\n` +
            `const ${bad} = h.utf8InvalidAt(b, o, o + ${len});\n` +
            `return h.fail("invalid", ${bad}, ${p}, "malformed UTF-8 at byte " + (${bad} - o) + " of the string");\n` +
            '}\n';
        }
        return { code: `${code}o += ${len};\n`, value: v };
      }
      case 'tuple': {
        const r = this.decodeParts(g.elements.map((e, i) => ({ g: e, path: [...path, `[${i}]`] })));
        const v = this.fresh('v');
        return { code: `${r.code}const ${v} = [${r.values.join(', ')}];\n`, value: v };
      }
      case 'record': {
        const r = this.decodeFields(g, path);
        const v = this.fresh('v');
        return { code: `${r.code}const ${v} = ${objectLiteral(g, r.values, null)};\n`, value: v };
      }
      case 'array': {
        const len = this.fresh('len');
        const v = this.fresh('v');
        const i = this.fresh('i');
        const elemMin = minSize(g.element);
        const elemPath: Path = [...path, { index: i }];
        let code = `if (n - o < 4) return h.truncated(o, ${p}, 4, n);\n` +
          `const ${len} = ${readU32(0)};\n` +
          `if (${len} > ${g.maxLength}) return h.fail("tooLong", o, ${p}, "length " + ${len} + " is over the maximum ${g.maxLength}");\n` +
          'o += 4;\n';
        // Refuse before allocating: every element needs at least elemMin bytes.
        if (elemMin > 0) {
          code += `if (${len} * ${elemMin} > n - o) return h.fail("truncated", o, ${p}, ` +
            `${len} + " elements need at least " + ${len} * ${elemMin} + " bytes, " + (n - o) + " remain");\n`;
        }
        const efs = fixedSize(g.element);
        let elem: { code: string; value: string };
        if (efs !== null) {
          // The check above covered every element's bytes already.
          const r = this.decodeFixed(g.element, elemPath, 0, []);
          elem = { code: `${r.code}${advance(efs)}`, value: r.value };
        } else elem = this.decode(g.element, elemPath);
        code += `const ${v} = [];\nfor (let ${i} = 0; ${i} < ${len}; ${i}++) {\n${elem.code}${v}.push(${elem.value});\n}\n`;
        return { code, value: v };
      }
      case 'union': {
        const tag = this.fresh('tag');
        const v = this.fresh('v');
        const cases = Object.entries(g.cases);
        let code = `if (n - o < 1) return h.truncated(o, ${p}, 1, n);\n` +
          `const ${tag} = b[o];\no += 1;\nlet ${v};\nswitch (${tag}) {\n`;
        cases.forEach(([caseName, c], t) => {
          const r = this.decodeFields(c, fieldPath(path, caseName));
          code += `case ${t}: {\n${r.code}${v} = ${objectLiteral(c, r.values, [g.tagField, caseName])};\nbreak;\n}\n`;
        });
        code += `default: return h.fail("unknownTag", o - 1, ${p}, "tag " + ${tag} + " is not a case (0..${cases.length - 1})");\n}\n`;
        return { code, value: v };
      }
      case 'optional': {
        const flag = this.fresh('has');
        const v = this.fresh('v');
        const r = this.decode(g.value, path);
        const code = `if (n - o < 1) return h.truncated(o, ${p}, 1, n);\n` +
          `const ${flag} = b[o];\nlet ${v};\n` +
          `if (${flag} === 1) {\no += 1;\n${r.code}${v} = ${r.value};\n} ` +
          `else if (${flag} !== 0) return h.fail("invalid", o, ${p}, "presence byte " + ${flag} + " is not 0 or 1");\n` +
          'else o += 1;\n';
        return { code, value: v };
      }
    }
  }

  private decodeFields(g: RecordGrammar, path: Path): { code: string; values: string[] } {
    return this.decodeParts(Object.entries(g.fields).map(([f, fg]) => ({ g: fg, path: fieldPath(path, f) })));
  }

  /** Decodes consecutive parts; each run of fixed-size parts gets one bounds check. */
  private decodeParts(parts: readonly { g: Grammar; path: Path }[]): { code: string; values: string[] } {
    let code = '';
    const values: string[] = [];
    let run: { code: string; leaves: Leaf[]; size: number } = { code: '', leaves: [], size: 0 };
    const flush = (): void => {
      if (run.code === '') return;
      code += `${boundsCheck(run.leaves, run.size)}${run.code}${advance(run.size)}`;
      run = { code: '', leaves: [], size: 0 };
    };
    for (const part of parts) {
      const fs = fixedSize(part.g);
      if (fs !== null) {
        const r = this.decodeFixed(part.g, part.path, run.size, run.leaves);
        run.code += r.code;
        run.size += fs;
        values.push(r.value);
        continue;
      }
      flush();
      const r = this.decode(part.g, part.path);
      code += r.code;
      values.push(r.value);
    }
    flush();
    return { code, values };
  }

  /** Code decoding fixed-size `g` at `o + k` with no bounds check (the caller made one). */
  private decodeFixed(g: Grammar, path: Path, k: number, leaves: Leaf[]): { code: string; value: string } {
    const v = this.fresh('v');
    const leaf = (size: number): void => {
      leaves.push({ offset: k, size, path });
    };
    switch (g.kind) {
      case 'u8':
        leaf(1);
        return { code: `const ${v} = b[${at(k)}];\n`, value: v };
      case 'u16':
        leaf(2);
        return { code: `const ${v} = (b[${at(k)}] << 8) | b[${at(k + 1)}];\n`, value: v };
      case 'u32':
        leaf(4);
        return { code: `const ${v} = ${readU32(k)};\n`, value: v };
      case 'u64': {
        leaf(8);
        const hi = this.fresh('hi');
        return {
          code: `const ${hi} = ${readU32(k)};\n` +
            `if (${hi} > 2097151) return h.fail("intTooLarge", ${at(k)}, ${pathJs(path)}, "the integer is above 2^53-1");\n` +
            `const ${v} = ${hi} * 4294967296 + ${readU32(k + 4)};\n`,
          value: v,
        };
      }
      case 'bool': {
        leaf(1);
        const t = this.fresh('t');
        return {
          code: `const ${t} = b[${at(k)}];\n` +
            `if (${t} > 1) return h.fail("invalid", ${at(k)}, ${pathJs(path)}, "boolean byte " + ${t} + " is not 0 or 1");\n` +
            `const ${v} = ${t} === 1;\n`,
          value: v,
        };
      }
      case 'tuple': {
        let code = '';
        const values: string[] = [];
        let off = k;
        g.elements.forEach((e, i) => {
          const r = this.decodeFixed(e, [...path, `[${i}]`], off, leaves);
          code += r.code;
          values.push(r.value);
          off += fixedSize(e) ?? 0;
        });
        return { code: `${code}const ${v} = [${values.join(', ')}];\n`, value: v };
      }
      case 'record': {
        let code = '';
        const values: string[] = [];
        let off = k;
        for (const [f, fg] of Object.entries(g.fields)) {
          const r = this.decodeFixed(fg, fieldPath(path, f), off, leaves);
          code += r.code;
          values.push(r.value);
          off += fixedSize(fg) ?? 0;
        }
        return { code: `${code}const ${v} = ${objectLiteral(g, values, null)};\n`, value: v };
      }
      case 'bytes': case 'utf8': case 'array': case 'union': case 'optional':
        throw new AssertionError(`${g.kind} is not fixed-size`);
    }
  }
}

/** Code advancing `o` by `k` bytes. */
function advance(k: number): string {
  return k === 0 ? '' : `o += ${k};\n`;
}

/**
 * A big-endian u32 written at `o + k`; typed-array stores keep the low 8 bits of each byte.
 * `x` is a variable or a property read, never an expression with operators.
 */
function writeU32(x: string, k: number): string {
  return `b[${at(k)}] = ${x} >>> 24;\nb[${at(k + 1)}] = ${x} >>> 16;\nb[${at(k + 2)}] = ${x} >>> 8;\nb[${at(k + 3)}] = ${x};\n`;
}

/** A big-endian u32 read at `o + k` (as a non-negative number, not a signed int32). */
function readU32(k: number): string {
  return `(b[${at(k)}] * 16777216 + ((b[${at(k + 1)}] << 16) | (b[${at(k + 2)}] << 8) | b[${at(k + 3)}]))`;
}

/**
 * One bounds check for a run of fixed-size leaves; when it fails, a chain of cheaper checks
 * finds the first leaf that does not fit, so the error names it and its offset.
 */
function boundsCheck(leaves: readonly Leaf[], size: number): string {
  if (size === 0) return '';
  let code = `if (n - o < ${size}) {\n`;
  for (const leaf of leaves) {
    const end = leaf.offset + leaf.size;
    const fail = `return h.truncated(${at(leaf.offset)}, ${pathJs(leaf.path)}, ${leaf.size}, n);\n`;
    code += end === size ? fail : `if (n - o < ${end}) ${fail}`;
  }
  return `${code}}\n`;
}

/** An object literal with the record's fields in declaration order, and the union tag first. */
function objectLiteral(g: RecordGrammar, values: readonly string[], tag: readonly [string, string] | null): string {
  const entries = Object.keys(g.fields).map((f, i) => `${q(f)}: ${values[i] ?? 'undefined'}`);
  if (tag !== null) entries.unshift(`${q(tag[0])}: ${q(tag[1])}`);
  return `{${entries.join(', ')}}`;
}

function generate(grammar: Grammar, name: string): string {
  const gen = new Generator();
  const root: Path = [name];
  const size = gen.size(grammar, 'm', root);
  const write = gen.write(grammar, 'm');
  const decode = gen.decode(grammar, root);
  return `"use strict";
function size(m) {
let s = ${size.fixed};
${size.code}return s;
}
function write(m, b, o) {
${write}return o;
}
function decode(b) {
const n = b.length;
let o = 0;
${decode.code}if (o !== n) return h.fail("trailingBytes", o, ${q(name)}, (n - o) + " bytes follow the end of the message");
return { ok: true, value: ${decode.value} };
}
return { size, write, decode };
`;
}
