/**
 * Maps that share structure with the map they were made from, for protocol state that a step
 * changes in a few entries out of many (the executor's reply cache: one entry per client ever
 * served). A `SharedMap` is immutable: the entries of a base map, never changed once built and
 * shared by every map derived from it, and an overlay of the entries set since, in two tiers: a
 * small top copied on each derivation (`with`) and merged into a shared middle tier when full; the
 * overlay is folded into a new base once it outgrows `overlayEntriesMax`. Deriving costs the
 * changes and a few entries, not the map; two maps of one base compare by their overlays.
 *
 * The implementation keeps the mutable side as a `TrackedMap`, a Map that remembers which keys
 * changed since its last `shared()` view and derives the next view from that one. The refinement
 * monitor then receives the implementation's state as views, the protocol derives its next state
 * from them with `withEntries`, and comparing the two costs what the step changed. States the
 * model checker builds hold plain Maps, and `withEntries` keeps them plain: its states must stay
 * plain data (they are fingerprinted by `stableKey`).
 */
export class SharedMap<K, V> implements ReadonlyMap<K, V> {
  /** The entries as one Map, made when first iterated (a SharedMap never changes). */
  private all: Map<K, V> | null = null;
  /**
   * The map `with` derived last and the changes it was given, kept until a derivation with the
   * same changes (values the same by `Object.is`) takes it. The monitor derives the protocol's
   * next state from the map the implementation derived its own from, with the same changes: the
   * protocol then gets the implementation's map, and the two compare by reference.
   */
  private derived: { readonly changes: ReadonlyMap<K, V>; readonly map: SharedMap<K, V> } | null = null;

  /**
   * The overlay is two tiers, so that a derivation setting one entry (the common case: one client's
   * request) copies only `top`, at most `topEntriesMax` entries; `top` is merged into `mid`, which
   * is shared until then, when it outgrows that.
   */
  private constructor(
    /** The entries as of the last fold; shared, never changed. */
    private readonly base: ReadonlyMap<K, V>,
    /** Entries set since the fold and before `top`'s; shared, never changed. */
    private readonly mid: ReadonlyMap<K, V>,
    /** The entries set last, each adding to or replacing one below. Never changed once made. */
    private readonly top: ReadonlyMap<K, V>,
    readonly size: number,
  ) {}

  /** The map holding `entries`, as a new base. */
  static of<K, V>(entries: ReadonlyMap<K, V>): SharedMap<K, V> {
    const base = new Map(entries);
    return new SharedMap(base, emptyTier<K, V>(), emptyTier<K, V>(), base.size);
  }

  /**
   * This map with `changes` set: O(changes) while `top` has room, O(changes and overlay) when it
   * is merged into `mid`, and O(size) when the overlay is folded into a new base. With
   * `sameValue`, the map derived last is handed back for changes whose values are equal to its
   * changes' by `sameValue` (not only the same objects): it holds entries equal to those asked for.
   * `changes` is kept to recognize the next derivation, so it must not be changed afterwards.
   */
  with(changes: ReadonlyMap<K, V>, sameValue: (a: V, b: V) => boolean = Object.is): SharedMap<K, V> {
    if (changes.size === 0) return this;
    const last = this.derived;
    if (last !== null && sameChanges(last.changes, changes, sameValue)) {
      // Taken once: a map kept from every derivation would keep every descendant alive.
      this.derived = null;
      return last.map;
    }
    const map = this.derive(changes);
    this.derived = { changes, map };
    return map;
  }

  private derive(changes: ReadonlyMap<K, V>): SharedMap<K, V> {
    const top = new Map(this.top);
    let size = this.size;
    for (const [k, v] of changes) {
      if (!this.has(k)) size++;
      top.set(k, v);
    }
    // The overlay's entries, counting a key in both tiers twice: a fold comes at most that early.
    if (this.mid.size + top.size > overlayEntriesMax(size)) {
      const base = new Map(this.base);
      for (const [k, v] of this.mid) base.set(k, v);
      for (const [k, v] of top) base.set(k, v);
      return new SharedMap(base, emptyTier<K, V>(), emptyTier<K, V>(), size);
    }
    if (top.size <= topEntriesMax) return new SharedMap(this.base, this.mid, top, size);
    const mid = new Map(this.mid);
    for (const [k, v] of top) mid.set(k, v);
    return new SharedMap(this.base, mid, emptyTier<K, V>(), size);
  }

  get(k: K): V | undefined {
    if (this.top.has(k)) return this.top.get(k);
    return this.mid.has(k) ? this.mid.get(k) : this.base.get(k);
  }

  has(k: K): boolean {
    return this.top.has(k) || this.mid.has(k) || this.base.has(k);
  }

