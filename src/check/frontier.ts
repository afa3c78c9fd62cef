import { assert } from '../core/assert.js';
import type { PackedEncoding } from './model.js';

/**
 * The states waiting to be expanded: a queue for breadth-first search, a stack for depth-first.
 * Each entry is a state with its index (discovery order) and depth. `next` loads the entry to
 * expand into `state`, `index` and `depth`.
 */
export interface Frontier<S> {
  /** Entries waiting. */
  readonly size: number;
  /** The most bytes the frontier has held. */
  readonly bytesPeak: number;
  push(s: S, index: number, depth: number): void;
  /** Loads the next entry; false when empty. */
  next(): boolean;
  /** The entry loaded by `next`; valid until the following `next`. */
  readonly state: S;
  readonly index: number;
  readonly depth: number;
}

/**
 * A frontier of packed states in one growable Uint32Array: each entry is the state's words, then
 * its index, then its depth. No object per state.
 */
export class PackedFrontier<S> implements Frontier<S> {
  private buf: Uint32Array;
  private readonly stride: number;
  private readonly words: number;
  private head = 0;
  private tail = 0;
  private readonly current: Uint32Array;
  private currentState: S;
  private peak = 0;
  index = 0;
  depth = 0;

  /** A queue (`lifo` false) or stack (`lifo` true) of states of `encoding.words` words. */
  constructor(private readonly encoding: PackedEncoding<S>, private readonly lifo: boolean, initialEntries = 1024) {
    this.words = encoding.words;
    this.stride = encoding.words + 2;
    this.buf = new Uint32Array(this.stride * initialEntries);
    this.current = new Uint32Array(encoding.words);
    this.currentState = encoding.fromWords(this.current);
    this.peak = this.buf.byteLength;
  }

  get size(): number {
    return this.tail - this.head;
  }

  get bytesPeak(): number {
    return this.peak;
  }

  get state(): S {
    return this.currentState;
  }

  push(s: S, index: number, depth: number): void {
    const w = this.encoding.toWords(s);
    if ((this.tail + 1) * this.stride > this.buf.length) this.makeRoom();
    const buf = this.buf;
    const words = this.words;
    let at = this.tail * this.stride;
    for (let i = 0; i < words; i++) buf[at++] = w[i] ?? 0;
    buf[at++] = index;
    buf[at] = depth;
    this.tail++;
  }

  next(): boolean {
    if (this.tail === this.head) return false;
    let at: number;
    if (this.lifo) {
      this.tail--;
      at = this.tail * this.stride;
    } else {
      at = this.head * this.stride;
      this.head++;
    }
    const buf = this.buf;
    const cur = this.current;
    const words = this.words;
    for (let i = 0; i < words; i++) cur[i] = buf[at++] ?? 0;
    this.index = buf[at++] ?? 0;
    this.depth = buf[at] ?? 0;
    if (this.head === this.tail) this.head = this.tail = 0;
    return true;
  }

  private makeRoom(): void {
    const entries = this.buf.length / this.stride;
    // A queue whose consumed prefix is at least half the buffer is compacted in place.
    if (this.head * 2 >= entries) {
      this.buf.copyWithin(0, this.head * this.stride, this.tail * this.stride);
      this.tail -= this.head;
      this.head = 0;
      return;
    }
    const bigger = new Uint32Array(Math.ceil(entries * 1.5) * this.stride);
    bigger.set(this.buf.subarray(this.head * this.stride, this.tail * this.stride));
    this.tail -= this.head;
    this.head = 0;
    this.buf = bigger;
    this.peak = Math.max(this.peak, bigger.byteLength);
    assert(this.buf.length < 2 ** 31, 'frontier too large');
  }
}

/** A frontier of states kept as objects (the generic path). */
export class ObjectFrontier<S> implements Frontier<S> {
  private states: (S | undefined)[] = [];
  private indexes: number[] = [];
  private depths: number[] = [];
  private head = 0;
  private currentState: S | undefined;
  index = 0;
  depth = 0;

  /** A queue (`lifo` false) or stack (`lifo` true). */
  constructor(private readonly lifo: boolean) {}

  get size(): number {
    return this.states.length - this.head;
  }

  get bytesPeak(): number {
    return 0;
  }

  get state(): S {
    assert(this.currentState !== undefined, 'no state loaded');
    return this.currentState;
  }

  push(s: S, index: number, depth: number): void {
    this.states.push(s);
    this.indexes.push(index);
    this.depths.push(depth);
  }

  next(): boolean {
    if (this.size === 0) return false;
    if (this.lifo) {
      this.currentState = this.states.pop();
      this.index = this.indexes.pop() ?? 0;
      this.depth = this.depths.pop() ?? 0;
      return true;
    }
    this.currentState = this.states[this.head];
    this.index = this.indexes[this.head] ?? 0;
    this.depth = this.depths[this.head] ?? 0;
    this.states[this.head] = undefined;
    this.head++;
    // Drop the consumed prefix now and then so expanded states can be collected.
    if (this.head >= 4096 && this.head * 2 >= this.states.length) {
      this.states = this.states.slice(this.head);
      this.indexes = this.indexes.slice(this.head);
      this.depths = this.depths.slice(this.head);
      this.head = 0;
    }
    return true;
  }
}
