import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../framework/memory-store.js';
import { Prng } from '../../core/prng.js';
import { defaultRslParams } from '../protocol/types.js';
import type { Ballot, RequestBatch } from '../protocol/types.js';
import { AcceptorImpl } from './acceptor.js';
import type { RslDurableState } from './durable.js';
import { RslStateStore } from './durable.js';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { detail: string } }): T {
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
}

const params = { ...defaultRslParams, logLengthMax: 4 };

/**
 * Drives an acceptor through random promises, votes, truncations and 1a ballots, saving what the
 * replica saves before each 1b, 2b and 1a, and checks after every save that a store recovering
 * from the disk gets exactly the state saved last.
 */
function run(seed: number, checkpointAfterBytes: number): { saves: number; checkpoints: number } {
  const prng = new Prng(seed);
  const disk = new MemoryStore();
  const store = new RslStateStore(disk, checkpointAfterBytes);
  const acceptor = new AcceptorImpl(3, params);
  let sent1a: Ballot = { seqno: 0, proposer: 0 };
  let seqno = 1;
  let saves = 0;
  const batch = (): RequestBatch =>
    Array.from({ length: prng.nextInt(3) }, (_, i) => ({ client: `c${prng.nextInt(3)}`, seqno: seqno * 10 + i, payload: Uint8Array.of(prng.nextInt(256)) }));
  for (let op = 0; op < 60; op++) {
    let saved: RslDurableState | null = null;
    const choice = prng.nextInt(10);
    if (choice < 2) {
      const ballot = { seqno: seqno++, proposer: prng.nextInt(3) };
      if (!acceptor.takes1a(ballot)) continue;
      saved = acceptor.durableAfter1a(ballot, sent1a);
      must(store.save(saved));
      acceptor.process1a(ballot);
    } else if (choice < 7) {
      const ballot = acceptor.maxBal;
      const opn = acceptor.logTruncationPoint + prng.nextInt(6);
      const b = batch();
      saved = acceptor.durableAfter2a(ballot, opn, b, sent1a);
      must(store.save(saved));
      acceptor.process2a(ballot, opn, b);
    } else if (choice < 9) {
      acceptor.truncateLog(acceptor.logTruncationPoint + prng.nextInt(3));
      continue;
    } else {
      sent1a = { seqno: seqno++, proposer: 0 };
      saved = acceptor.durableNow(sent1a);
      must(store.save(saved));
    }
    saves++;
    const recovered = must(new RslStateStore(disk, checkpointAfterBytes).recover());
    expect(recovered, `seed ${seed}, op ${op}`).toEqual(saved);
  }
  const generations = [...disk.blobs.keys()].length;
  return { saves, checkpoints: generations };
}

describe('RslStateStore (the replica\'s write-ahead log)', () => {
  it('recovers exactly the state saved last, through appended changes and checkpoints', () => {
    let checkpointed = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const { saves, checkpoints } = run(seed, 300);
      expect(saves).toBeGreaterThan(10);
      if (checkpoints === 2) checkpointed++;
    }
    // A small threshold makes most runs start a second generation.
    expect(checkpointed).toBeGreaterThan(50);
  });

  it('appends a change, not the state, once the log has a checkpoint', () => {
    const disk = new MemoryStore();
    const store = new RslStateStore(disk);
    const acceptor = new AcceptorImpl(3, params);
    const sent1a = { seqno: 0, proposer: 0 };
    const big: RequestBatch = Array.from({ length: 50 }, (_, i) => ({ client: `client-${i}`, seqno: 1, payload: new Uint8Array(100) }));
    for (let opn = 0; opn < 3; opn++) {
      must(store.save(acceptor.durableAfter2a(acceptor.maxBal, opn, big, sent1a)));
      acceptor.process2a(acceptor.maxBal, opn, big);
    }
    const sizeBefore = [...disk.blobs.values()].reduce((n, b) => n + b.length, 0);
    const small: RequestBatch = [{ client: 'c', seqno: 9, payload: Uint8Array.of(1) }];
    must(store.save(acceptor.durableAfter2a(acceptor.maxBal, 3, small, sent1a)));
    const sizeAfter = [...disk.blobs.values()].reduce((n, b) => n + b.length, 0);
    // The fourth vote costs its own record, far less than the three big votes the state holds.
    expect(sizeAfter - sizeBefore).toBeLessThan(200);
  });

  it('writes a checkpoint when a vote is gone without a truncation, which no change record says', () => {
    const disk = new MemoryStore();
    const store = new RslStateStore(disk);
    const ballot = { seqno: 1, proposer: 0 };
    const vote = (opn: number) => ({ opn, maxVBal: ballot, maxVal: [{ client: 'c', seqno: opn, payload: Uint8Array.of(opn) }] });
    const base = { maxBal: ballot, logTruncationPoint: 0, maxBallotISent1a: ballot };
    must(store.save({ ...base, votes: [vote(0), vote(1)] }));
    const fewer = { ...base, votes: [vote(1), vote(2)] };
    must(store.save(fewer));
    expect(must(new RslStateStore(disk).recover())).toEqual(fewer);
  });

  it('keeps nothing, and encodes nothing, on a volatile store', () => {
    const store = new RslStateStore({ volatile: true, read: () => { throw new Error('read'); }, write: () => { throw new Error('write'); },
      append: () => { throw new Error('append'); }, sync: () => { throw new Error('sync'); } });
    const acceptor = new AcceptorImpl(3, params);
    expect(store.save(acceptor.durableNow({ seqno: 0, proposer: 0 })).ok).toBe(true);
  });
});
