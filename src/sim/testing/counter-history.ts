/** A toy counter operation: add one (the shape src/lin's counter model reads). */
export interface CounterOp {
  readonly kind: 'add';
  readonly delta: 1;
}

/** What an add returns: the counter's value after it. */
export interface CounterResult {
  readonly value: number;
}
