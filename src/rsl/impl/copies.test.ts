import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyOfMap, copyOfSet } from './copies.js';

describe('copies for abstractions', () => {
  it('hand the last copy back exactly when it holds what the collection holds', () => {
    const values = [{ v: 0 }, { v: 1 }, { v: 2 }];
    const edit = fc.tuple(fc.constantFrom('set', 'delete'), fc.nat(4), fc.nat(2));
    fc.assert(fc.property(fc.array(edit, { maxLength: 30 }), (edits) => {
      const map = new Map<number, { v: number }>();
      const set = new Set<number>();
      let lastMap: ReadonlyMap<number, { v: number }> | null = null;
      let lastSet: ReadonlySet<number> | null = null;
      for (const [op, k, i] of edits) {
        if (op === 'set') {
          map.set(k, values[i] ?? { v: -1 });
          set.add(k);
        } else {
          map.delete(k);
          set.delete(k);
        }
        const before = lastMap === null ? null : new Map(lastMap);
        const m: ReadonlyMap<number, { v: number }> = copyOfMap(map, lastMap);
        expect(m).not.toBe(map);
        expect(new Map(m)).toEqual(map);
        const unchanged = before !== null && before.size === map.size && [...map].every(([key, v]) => before.get(key) === v);
        expect(m === lastMap).toBe(unchanged);
        lastMap = m;
        const s: ReadonlySet<number> = copyOfSet(set, lastSet);
        expect(s).not.toBe(set);
        expect(new Set(s)).toEqual(set);
        lastSet = s;
      }
    }), { seed: 31, numRuns: 300 });
  });

  it('make a new copy when a value is replaced by an equal but other object', () => {
    const map = new Map([['a', { v: 1 }]]);
    const first = copyOfMap(map, null);
    map.set('a', { v: 1 });
    expect(copyOfMap(map, first)).not.toBe(first);
  });
});
