import { assert } from '../core/assert.js';

/** The typed-array kinds the checker grows. */
type TypedArray = Uint32Array | Uint16Array | Uint8Array;

interface TypedArrayKind<A extends TypedArray> {
  new (length: number): A;
}

/**
 * A typed array that grows by 1.5x as values are appended: compact per-state and per-edge
 * records (parents, successor ordinals, edges) without a JS object per entry. `data` may be
 * replaced on growth, so read it again after an append.
 */
export class Growable<A extends TypedArray> {
  /** The backing array; entries at and beyond `length` are unused. */
  data: A;
  /** How many entries are in use. */
  length = 0;

  constructor(private readonly kind: TypedArrayKind<A>, initialCapacity = 1024) {
    assert(initialCapacity > 0, 'initialCapacity must be positive');
    this.data = new kind(initialCapacity);
  }

  /** Appends `value`. */
  push(value: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = value;
  }

  /** Makes room for at least `capacity` entries. */
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const next = new this.kind(Math.max(capacity, Math.ceil(this.data.length * 1.5) + 16));
    next.set(this.data.subarray(0, this.length) as never);
    this.data = next;
  }

  /** Sets entry `index`, growing (with zeros) if it lies beyond the end. */
  set(index: number, value: number): void {
    if (index >= this.length) {
      this.reserve(index + 1);
      this.length = index + 1;
    }
    this.data[index] = value;
  }

  /** Bytes held by the backing array. */
  get bytes(): number {
    return this.data.byteLength;
  }
}

/**
 * A growable array of small non-negative integers that starts one byte wide and widens (to 16,
 * then 32 bits) only when a value needs it: successor ordinals are almost always below 256, so
 * they cost one byte per state.
 */
export class GrowableNat {
  private narrow: Growable<Uint8Array> | null = new Growable(Uint8Array, 4096);
  private medium: Growable<Uint16Array> | null = null;
  private wide: Growable<Uint32Array> | null = null;

  /** How many entries are in use. */
  get length(): number {
    return this.narrow?.length ?? this.medium?.length ?? this.wide?.length ?? 0;
  }

  /** Appends `value` (an integer in [0, 2^32)). */
  push(value: number): void {
    if (this.narrow !== null) {
      if (value <= 0xff) return this.narrow.push(value);
      this.medium = widen(this.narrow, Uint16Array);
      this.narrow = null;
    }
    if (this.medium !== null) {
      if (value <= 0xffff) return this.medium.push(value);
      this.wide = widen(this.medium, Uint32Array);
      this.medium = null;
    }
    assert(this.wide !== null, 'GrowableNat lost its storage');
    this.wide.push(value);
  }

  /** The entries in use, as a typed array. */
  values(): Uint8Array | Uint16Array | Uint32Array {
    const g = this.narrow ?? this.medium ?? this.wide;
    assert(g !== null, 'GrowableNat lost its storage');
    return g.data.subarray(0, g.length);
  }

  /** Bytes held by the backing array. */
  get bytes(): number {
    return this.narrow?.bytes ?? this.medium?.bytes ?? this.wide?.bytes ?? 0;
  }
}

function widen<A extends TypedArray>(from: Growable<TypedArray>, kind: TypedArrayKind<A>): Growable<A> {
  const to = new Growable(kind, Math.max(16, from.data.length));
  for (let i = 0; i < from.length; i++) to.data[i] = from.data[i] ?? 0;
  to.length = from.length;
  return to;
}
