/**
 * Non-cryptographic 64-bit hashing (FNV-1a over 32-bit halves, with a final avalanche), used for
 * trace hashes and state fingerprints. Host identity uses SHA-256 (see src/net), not this.
 */

/** An incremental 64-bit hash held as two 32-bit halves, so no bigint is needed. */
export class Hash64 {
  private hi = 0xcbf29ce4;
  private lo = 0x84222325;

  /** Mixes one unsigned 32-bit word into the hash. */
  word(x: number): this {
    for (let i = 0; i < 4; i++) this.byte((x >>> (i * 8)) & 0xff);
    return this;
  }

  /** Mixes one byte into the hash (FNV-1a: xor, then multiply by the 64-bit FNV prime). */
  byte(b: number): this {
    this.lo ^= b;
    // 64-bit multiply by 0x100000001b3 = 2^40 + 0x1b3, on 32-bit halves.
    const lo = this.lo >>> 0;
    const hi = this.hi >>> 0;
    const loMul = lo * 0x1b3;
    const newLo = loMul >>> 0;
    const carry = Math.floor(loMul / 0x1_0000_0000);
    const newHi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0;
    this.lo = newLo;
    this.hi = newHi;
    return this;
  }

  /** Mixes the UTF-16 code units of a string, then its length. */
  string(s: string): this {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.byte(c & 0xff).byte(c >>> 8);
    }
    return this.word(s.length);
  }

  /** Mixes bytes, then their length. */
  bytes(b: Uint8Array): this {
    for (let i = 0; i < b.length; i++) this.byte(b[i] ?? 0);
    return this.word(b.length);
  }

  /** The hash as 16 lowercase hex digits. */
  hex(): string {
    const [hi, lo] = this.digest();
    return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
  }

  /** The hash as [high 32 bits, low 32 bits], both unsigned, after a final avalanche. */
  digest(): [number, number] {
    let hi = this.hi >>> 0;
    let lo = this.lo >>> 0;
    hi = Math.imul(hi ^ (lo >>> 15), 0x85ebca6b) >>> 0;
    lo = Math.imul(lo ^ (hi >>> 13), 0xc2b2ae35) >>> 0;
    hi = (hi ^ (lo >>> 16)) >>> 0;
    lo = (lo ^ (hi >>> 16)) >>> 0;
    return [hi, lo];
  }
}

/** The 64-bit hash of a string, as 16 hex digits. */
export function hashString(s: string): string {
  return new Hash64().string(s).hex();
}
