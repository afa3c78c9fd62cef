/**
 * Maps for protocol state that a step changes in a few entries out of many (the executor's reply
 * cache: one entry per client ever served; the proposer's highest seqno per client), so that
 * taking the implementation's state as a protocol state, and deriving the protocol's next state
 * from it, costs what the step changed rather than a copy of the map.
 *
 * The implementation keeps such a map as a `TrackedMap`, an ordinary mutable Map. Once a view of
 * it has been taken, every change it makes records the value the key had before, in the current
 * *revision*. `shared()` closes the revision (if it changed anything) and hands out a `SharedMap`:
 * an immutable view of the map as of that moment. A view reads the live map, except for the keys
 * some later revision changed, which it reads from the earliest such revision's record: revisions
 * are linked from older to newer, so a view keeps alive exactly the records it needs, and a view
 * a step or two old (the monitor's state before a step) reads in a Map lookup or two. A view that
 * has fallen far behind copies its entries once, and drops the chain.
 *
 * The protocol derives its next state from a view with `withEntries`. When the changes it asks for
 * are exactly what the implementation's next revision changed (the same keys, values equal by the
 * `sameValue` given), the derivation is the implementation's next view itself: the monitor then
 * compares the two states by reference, at no cost. Any other derivation is computed: in place on
 * a map that only views own (one made by `SharedMap.of`), when it is that map's newest view, else
 * from a copy. States the model checker builds hold plain Maps, and `withEntries` keeps them plain:
 * its states must stay plain data (they are fingerprinted by `stableKey`).
 */

/** What a revision records for a key that was absent before it. */
const absent: unique symbol = Symbol('absent');

/** What a view's revisions say of a key no revision since the view changed. */
const unchanged: unique symbol = Symbol('unchanged');

/**
 * One revision of a tracked map: the changes from one view to the next, as the value each changed
 * key had before them. Open (`next` null) while it is the map's current one.
 */
class Revision<K, V> {
  readonly before = new Map<K, V | typeof absent>();
  next: Revision<K, V> | null = null;
  /** The map as of the start of this revision. */
  readonly view: SharedMap<K, V>;

  constructor(source: TrackedMap<K, V>) {
    this.view = new SharedMap(source, this, source.size);
  }
}

/**
 * The most revisions a view walks on a read before it copies its entries instead: views a step or
 * two old (the monitor's) walk one or two; older ones are rare and copied once.
 */
const revisionsWalkMax = 8;

/**
 * An immutable view of a `TrackedMap` as it was when `shared()` handed it out; see the module
 * comment. A Map to every reader (structural equality, printing); setting, deleting or clearing
 * one throws.
 */
export class SharedMap<K, V> extends Map<K, V> {
  // Fields private to the language (#), so that printing a state (a monitor's report) shows none of them.
  /** The map viewed. */
  readonly #source: TrackedMap<K, V>;
  /** The revision that starts at this view; null once the entries are copied for good. */
  #revision: Revision<K, V> | null;
  readonly #size: number;
  /** Whether the entries are copied into the Map this view is (when first iterated, or once it fell far behind). */
  #copied = false;

  /** Made by a `Revision`, for the map as of its start. */
  constructor(source: TrackedMap<K, V>, revision: Revision<K, V> | null, size: number) {
    super();
    this.#source = source;
    this.#revision = revision;
    this.#size = size;
  }

  /** A map holding `entries` (copied), owned by its views. */
  static of<K, V>(entries: ReadonlyMap<K, V>): SharedMap<K, V> {
    const map = new TrackedMap<K, V>(true);
    for (const [k, v] of entries) map.set(k, v);
    return map.shared();
  }

  override get size(): number {
    return this.#size;
  }

  /**
   * This map with `changes` set: the implementation's next view when its revision changed exactly
   * these keys to values equal by `sameValue` (O(changes)), else computed (see the module comment).
   * `changes` must not change afterwards.
   */
  with(changes: ReadonlyMap<K, V>, sameValue: (a: V, b: V) => boolean = Object.is): SharedMap<K, V> {
    if (changes.size === 0) return this;
    const r = this.#revision;
    if (r !== null && r.next !== null && r.before.size === changes.size) {
      const next = r.next.view;
      let same = true;
      for (const [k, v] of changes) {
        if (!r.before.has(k)) {
          same = false;
          break;
        }
        const w = next.get(k);
        if (w === undefined ? v !== undefined || !next.has(k) : !Object.is(v, w) && !sameValue(v, w)) {
          same = false;
          break;
        }
      }
      if (same) return next;
    }
    const source = this.#source;
    if (r !== null && r.next === null && r.before.size === 0 && source.ownedByViews) {
      for (const [k, v] of changes) source.set(k, v);
      return source.shared();
    }
    // A copy is the newest view of a map only views own: the changes are then set in place.
    return SharedMap.of(this).with(changes, sameValue);
  }

