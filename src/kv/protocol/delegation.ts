import type { HostId } from '../../framework/types.js';
import type { KvKey } from '../spec.js';

/**
 * IronFleet's delegation map: a total map from keys to the host that owns them, as sorted ranges.
 * It is a list of boundaries `[low, host]` in strictly ascending order of `low`, the first at the
 * least key (`''`): the range `[low, next low)` (the last one up to every key) belongs to `host`.
 * Adjacent ranges always have different hosts (a delegation merges them), so two maps that send
 * every key to the same host are the same list: maps compare as plain data, and a state that
 * holds one fingerprints the same whichever moves made it.
 *
 * Maps are immutable; `delegate` returns a new one. Lookups are a binary search: O(log ranges).
 */

/** Where one range starts and who owns it. */
export interface Boundary {
  readonly low: KvKey;
  readonly host: HostId;
}

/** The ranges, in ascending order of `low`; see the module comment for the invariant (`isDelegationMap`). */
export type DelegationMap = readonly Boundary[];

/** A half-open range of keys `[low, high)`; `high` null is above every key. */
export interface KeyRange {
  readonly low: KvKey;
  readonly high: KvKey | null;
}

/** The map at start: every key belongs to `host` (IronFleet: the first host). */
export function delegationInit(host: HostId): DelegationMap {
  return [{ low: '', host }];
}

/** Whether `map` keeps the invariant: starts at `''`, lows strictly ascending, adjacent hosts different. */
export function isDelegationMap(map: DelegationMap): boolean {
  if (map.length === 0 || map[0]?.low !== '') return false;
  for (let i = 1; i < map.length; i++) {
    const a = map[i - 1] as Boundary;
    const b = map[i] as Boundary;
    if (!(a.low < b.low) || a.host === b.host) return false;
  }
  return true;
}

/** The index of the range holding `key`: the last boundary whose low is at most `key`. */
function rangeIndex(map: DelegationMap, key: KvKey): number {
  let lo = 0;
  let hi = map.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((map[mid] as Boundary).low <= key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The host that owns `key`. */
export function ownerOf(map: DelegationMap, key: KvKey): HostId {
  return (map[rangeIndex(map, key)] as Boundary).host;
}

/** Whether `key` is in `range`. */
export function inRange(range: KeyRange, key: KvKey): boolean {
  return key >= range.low && (range.high === null || key < range.high);
}

/** Whether `range` holds no key (its high at or below its low). */
export function isEmptyRange(range: KeyRange): boolean {
  return range.high !== null && range.high <= range.low;
}

/** Whether every key of `range` belongs to `host` in `map`. */
export function ownsRange(map: DelegationMap, range: KeyRange, host: HostId): boolean {
  if (isEmptyRange(range)) return true;
  const i = rangeIndex(map, range.low);
  for (let j = i; j < map.length; j++) {
    const b = map[j] as Boundary;
    if (j > i && range.high !== null && b.low >= range.high) return true;
    if (b.host !== host) return false;
  }
  return true;
}

/** `map` with every key of `range` delegated to `host` (an empty range changes nothing). */
export function delegate(map: DelegationMap, range: KeyRange, host: HostId): DelegationMap {
  if (isEmptyRange(range)) return map;
  const out: Boundary[] = [];
  const push = (b: Boundary): void => {
    const last = out[out.length - 1];
    if (last !== undefined && last.host === b.host) return;
    out.push(b);
  };
  // Boundaries below the range stay; the range starts with `host`; above it, the owner of
  // `high` before the move resumes at `high`, and the boundaries after it stay.
  for (const b of map) if (b.low < range.low) push(b);
  push({ low: range.low, host });
  if (range.high !== null) {
    push({ low: range.high, host: ownerOf(map, range.high) });
    for (const b of map) if (b.low > range.high) push(b);
  }
  return out;
}

/** The ranges `host` owns, in ascending order. */
export function rangesOf(map: DelegationMap, host: HostId): KeyRange[] {
  const out: KeyRange[] = [];
  for (let i = 0; i < map.length; i++) {
    const b = map[i] as Boundary;
    if (b.host === host) out.push({ low: b.low, high: map[i + 1]?.low ?? null });
  }
  return out;
}
