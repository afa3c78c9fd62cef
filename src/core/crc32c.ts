/**
 * CRC-32C (Castagnoli), the checksum of write-ahead log records: table-driven, eight bytes at a
 * time (slicing-by-8), so checking a log costs a fraction of writing it. Pure, like all of core.
 */

/** The reflected Castagnoli polynomial. */
const polynomial = 0x82f63b78;

/** tables[k][b]: the CRC of byte b followed by k zero bytes. */
const tables: readonly Uint32Array[] = (() => {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = t[0] as Uint32Array;
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    t0[b] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    const prev = t[k - 1] as Uint32Array;
    const cur = t[k] as Uint32Array;
    for (let b = 0; b < 256; b++) {
      const p = prev[b] as number;
      cur[b] = ((p >>> 8) ^ (t0[p & 0xff] as number)) >>> 0;
    }
  }
  return t;
})();

/** The CRC-32C of `n` bytes of `bytes` from `at`, unsigned. */
export function crc32c(bytes: Uint8Array, at = 0, n = bytes.length - at): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = 0xffffffff;
  let i = at;
  const end = at + n;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
    c = (t7[lo & 0xff] as number) ^ (t6[(lo >>> 8) & 0xff] as number) ^ (t5[(lo >>> 16) & 0xff] as number) ^ (t4[lo >>> 24] as number) ^
      (t3[bytes[i + 4] as number] as number) ^ (t2[bytes[i + 5] as number] as number) ^
      (t1[bytes[i + 6] as number] as number) ^ (t0[bytes[i + 7] as number] as number);
  }
  for (; i < end; i++) c = (t0[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
