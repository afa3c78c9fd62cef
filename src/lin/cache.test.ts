import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OpSet, VisitedSet } from './cache.js';

/** Applies adds (non-negative) and removes (bitwise-not of the index) to a fresh set of n operations. */
function build(n: number, changes: readonly number[]): { set: OpSet; members: Set<number> } {
  const set = new OpSet(n);
  const members = new Set<number>();
  for (const c of changes) {
    const i = c >= 0 ? c % n : ~c % n;
    if (c >= 0 && !members.has(i)) {
      set.add(i);
      members.add(i);
    } else if (c < 0 && members.has(i)) {
      set.remove(i);
      members.delete(i);
    }
  }
  return { set, members };
}

describe('VisitedSet', () => {
  it('holds a configuration once, telling sets apart by membership whatever the order of changes', () => {
    const n = fc.integer({ min: 1, max: 130 });
    const changes = fc.array(fc.integer({ min: -200, max: 200 }), { maxLength: 300 });
    fc.assert(fc.property(n, changes, changes, (size, first, second) => {
      const a = build(size, first);
      const b = build(size, second);
      const visited = new VisitedSet<number>((x, y) => x === y);
      expect(visited.add(7, a.set, 1)).toBe(true);
      expect(visited.add(7, a.set, 1)).toBe(false);
      expect(visited.add(7, a.set, 2)).toBe(true);
      const same = a.members.size === b.members.size && [...a.members].every((i) => b.members.has(i));
      expect(visited.add(7, b.set, 1)).toBe(!same);
      expect(visited.size).toBe(same ? 2 : 3);
    }));
  });

  it('stores a nearly full prefix in a few words', () => {
    const set = new OpSet(10_000);
    for (let i = 0; i < 9000; i++) set.add(i);
    set.add(9500);
    expect(set.span()).toEqual({ from: 281, to: 297 });
    set.remove(100);
    expect(set.span().from).toBe(3);
  });
});
