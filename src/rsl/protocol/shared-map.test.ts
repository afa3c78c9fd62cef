import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostId } from '../../framework/types.js';
import { counterApp } from '../testing.js';
import { sameReplyCache } from './equality.js';
import { executeOnSnapshot } from './executor.js';
import { SharedMap, TrackedMap, withEntries } from './shared-map.js';
import type { Reply, ReplyCache, RequestBatch } from './types.js';
import { defaultRslParams, equalReply, equalReplyCache } from './types.js';

// Enough clients that views fall many revisions behind the map they view.
const clients = Array.from({ length: 150 }, (_, i) => `c${i}`);
const replyArb: fc.Arbitrary<Reply> = fc.tuple(fc.constantFrom(...clients), fc.nat(5), fc.uint8Array({ maxLength: 2 }))
  .map(([client, seqno, reply]) => ({ client, seqno, reply }));
/** Rounds of changes; a round of many folds the overlay into a new base. */
const roundsArb = fc.array(fc.array(replyArb, { maxLength: 60 }), { maxLength: 10 });

function changesOf(round: readonly Reply[]): Map<HostId, Reply> {
  return new Map(round.map((r) => [r.client, r]));
}

describe('SharedMap (reply caches)', () => {
  it('holds what a Map given the same changes holds, and compares as equalReplyCache does', () => {
    fc.assert(fc.property(roundsArb, roundsArb, (rounds, others) => {
      let shared = SharedMap.of(new Map<HostId, Reply>());
      const plain = new Map<HostId, Reply>();
      const versions: [SharedMap<HostId, Reply>, Map<HostId, Reply>][] = [[shared, new Map()]];
      for (const round of rounds) {
        const changes = changesOf(round);
        shared = shared.with(changes);
        for (const [c, r] of changes) plain.set(c, r);
        versions.push([shared, new Map(plain)]);
        expect(shared.size).toBe(plain.size);
        for (const c of clients) {
          expect(shared.get(c)).toBe(plain.get(c));
          expect(shared.has(c)).toBe(plain.has(c));
        }
        expect(new Map(shared)).toEqual(plain);
        expect(new Map([...shared.keys()].map((k, i) => [k, [...shared.values()][i]]))).toEqual(plain);
      }
      // Branches from every version (the monitor derives the protocol's and the implementation's caches from one).
      for (const [base, contents] of versions) {
        let branch = base;
        const expected = new Map(contents);
        for (const round of others) {
          const changes = changesOf(round);
          branch = branch.with(changes);
          for (const [c, r] of changes) expected.set(c, r);
        }
        for (const [other, otherContents] of versions) {
          expect(sameReplyCache(branch, other)).toBe(equalReplyCache(expected, otherContents));
          expect(sameReplyCache(other, branch)).toBe(equalReplyCache(otherContents, expected));
        }
        expect(sameReplyCache(branch, expected)).toBe(true);
      }
    }), { seed: 21, numRuns: 100 });
  });

  it('lets the protocol execute on it as on a Map, and leaves plain Maps plain', () => {
    const batchArb: fc.Arbitrary<RequestBatch> = fc.array(
      fc.tuple(fc.constantFrom(...clients), fc.nat(6)).map(([client, seqno]) => ({ client, seqno, payload: Uint8Array.of(1) })), { maxLength: 10 },
    );
    fc.assert(fc.property(fc.array(batchArb, { maxLength: 8 }), fc.integer({ min: 1, max: 12 }), (batches, clientsMax) => {
      const params = { ...defaultRslParams, clientsMax };
      let shared: { app: number; replyCache: ReplyCache } = { app: 0, replyCache: SharedMap.of(new Map<HostId, Reply>()) };
      let plain: { app: number; replyCache: ReplyCache } = { app: 0, replyCache: new Map() };
      for (const batch of batches) {
        const a = executeOnSnapshot(counterApp, params, shared, batch);
        const b = executeOnSnapshot(counterApp, params, plain, batch);
        expect(a.replies).toEqual(b.replies);
        expect(a.snapshot.app).toBe(b.snapshot.app);
        expect(sameReplyCache(a.snapshot.replyCache, b.snapshot.replyCache)).toBe(true);
        expect(b.snapshot.replyCache).toBeInstanceOf(Map);
        shared = a.snapshot;
        plain = b.snapshot;
      }
    }), { seed: 22, numRuns: 200 });
    expect(withEntries(new Map(), new Map())).toBeInstanceOf(Map);
  });

  it('is what a TrackedMap hands out: every view holds the map as it was, whatever was set, deleted or cleared', () => {
    type Op = { readonly kind: 'set'; readonly reply: Reply } | { readonly kind: 'delete' | 'view'; readonly client: HostId } | { readonly kind: 'clear' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 10, arbitrary: replyArb.map((reply): Op => ({ kind: 'set', reply })) },
      { weight: 1, arbitrary: fc.constantFrom(...clients).map((client): Op => ({ kind: 'delete', client })) },
      { weight: 3, arbitrary: fc.constant<Op>({ kind: 'view', client: '' }) },
      { weight: 1, arbitrary: fc.constant<Op>({ kind: 'clear' }) },
    );
    fc.assert(fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
      const tracked = new TrackedMap<HostId, Reply>();
      const views: [SharedMap<HostId, Reply>, Map<HostId, Reply>][] = [];
      for (const op of ops) {
        if (op.kind === 'set') tracked.set(op.reply.client, op.reply);
        else if (op.kind === 'delete') tracked.delete(op.client);
        else if (op.kind === 'clear') tracked.clear();
        else views.push([tracked.shared(), new Map(tracked)]);
      }
      // Later changes leave earlier views as they were: read key by key first (walking the
      // revisions since, or copying the entries of a view far behind), then iterated.
      for (const [view, contents] of views) {
        for (const c of clients.slice(0, 20)) {
          expect(view.get(c)).toBe(contents.get(c));
          expect(view.has(c)).toBe(contents.has(c));
        }
        expect(view.size).toBe(contents.size);
        expect(new Map(view)).toEqual(contents);
        expect(sameReplyCache(view, contents)).toBe(true);
      }
    }), { seed: 23, numRuns: 200 });
  });

  it('gives a derivation with the changes the implementation made its next view, and computes any other', () => {
    const seqnos = (entries: [HostId, number][]): Map<HostId, number> => new Map(entries);
    fc.assert(fc.property(fc.array(fc.array(fc.tuple(fc.constantFrom(...clients.slice(0, 8)), fc.nat(3)), { minLength: 1, maxLength: 3 }), { maxLength: 30 }), (rounds) => {
      const tracked = new TrackedMap<HostId, number>();
      const plain = new Map<HostId, number>();
      for (const round of rounds) {
        const before = tracked.shared();
        const contentsBefore = new Map(plain);
        const changes = seqnos(round);
        for (const [c, v] of changes) tracked.set(c, v);
        const after = tracked.shared();
        // As the monitor does: the protocol derives from the state before with its own copy of the changes.
        expect(before.with(seqnos(round))).toBe(after);
        expect(before.with(changes)).toBe(after);
        // Another value for one key, or one key more: computed, holding what was asked for.
        const [key, value] = [...changes][0] ?? ['c0', 0];
        const other = before.with(new Map([...changes, [key, value + 1]]));
        expect(other).not.toBe(after);
        expect(other.get(key)).toBe(value + 1);
        const extra = before.with(new Map([...changes, ['x', 9]]));
        expect(extra).not.toBe(after);
        expect(new Map(extra)).toEqual(new Map([...contentsBefore, ...changes, ['x', 9]]));
        for (const [c, v] of changes) plain.set(c, v);
        // The state before still holds what it held.
        expect(new Map(before)).toEqual(contentsBefore);
        expect(new Map(after)).toEqual(plain);
      }
    }), { seed: 24, numRuns: 200 });
  });

  it('derives in place along the newest view of a map made by of(), and copies from any older one', () => {
    const start = SharedMap.of(new Map<HostId, number>([['a', 1]]));
    const b = start.with(new Map([['b', 2]]));
    const c = b.with(new Map([['c', 3]]));
    // A branch from an older view: computed from a copy, leaving the newer views as they were.
    const branch = b.with(new Map([['c', 4]]));
    expect(new Map(branch)).toEqual(new Map([['a', 1], ['b', 2], ['c', 4]]));
    expect(new Map(c)).toEqual(new Map([['a', 1], ['b', 2], ['c', 3]]));
    expect(new Map(b)).toEqual(new Map([['a', 1], ['b', 2]]));
    expect(new Map(start)).toEqual(new Map([['a', 1]]));
    // The same changes again from b are c itself.
    expect(b.with(new Map([['c', 3]]))).toBe(c);
    expect(() => (c as Map<HostId, number>).set('d', 1)).toThrow(/immutable/);
    expect(() => (c as Map<HostId, number>).delete('a')).toThrow(/immutable/);
  });

  it('recognizes the implementation\'s next view by the given value equality, and nothing else', () => {
    fc.assert(fc.property(fc.array(replyArb, { minLength: 1, maxLength: 40 }), fc.nat(39), (round, which) => {
      const tracked = new TrackedMap<HostId, Reply>();
      const before = tracked.shared();
      const changes = changesOf(round);
      for (const [c, r] of changes) tracked.set(c, r);
      const after = tracked.shared();
      // The protocol's replies: equal to the implementation's, other objects and other byte arrays.
      const copies = new Map([...changes].map(([c, r]) => [c, { ...r, reply: r.reply.slice() }]));
      expect(before.with(copies)).not.toBe(after);
      expect(before.with(copies, equalReply)).toBe(after);
      // One reply with other bytes: computed anew, holding the bytes asked for.
      const [client, reply] = [...copies][which % copies.size] ?? ['c0', { client: 'c0', seqno: 0, reply: new Uint8Array(0) }];
      const changed = new Map(copies).set(client, { ...reply, reply: Uint8Array.from([...reply.reply, 1]) });
      const other = before.with(changed, equalReply);
      expect(other.get(client)?.reply.length).toBe(reply.reply.length + 1);
      expect(sameReplyCache(other, after)).toBe(false);
    }), { seed: 25, numRuns: 200 });
  });
});