  override get(k: K): V | undefined {
    if (this.#copied) return super.get(k);
    const v = this.recorded(k);
    return v === unchanged ? this.#source.get(k) : v === absent ? undefined : v;
  }

  override has(k: K): boolean {
    if (this.#copied) return super.has(k);
    const v = this.recorded(k);
    return v === unchanged ? this.#source.has(k) : v !== absent;
  }

  /**
   * What `k` held at this view if a revision since changed it (its value, or `absent`), else
   * `unchanged`: the live map holds it as it was. A view more than `revisionsWalkMax` revisions
   * behind copies its entries first and answers from them.
   */
  private recorded(k: K): V | typeof absent | typeof unchanged {
    let walked = 0;
    for (let r = this.#revision; r !== null; r = r.next) {
      if (++walked > revisionsWalkMax) {
        this.copy(true);
        return super.has(k) ? super.get(k) as V : absent;
      }
      const before = r.before.get(k);
      if (before !== undefined || r.before.has(k)) return before as V | typeof absent;
    }
    return unchanged;
  }

  override forEach(callback: (value: V, key: K, map: Map<K, V>) => void): void {
    for (const [k, v] of this.entries()) callback(v, k, this);
  }

  override entries(): MapIterator<[K, V]> {
    this.copy(false);
    return super.entries();
  }

  override keys(): MapIterator<K> {
    this.copy(false);
    return super.keys();
  }

  override values(): MapIterator<V> {
    this.copy(false);
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  override set(): this {
    throw new TypeError('a SharedMap is immutable: derive another with withEntries');
  }

  override delete(): boolean {
    throw new TypeError('a SharedMap is immutable: derive another with withEntries');
  }

  override clear(): void {
    throw new TypeError('a SharedMap is immutable: derive another with withEntries');
  }

  /**
   * Copies the entries into the Map this view is, once (Map's own methods then read them): the
   * live map with every later revision undone, newest first. With `detach`, the view then drops its revisions (it no longer keeps
   * them alive, and no longer recognizes the implementation's next view in `with`).
   */
  private copy(detach: boolean): void {
    if (!this.#copied) {
      const all = new Map<K, V>(this.#source);
      const revisions: Revision<K, V>[] = [];
      for (let r = this.#revision; r !== null; r = r.next) revisions.push(r);
      for (let i = revisions.length - 1; i >= 0; i--) {
        for (const [k, before] of (revisions[i] as Revision<K, V>).before) {
          if (before === absent) all.delete(k);
          else all.set(k, before);
        }
      }
      for (const [k, v] of all) super.set(k, v);
      this.#copied = true;
    }
    if (detach) this.#revision = null;
  }
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
 * The implementation's side of a `SharedMap`: a Map that, once a view of it was taken, records in
 * its current revision the value each key it changes had before; `shared()` hands out the view of
 * the map now. Unmonitored hosts never take one, so they record nothing.
 */
export class TrackedMap<K, V> extends Map<K, V> {
  /** The open revision; null until the first view. */
  #current: Revision<K, V> | null = null;
  readonly #ownedByViews: boolean;

  /**
   * An empty map. `ownedByViews` (for `SharedMap.of`): no one but its views holds it, so a view
   * may set entries in it to derive the next view.
   */
  constructor(ownedByViews = false) {
    // No initial entries: the Map constructor would set them before the tracking fields exist.
    super();
    this.#ownedByViews = ownedByViews;
  }

  /** Whether no one but its views holds this map (see the constructor). */
  get ownedByViews(): boolean {
    return this.#ownedByViews;
  }

  override set(k: K, v: V): this {
    const r = this.#current;
    if (r !== null && !r.before.has(k)) {
      const old = super.get(k);
      r.before.set(k, old !== undefined || super.has(k) ? old as V : absent);
    }
    return super.set(k, v);
  }

  override delete(k: K): boolean {
    const r = this.#current;
    if (r !== null && !r.before.has(k) && super.has(k)) r.before.set(k, super.get(k) as V);
    return super.delete(k);
  }

  override clear(): void {
    const r = this.#current;
    if (r !== null) for (const [k, v] of super.entries()) if (!r.before.has(k)) r.before.set(k, v);
    super.clear();
  }

  /** The map now, as an immutable view; the same view until the map changes. */
  shared(): SharedMap<K, V> {
    const r = this.#current;
    if (r !== null && r.before.size === 0) return r.view;
    const next = new Revision(this);
    if (r !== null) r.next = next;
    this.#current = next;
    return next.view;
  }
}
