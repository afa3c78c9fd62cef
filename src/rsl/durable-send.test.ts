import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../framework/memory-store.js';
import { SimDisk } from '../sim/disk.js';
import { Prng } from '../core/prng.js';
import { FakeTransport } from '../net/testkit.js';
import { HostEventLoop } from '../net/event-loop.js';
import { GroupCommitStore } from '../net/group-commit.js';
import { kvService, kvSet } from '../apps/kv.js';
import { RslReplica } from './impl/replica.js';
import { RslStateStore } from './impl/durable.js';
import type { RslConstants } from './protocol/replica.js';
import { balEq } from './protocol/types.js';
import { rslServerParams } from './server.js';
import type { ServiceFactory } from './service.js';
import { AckBeforeSyncReplica } from './testing.js';
import type { RslImplMsg } from './wire.js';

// A replica on a real event loop (group commit included) must never let a 1b or 2b leave before
// the promise or vote it announces is durable: the disk here is a simulated one, whose synced
// content is what a crash of the machine would keep, and it is read back at every such send.

const constants: RslConstants = { config: { replicaIds: ['r0', 'r1', 'r2'] }, params: rslServerParams };
const slots = 12;

/** Runs follower r1 of `variant` through a 1a and `slots` 2as; returns what left before it was durable. */
async function run(variant: typeof RslReplica): Promise<{ early: string[]; twoBs: number }> {
  const disk = new SimDisk({ errorRate: 0, unsyncedLossRate: 0, tornWriteRate: 0 }, new Prng(1));
  const store = new GroupCommitStore(disk);
  const built = RslReplica.recover(constants, 'r1', store, kvService as unknown as ServiceFactory, variant);
  if (!built.ok) throw new Error(built.error.detail);
  /** What a crash would keep: the replica's state recovered from the synced blobs alone. */
  const synced = (): ReturnType<RslStateStore['recover']> => {
    const kept = new MemoryStore();
    for (const name of ['rsl-replica-log.a', 'rsl-replica-log.b']) {
      const blob = disk.syncedBlob(name);
      if (blob !== null) kept.blobs.set(name, blob);
    }
    return new RslStateStore(kept).recover();
  };
  const early: string[] = [];
  let twoBs = 0;
  const transport = new FakeTransport<RslImplMsg>('r1', (msg) => {
    if (msg.type !== '1b' && msg.type !== '2b') return;
    const state = synced();
    const durable = state.ok ? state.value : null;
    if (msg.type === '1b' && (durable === null || !balEq(durable.maxBal, msg.ballot))) early.push(`1b at ballot ${msg.ballot.seqno}`);
    if (msg.type === '2b') {
      twoBs++;
      const vote = durable?.votes.find((v) => v.opn === msg.opn);
      if (vote === undefined || !balEq(vote.maxVBal, msg.ballot)) early.push(`2b for slot ${msg.opn}`);
    }
  });
  // The clock stands still, so the replica's first heartbeat (which syncs its executor's log) is its
  // only one: a sync another step asks for in the same turn would cover a vote that was not synced.
  const loop = new HostEventLoop({ host: built.value, transport, disk: store, logger: () => {}, clock: () => 0 });
  while (!transport.sent.some((p) => p.msg.type === 'heartbeat')) await new Promise((r) => setImmediate(r));
  const ballot = { seqno: 1, proposer: 0 };
  transport.deliver('r0', { type: '1a', ballot });
  for (let opn = 0; opn < slots; opn++) {
    const payload = kvSet(`key-${opn}`, Uint8Array.of(opn));
    if (!payload.ok) throw new Error('kvSet refused');
    transport.deliver('r0', { type: '2a', ballot, opn, batch: [{ client: `client/${opn}`, seqno: 1, payload: payload.value }] });
  }
  while (twoBs < slots) await new Promise((r) => setImmediate(r));
  await loop.stop();
  return { early, twoBs };
}

describe('an IronRSL replica on the event loop', () => {
  it('sends a 1b or 2b only once the promise or vote it announces is on the disk', async () => {
    const { early, twoBs } = await run(RslReplica);
    expect(twoBs).toBe(slots);
    expect(early).toEqual([]);
  });

  it('catches a replica that sends its 2bs before syncing its votes (testing.ts AckBeforeSyncReplica)', async () => {
    const { early } = await run(AckBeforeSyncReplica as unknown as typeof RslReplica);
    expect(early.length).toBeGreaterThan(0);
    expect(early).toContain('2b for slot 0');
  });
});
