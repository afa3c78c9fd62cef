/**
 * Copies of a role's small mutable collections for its abstraction, made only when they changed:
 * the protocol state must not change afterwards, so each abstraction needs a copy, but most steps
 * leave these collections alone and the copy they were last given still holds the same entries.
 * Handing that copy out again also lets the monitor compare the two states by reference.
 */

/** An immutable copy of `map`: `last` when it holds the same entries (values by reference), else a new Map. */
export function copyOfMap<K, V>(map: ReadonlyMap<K, V>, last: ReadonlyMap<K, V> | null): ReadonlyMap<K, V> {
  if (last !== null && last.size === map.size) {
    let same = true;
    for (const [k, v] of map) {
      if (last.get(k) !== v || !last.has(k)) {
        same = false;
        break;
      }
    }
    if (same) return last;
  }
  return new Map(map);
}

/** An immutable copy of `set`: `last` when it holds the same members, else a new Set. */
export function copyOfSet<T>(set: ReadonlySet<T>, last: ReadonlySet<T> | null): ReadonlySet<T> {
  if (last !== null && last.size === set.size) {
    let same = true;
    for (const x of set) {
      if (!last.has(x)) {
        same = false;
        break;
      }
    }
    if (same) return last;
  }
  return new Set(set);
}
