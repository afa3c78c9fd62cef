import { assert } from '../core/assert.js';

/** Something that happens at a simulated time; `seq` is assigned by the queue. */
export interface Timed {
  readonly atUs: number;
  seq: number;
}

/**
 * The discrete-event queue: a binary min-heap ordered by simulated time, ties broken by the
 * order in which events were pushed. That tie-break is what keeps runs deterministic: two events
 * at the same microsecond always run in the same order for the same seed.
 */
export class EventQueue<E extends Timed> {
  private heap: E[] = [];
  private nextSeq = 0;

  /** A queue that refuses to grow past `lengthMax` events (a runaway host is a bug to report). */
  constructor(readonly lengthMax: number) {}

  /** How many events are queued. */
  get length(): number {
    return this.heap.length;
  }

  /** Adds `event`, stamping its tie-break sequence number. */
  push(event: E): void {
    // Checked with plain ifs: this runs for every event, and a message closure would allocate.
    if (this.heap.length >= this.lengthMax) assert(false, `event queue is full (${this.lengthMax} events)`);
    if (!(event.atUs >= 0 && event.atUs < Infinity)) assert(false, `event time must be finite and >= 0, got ${event.atUs}`);
    event.seq = this.nextSeq++;
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (p === undefined || !before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  /** Removes and returns the earliest event, or undefined when none is queued. */
  pop(): E | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      let c = heap[l];
      const rc = heap[r];
      if (rc !== undefined && c !== undefined && before(rc, c)) {
        child = r;
        c = rc;
      }
      if (c === undefined || !before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }

  /** The earliest event without removing it. */
  peek(): E | undefined {
    return this.heap[0];
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.atUs < b.atUs || (a.atUs === b.atUs && a.seq < b.seq);
}
