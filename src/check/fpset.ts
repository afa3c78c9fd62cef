import { assert } from '../core/assert.js';

/**
 * The set of visited states, as 64-bit fingerprints in one open-addressing table (linear probing)
 * held in a typed array: eight bytes per slot, optionally four more for a value (the state's
 * index, needed only when liveness wants the explored graph's edges).
 *
 * A fingerprint's home slot is `floor(hi * capacity / 2^32)`, which works for any capacity, so the
 * table grows by 1.5x rather than doubling: with a maximum load of 0.8 the load stays between
 * 0.53 and 0.8, i.e. between 10 and 15 bytes per stored fingerprint (without values).
 */
export class FingerprintSet {
  /** Interleaved (hi, lo) pairs; (0, 0) marks an empty slot. */
  private slots: Uint32Array;
  private values: Uint32Array | null;
  private capacityValue: number;
  private scale: number;
  private countValue = 0;
  private growAt: number;
  // The fingerprint (0, 0) cannot live in a slot (it marks empty ones), so it is kept aside.
  private hasZero = false;
  private zeroValue = 0;

  /** A set with room for `initialCapacity` slots; `withValues` keeps a number per fingerprint. */
  constructor(initialCapacity = 4096, withValues = false) {
    assert(Number.isInteger(initialCapacity) && initialCapacity >= 16, `initialCapacity must be an integer >= 16, got ${initialCapacity}`);
    this.capacityValue = initialCapacity;
    this.scale = initialCapacity / 2 ** 32;
    this.slots = new Uint32Array(initialCapacity * 2);
    this.values = withValues ? new Uint32Array(initialCapacity) : null;
    this.growAt = Math.floor(initialCapacity * FingerprintSet.loadMax);
  }

  /** The load above which the table grows. */
  static readonly loadMax = 0.8;
  /** How much the capacity grows each time. */
  static readonly growthFactor = 1.5;
  /** The largest capacity: slot indexes stay below 2^31 and the typed array under its limit. */
  static readonly capacityMax = 2 ** 30;

  /** How many fingerprints are stored. */
  get size(): number {
    return this.countValue;
  }

  /** How many slots the table has. */
  get capacity(): number {
    return this.capacityValue;
  }

  /** Bytes held by the table's typed arrays. */
  get bytes(): number {
    return this.slots.byteLength + (this.values?.byteLength ?? 0);
  }

  /**
   * Adds the fingerprint (`hi`, `lo`) with `value` if absent and returns -1; if present, returns
   * the value stored with it (0 when the set keeps no values).
   */
  insert(hi: number, lo: number, value: number): number {
    hi >>>= 0;
    lo >>>= 0;
    if (hi === 0 && lo === 0) {
      if (this.hasZero) return this.zeroValue;
      this.hasZero = true;
      this.zeroValue = value;
      this.countValue++;
      return -1;
    }
    const slots = this.slots;
    const capacity = this.capacityValue;
    let i = Math.floor(hi * this.scale);
    while (true) {
      const j = i << 1;
      const h = slots[j] ?? 0;
      const l = slots[j + 1] ?? 0;
      if (h === hi && l === lo) return this.values === null ? 0 : this.values[i] ?? 0;
      if (h === 0 && l === 0) {
        slots[j] = hi;
        slots[j + 1] = lo;
        if (this.values !== null) this.values[i] = value;
        this.countValue++;
        if (this.countValue >= this.growAt) this.grow();
        return -1;
      }
      i++;
      if (i === capacity) i = 0;
    }
  }

  /** The value stored with (`hi`, `lo`), or -1 when absent (or 0 when the set keeps no values). */
  get(hi: number, lo: number): number {
    hi >>>= 0;
    lo >>>= 0;
    if (hi === 0 && lo === 0) return this.hasZero ? this.zeroValue : -1;
    const slots = this.slots;
    let i = Math.floor(hi * this.scale);
    while (true) {
      const j = i << 1;
      const h = slots[j] ?? 0;
      const l = slots[j + 1] ?? 0;
      if (h === hi && l === lo) return this.values === null ? 0 : this.values[i] ?? 0;
      if (h === 0 && l === 0) return -1;
      i++;
      if (i === this.capacityValue) i = 0;
    }
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldValues = this.values;
    const oldCapacity = this.capacityValue;
    const capacity = Math.ceil(oldCapacity * FingerprintSet.growthFactor);
    assert(capacity <= FingerprintSet.capacityMax, `fingerprint table full: ${this.countValue} states`);
    const slots = new Uint32Array(capacity * 2);
    const values = oldValues === null ? null : new Uint32Array(capacity);
    const scale = capacity / 2 ** 32;
    // Old slots are nearly sorted by hi (home slots are monotone in hi), so this pass writes the
    // new table almost sequentially.
    for (let k = 0; k < oldCapacity; k++) {
      const hi = oldSlots[k << 1] ?? 0;
      const lo = oldSlots[(k << 1) + 1] ?? 0;
      if (hi === 0 && lo === 0) continue;
      let i = Math.floor(hi * scale);
      while ((slots[i << 1] ?? 0) !== 0 || (slots[(i << 1) + 1] ?? 0) !== 0) {
        i++;
        if (i === capacity) i = 0;
      }
      slots[i << 1] = hi;
      slots[(i << 1) + 1] = lo;
      if (values !== null && oldValues !== null) values[i] = oldValues[k] ?? 0;
    }
    this.slots = slots;
    this.values = values;
    this.capacityValue = capacity;
    this.scale = scale;
    this.growAt = Math.floor(capacity * FingerprintSet.loadMax);
  }
}