  /**
   * Whether this map holds the same entries as `other` (values compared with `sameValue`), when
   * both share a base: then only the overlays need comparing, and only the tops when they share
   * `mid` as well. Null when the bases differ: the caller compares every entry.
   */
  sameAs(other: SharedMap<K, V>, sameValue: (a: V, b: V) => boolean): boolean | null {
    if (this.base !== other.base) return null;
    if (this.size !== other.size) return false;
    if (this.mid === other.mid) return this.sameEntriesOf(this.top, other, sameValue) && other.sameEntriesOf(other.top, this, sameValue);
    return this.sameEntriesOf(this.top, other, sameValue) && this.sameEntriesOf(this.mid, other, sameValue) &&
      other.sameEntriesOf(other.top, this, sameValue) && other.sameEntriesOf(other.mid, this, sameValue);
  }

  /**
   * Whether every key of `tier` (one of this map's overlay tiers) is in `other` with this map's
   * value for it. Of equal sizes and one base (and `mid`, when only the tops are given), two maps
   * whose overlays pass this both ways hold the same entries: every other key is the base's (or
   * `mid`'s) in both.
   */
  private sameEntriesOf(tier: ReadonlyMap<K, V>, other: SharedMap<K, V>, sameValue: (a: V, b: V) => boolean): boolean {
    for (const k of tier.keys()) {
      if (!other.has(k)) return false;
      const v = this.get(k) as V;
      const w = other.get(k) as V;
      if (v !== w && !sameValue(v, w)) return false;
    }
    return true;
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [k, v] of this.entries()) callback(v, k, this);
  }

  entries(): MapIterator<[K, V]> {
    return this.materialized().entries();
  }

  keys(): MapIterator<K> {
    return this.materialized().keys();
  }

  values(): MapIterator<V> {
    return this.materialized().values();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  private materialized(): Map<K, V> {
    if (this.all === null) {
      this.all = new Map(this.base);
      for (const [k, v] of this.mid) this.all.set(k, v);
      for (const [k, v] of this.top) this.all.set(k, v);
    }
    return this.all;
  }
}

/** Most entries of the overlay's top tier, the part every derivation copies. */
const topEntriesMax = 8;

/** The empty tier every new base starts with (never changed: tiers are copied before they are set). */
const emptyMap: ReadonlyMap<unknown, unknown> = new Map();

/** `emptyMap`, typed for a map of `K` to `V`. */
function emptyTier<K, V>(): ReadonlyMap<K, V> {
  return emptyMap as ReadonlyMap<K, V>;
}

/** Whether two sets of changes set the same keys to equal values (the same object, or equal by `sameValue`). */
function sameChanges<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>, sameValue: (a: V, b: V) => boolean): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined ? v !== undefined || !b.has(k) : !Object.is(v, w) && !sameValue(v, w as V)) return false;
  }
  return true;
}

/**
 * The most entries an overlay holds before it is folded into a new base: about the square root of
 * the map's size (times 4, plus 32), which balances copying the overlay on every derivation
 * against copying the base on every fold.
 */
export function overlayEntriesMax(size: number): number {
  return 32 + 4 * Math.ceil(Math.sqrt(size));
}

/**
 * `map` with `changes` set: a `SharedMap` derived from it if it is one (see `with` for
 * `sameValue`), else a new Map (plain data stays plain).
 */
export function withEntries<K, V>(
  map: ReadonlyMap<K, V>, changes: ReadonlyMap<K, V>, sameValue?: (a: V, b: V) => boolean,
): ReadonlyMap<K, V> {
  if (changes.size === 0) return map;
  if (map instanceof SharedMap) return (map as SharedMap<K, V>).with(changes, sameValue);
  const next = new Map(map);
  for (const [k, v] of changes) next.set(k, v);
  return next;
}

/**
 * The implementation's side of a `SharedMap`: a Map that remembers which keys were set since its
 * last `shared()` view, so the next view is derived from that one at the cost of the changes.
 */
export class TrackedMap<K, V> extends Map<K, V> {
  private view: SharedMap<K, V> = SharedMap.of(new Map());
  /**
   * The keys set since `view` was taken; null when an entry was removed or no view was ever
   * taken (the next view is built anew). Unmonitored hosts never take one, so they track nothing.
   */
  private changed: Set<K> | null = null;

  // No initial entries: the Map constructor would set them before the tracking fields exist.
  constructor() {
    super();
  }

  override set(k: K, v: V): this {
    super.set(k, v);
    this.changed?.add(k);
    return this;
  }

  override delete(k: K): boolean {
    const had = super.delete(k);
    if (had) this.changed = null;
    return had;
  }

  override clear(): void {
    super.clear();
    this.changed = null;
  }

  /** The map now, as an immutable view sharing structure with the previous one. */
  shared(): SharedMap<K, V> {
    if (this.changed === null) {
      this.view = SharedMap.of(this);
    } else if (this.changed.size > 0) {
      const changes = new Map<K, V>();
      for (const k of this.changed) changes.set(k, this.get(k) as V);
      this.view = this.view.with(changes);
    }
    if (this.changed === null) this.changed = new Set();
    else this.changed.clear();
    return this.view;
  }
}
