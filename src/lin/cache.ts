/**
 * The search's memory of configurations already explored: (set of linearized operations, model
 * state) pairs. Reaching a configuration a second time, by another order of the same operations,
 * cannot lead anywhere new, so the search prunes it (Lowe's optimization of the Wing & Gong search).
 */

/**
 * A set of operations (indices 0..n-1) as a bitset that also tracks how many leading words are
 * full. Operations are indexed in call order and linearized roughly in that order, so a linearized
 * set is almost always "everything before some point, plus a few": stored from its first non-full
 * word to its last non-empty one, it takes a few words whatever the history's length.
 */
export class OpSet {
  readonly words: Uint32Array;
  /** Invariant: words[0, full) are all ones and words[full] is not. */
  private full = 0;
  /** Invariant: every word at or after `end` is zero. */
  private end = 0;

  /** An empty set of operations 0..n-1. */
  constructor(n: number) {
    this.words = new Uint32Array(Math.max(1, Math.ceil(n / 32)));
  }

  /** Adds operation i. */
  add(i: number): void {
    const w = i >>> 5;
    const word = ((this.words[w] ?? 0) | (1 << (i & 31))) >>> 0;
    this.words[w] = word;
    if (w + 1 > this.end) this.end = w + 1;
    if (w === this.full && word === 0xffff_ffff) {
      while (this.full < this.words.length && this.words[this.full] === 0xffff_ffff) this.full++;
    }
  }

  /** Removes operation i. */
  remove(i: number): void {
    const w = i >>> 5;
    this.words[w] = (this.words[w] ?? 0) & ~(1 << (i & 31));
    if (w < this.full) this.full = w;
  }

  /** The canonical stored span: words [from, to) hold every bit not implied by `from` full words. */
  span(): { readonly from: number; readonly to: number } {
    while (this.end > this.full && this.words[this.end - 1] === 0) this.end--;
    return { from: this.full, to: Math.max(this.full, this.end) };
  }
}

/** Bytes a configuration costs besides its stored words: map slot, state reference, offsets. */
const entryOverheadBytes = 64;

/** A set of (OpSet, state) configurations, bucketed by a 32-bit hash of both. */
export class VisitedSet<S> {
  /** Stored spans, one after another: [from, length, ...words]. */
  private arena = new Uint32Array(1 << 12);
  private arenaUsed = 0;
  private readonly starts: number[] = [];
  private readonly states: S[] = [];
  private readonly buckets = new Map<number, number | number[]>();

  /** A set whose states are compared with `equal`. */
  constructor(private readonly equal: (a: S, b: S) => boolean) {}

  /** How many configurations are held. */
  get size(): number {
    return this.states.length;
  }

  /** About how many bytes the set holds (not counting what the states themselves hold). */
  get bytes(): number {
    return this.arena.length * 4 + this.states.length * entryOverheadBytes;
  }

  /**
   * Adds the configuration (`ops`, `state`) under `key`, a hash of both; false (and nothing
   * changes) when it was already there.
   */
  add(key: number, ops: OpSet, state: S): boolean {
    const { from, to } = ops.span();
    const found = this.buckets.get(key);
    if (typeof found === 'number') {
      if (this.same(found, ops.words, from, to, state)) return false;
    } else if (found !== undefined) {
      for (const e of found) if (this.same(e, ops.words, from, to, state)) return false;
    }
    const entry = this.store(ops.words, from, to, state);
    if (found === undefined) this.buckets.set(key, entry);
    else if (typeof found === 'number') this.buckets.set(key, [found, entry]);
    else found.push(entry);
    return true;
  }

  private same(entry: number, words: Uint32Array, from: number, to: number, state: S): boolean {
    const at = this.starts[entry] ?? 0;
    const a = this.arena;
    if (a[at] !== from || a[at + 1] !== to - from) return false;
    for (let i = from, j = at + 2; i < to; i++, j++) if (a[j] !== words[i]) return false;
    return this.equal(this.states[entry] as S, state);
  }

  private store(words: Uint32Array, from: number, to: number, state: S): number {
    const need = this.arenaUsed + 2 + (to - from);
    if (need > this.arena.length) {
      let length = this.arena.length * 2;
      while (length < need) length *= 2;
      const grown = new Uint32Array(length);
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    const at = this.arenaUsed;
    this.arena[at] = from;
    this.arena[at + 1] = to - from;
    this.arena.set(words.subarray(from, to), at + 2);
    this.arenaUsed = need;
    this.starts.push(at);
    this.states.push(state);
    return this.states.length - 1;
  }
}
