/**
 * Assertions for broken invariants: programmer errors that must crash loudly.
 * Operating errors (bad input, lost peers, full disks) are values, never assertions.
 */

/** An invariant of the program does not hold: this is a bug, not bad input. */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/** Asserts that `condition` holds; the message says which invariant broke. */
export function assert(condition: unknown, message: string | (() => string) = 'assertion failed'): asserts condition {
  if (!condition) {
    throw new AssertionError(typeof message === 'function' ? message() : message);
  }
}

/** Marks a branch that exhaustive type checking shows to be unreachable. */
export function unreachable(value: never, what = 'value'): never {
  throw new AssertionError(`unreachable: unexpected ${what} ${JSON.stringify(value)}`);
}
