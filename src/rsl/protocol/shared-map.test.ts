import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostId } from '../../framework/types.js';
import { counterApp } from '../testing.js';
import { sameReplyCache } from './equality.js';
import { executeOnSnapshot } from './executor.js';
import { overlayEntriesMax, SharedMap, TrackedMap, withEntries } from './shared-map.js';
import type { Reply, ReplyCache, RequestBatch } from './types.js';
import { defaultRslParams, equalReply, equalReplyCache } from './types.js';

// Enough clients that overlays pass overlayEntriesMax and are folded into new bases.
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

  it('folds the overlay into a new base once it passes overlayEntriesMax', () => {
    const start = SharedMap.of(new Map<HostId, Reply>());
    let cache = start;
    let n = 0;
    // Caches of one base compare by their overlays (sameAs is not null) until the fold.
    while (cache.sameAs(start, equalReply) !== null) {
      cache = cache.with(new Map([[`c${n}`, { client: `c${n}`, seqno: 1, reply: new Uint8Array(0) }]]));
      n++;
    }
    expect(n).toBe(overlayEntriesMax(n) + 1);
    expect(cache.size).toBe(n);
    expect([...cache.keys()].sort()).toEqual(Array.from({ length: n }, (_, i) => `c${i}`).sort());
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
      // Later changes leave earlier views as they were.
      for (const [view, contents] of views) {
        expect(view.size).toBe(contents.size);
        expect(new Map(view)).toEqual(contents);
        expect(sameReplyCache(view, contents)).toBe(true);
      }
    }), { seed: 23, numRuns: 200 });
  });

  it('hands a second derivation with the same changes the map the first made, and computes any other', () => {
    const seqnos = (entries: [HostId, number][]): Map<HostId, number> => new Map(entries);
    fc.assert(fc.property(fc.array(fc.array(fc.tuple(fc.constantFrom(...clients.slice(0, 8)), fc.nat(3)), { minLength: 1, maxLength: 3 }), { maxLength: 30 }), (rounds) => {
      let map = SharedMap.of(new Map<HostId, number>());
      const plain = new Map<HostId, number>();
      for (const [k, round] of rounds.entries()) {
        const changes = seqnos(round);
        const first = map.with(changes);
        // As the monitor does: the protocol derives from the same map with its own copy of the changes.
        const second = map.with(seqnos(round));
        expect(second).toBe(first);
        // Taken once; a third derivation is computed again, and still holds the same entries.
        const third = map.with(changes);
        expect(third).not.toBe(first);
        expect(new Map(third)).toEqual(new Map(first));
        // Different changes (another value for one key) are never handed the memorized map.
        const [key, value] = round[0] ?? ['c0', 0];
        const other = map.with(new Map([...changes, [key, value + 1]]));
        expect(other.get(key)).toBe(value + 1);
        for (const [c, v] of changes) plain.set(c, v);
        map = k % 2 === 0 ? first : third;
        expect(new Map(map)).toEqual(plain);
      }
    }), { seed: 24, numRuns: 200 });
  });

  it('hands the memorized map to changes equal by the given value equality, and to no others', () => {
    fc.assert(fc.property(fc.array(replyArb, { minLength: 1, maxLength: 40 }), fc.nat(39), (round, which) => {
      const start = SharedMap.of(new Map<HostId, Reply>());
      const changes = changesOf(round);
      const first = start.with(changes);
      // The protocol's replies: equal to the implementation's, other objects and other byte arrays.
      const copies = new Map([...changes].map(([c, r]) => [c, { ...r, reply: r.reply.slice() }]));
      expect(start.with(copies)).not.toBe(first);
      const again = start.with(changes);
      expect(start.with(copies, equalReply)).toBe(again);
      // One reply with other bytes: computed anew, holding the bytes asked for.
      start.with(changes);
      const [client, reply] = [...copies][which % copies.size] ?? ['c0', { client: 'c0', seqno: 0, reply: new Uint8Array(0) }];
      const changed = new Map(copies).set(client, { ...reply, reply: Uint8Array.from([...reply.reply, 1]) });
      const other = start.with(changed, equalReply);
      expect(other.get(client)?.reply.length).toBe(reply.reply.length + 1);
      expect(sameReplyCache(other, first)).toBe(false);
    }), { seed: 25, numRuns: 200 });
  });
});
