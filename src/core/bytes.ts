/** Big-endian integer helpers for hand-written byte layouts. */

/** Writes the unsigned 32-bit `x` big-endian at `at`. */
export function putU32(b: Uint8Array, at: number, x: number): void {
  b[at] = x >>> 24;
  b[at + 1] = x >>> 16;
  b[at + 2] = x >>> 8;
  b[at + 3] = x;
}

/** Reads a big-endian unsigned 32-bit integer at `at` (bytes past the end read as 0). */
export function getU32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
