/**
 * UTF-8 helpers for the `utf8` grammar: byte length, encoding, and a validator that says where
 * malformed input starts (the platform decoders only say that it is malformed).
 */

/** Strings longer than this (in UTF-16 units) are encoded by TextEncoder; shorter ones by a loop. */
const loopEncodeUnitsMax = 128;

/** Byte strings up to this length that are all ASCII are decoded by a loop, not TextDecoder. */
const loopDecodeBytesMax = 32;

const encoder = new TextEncoder();
// Input reaching the decoder has been validated, so `fatal` would never fire.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** The UTF-8 length of `s` in bytes, or -1 when `s` holds a lone surrogate (it has no UTF-8 form). */
export function utf8Length(s: string): number {
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c < 0xd800 || c > 0xdfff) n += 3;
    else if (c <= 0xdbff && i + 1 < len && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else return -1;
  }
  return n;
}

/**
 * Writes `s` as UTF-8 into `b` at `offset` and returns the offset after it. `s` must be well
 * formed (utf8Length(s) >= 0) and `b` must have room for it.
 */
export function writeUtf8(s: string, b: Uint8Array, offset: number): number {
  if (s.length > loopEncodeUnitsMax) return offset + encoder.encodeInto(s, b.subarray(offset)).written;
  let o = offset;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      b[o++] = c;
    } else if (c < 0x800) {
      b[o++] = 0xc0 | (c >> 6);
      b[o++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      b[o++] = 0xe0 | (c >> 12);
      b[o++] = 0x80 | ((c >> 6) & 0x3f);
      b[o++] = 0x80 | (c & 0x3f);
    } else {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      b[o++] = 0xf0 | (c >> 18);
      b[o++] = 0x80 | ((c >> 12) & 0x3f);
      b[o++] = 0x80 | ((c >> 6) & 0x3f);
      b[o++] = 0x80 | (c & 0x3f);
    }
  }
  return o;
}

/**
 * The offset of the first byte of the first malformed sequence in `b[start, end)`, or -1 when
 * it is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
export function utf8InvalidAt(b: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= end) return i;
    const c1 = b[i + 1] ?? 0;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const ck = b[i + k] ?? 0;
      if (ck < 0x80 || ck > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** The string in `b[start, end)`, which utf8InvalidAt has found valid. */
export function readUtf8(b: Uint8Array, start: number, end: number): string {
  if (end - start <= loopDecodeBytesMax) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = b[i] ?? 0;
      if (c >= 0x80) return decoder.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(b.subarray(start, end));
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Strings of fewer bytes than this are decoded afresh each time: a lookup would cost about as much. */
const internBytesMin = 16;
/** Strings of more bytes than this are decoded afresh each time: ids and keys are shorter. */
const internBytesMax = 128;
/** Slots of an interner's table (a power of two): room for the ids of a few thousand clients. */
const internSlots = 4096;

/**
 * Decodes UTF-8 strings, handing back the same string for the same bytes while it stays in a
 * small direct-mapped table. Messages carry the same ids over and over (every request in a batch
 * names its client); decoding each afresh costs a validation pass, a string and garbage that
 * outlives the message in maps keyed by it. A table slot holds a copy of the bytes it was decoded
 * from, and a hit compares them all, so the string returned is always the one `readUtf8` would
 * give; only its identity differs, which JavaScript strings do not expose.
 */
export class Utf8Interner {
  private readonly keys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(internSlots).fill(undefined);
  private readonly strings: string[] = new Array<string>(internSlots).fill('');

  /** The string in `b[start, end)`, or null when those bytes are not valid UTF-8. */
  read(b: Uint8Array, start: number, end: number): string | null {
    const len = end - start;
    if (len < internBytesMin || len > internBytesMax) return utf8InvalidAt(b, start, end) >= 0 ? null : readUtf8(b, start, end);
    // The first and last 8 bytes tell ids apart (a host's key hash leads, a session number ends).
    let h = Math.imul(len, 0x9e3779b1);
    for (let i = start; i < start + 8; i++) h = Math.imul(h ^ (b[i] ?? 0), 0x01000193);
    for (let i = end - 8; i < end; i++) h = Math.imul(h ^ (b[i] ?? 0), 0x01000193);
    const slot = (h ^ (h >>> 15)) & (internSlots - 1);
    const kept = this.keys[slot];
    if (kept !== undefined && kept.length === len && holdsAt(b, start, kept)) return this.strings[slot] ?? '';
    if (utf8InvalidAt(b, start, end) >= 0) return null;
    const s = readUtf8(b, start, end);
    this.keys[slot] = b.slice(start, end);
    this.strings[slot] = s;
    return s;
  }
}

/** Whether `b[start, start + kept.length)` holds the bytes of `kept` (no view made: this is per string decoded). */
function holdsAt(b: Uint8Array, start: number, kept: Uint8Array): boolean {
  for (let i = 0; i < kept.length; i++) if (kept[i] !== b[start + i]) return false;
  return true;
}
