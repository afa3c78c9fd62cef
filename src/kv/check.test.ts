import { describe, expect, it } from 'vitest';
import { check } from '../check/check.js';
import { kvModel } from './model.js';

// IronKV's protocol, model-checked on small bounds in both network modes: the ownership
// invariants, refinement to the service spec (IronFleet's network) or the table spec (lossy
// links), and liveness; and each broken variant caught by the check meant for it.

function run(options: Parameters<typeof kvModel>[0]) {
  const r = check(kvModel(options));
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('IronKV model', () => {
  it('holds every invariant, refines the service spec and is live: 2 hosts, 2 keys, 3 requests, 2 moves', () => {
    const r = run({ liveness: true });
    expect(r.violation).toBeNull();
    expect(r.properties.map((p) => [p.name, p.status])).toEqual([
      ['EveryKeyOwnedOnce', 'ok'], ['ValuesWhereOwned', 'ok'], ['AcksFollowDelivery', 'ok'], ['IronKV service', 'ok'],
      ['h0Toh1Delivered', 'ok'], ['h1Toh0Delivered', 'ok'], ['c0Answered', 'ok'], ['m0Answered', 'ok'],
    ]);
    expect(r.distinctStates).toBeGreaterThan(10_000);
  });

  it('moves a range of two keys in two chunks, with three hosts', () => {
    const r = run({ hosts: 3, keys: 3, requests: 2, moves: 1, liveness: true });
    expect(r.violation).toBeNull();
  });

  it('is live on lossy links through retransmission, and refines the table spec', () => {
    const r = run({ network: 'lossy', liveness: true });
    expect(r.violation).toBeNull();
    expect(r.properties.map((p) => p.name)).toContain('IronKV');
  });


  it('catches a receiver that delivers any sequence number: a stale delegate brings back a deleted key', () => {
    const r = run({ moves: 1, bug: 'receive-any-seqno' });
    expect(r.violation?.kind).toBe('refinement');
    expect(r.violation?.trace.steps.some((s) => s.action === 'deliver(h1)')).toBe(true);
  });

  it('catches a receiver that delivers any sequence number: a range moved back is claimed twice', () => {
    const r = run({ requests: 2, moves: 2, bug: 'receive-any-seqno' });
    expect(r.violation?.property).toBe('EveryKeyOwnedOnce');
  });

  it('catches a host that keeps serving a range after delegating it, in both networks', () => {
    expect(run({ bug: 'serve-after-delegate' }).violation?.property).toBe('EveryKeyOwnedOnce');
    expect(run({ network: 'lossy', bug: 'serve-after-delegate' }).violation?.property).toBe('EveryKeyOwnedOnce');
  });

  it("catches a move that drops its last chunk's ack, as a liveness violation in both networks", () => {
    for (const network of ['ironfleet', 'lossy'] as const) {
      const r = run({ network, requests: 1, moves: 1, liveness: true, bug: 'drop-final-ack' });
      expect(r.violation?.kind).toBe('liveness');
      expect(r.violation?.property).toBe('h0Toh1Delivered');
    }
  });
});
