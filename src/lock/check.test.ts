import { describe, expect, it } from 'vitest';
import { check } from '../check/check.js';
import { lockModel } from './model.js';
import { lockProtocol, type LockHostState } from './protocol/host.js';
import { notEnabled } from '../framework/protocol.js';

// IronLock's protocol, model-checked on small bounds: invariants, refinement to the history spec
// and liveness under fair delivery, in IronFleet's network and on lossy links, with and without a
// host outside the ring; and broken variants, each caught by the check meant for it.

function run(options: Parameters<typeof lockModel>[0]) {
  const r = check(lockModel(options));
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('IronLock model', () => {
  it('holds every invariant, refines the spec and is live, 3 hosts up to epoch 7', () => {
    const r = run({ hosts: 3, maxEpoch: 7, liveness: true });
    expect(r.violation).toBeNull();
    expect(r.properties.map((p) => [p.name, p.status])).toEqual([
      ['AtMostOneHolder', 'ok'], ['HolderHasLatestEpoch', 'ok'], ['LockedCorrespondence', 'ok'], ['IronLock', 'ok'],
      ['h0HoldsAgain', 'ok'], ['h1HoldsAgain', 'ok'], ['h2HoldsAgain', 'ok'],
    ]);
    expect(r.distinctStates).toBeGreaterThan(40);
    expect(r.depth).toBeGreaterThanOrEqual(12);
  });

  it('catches a host that accepts a transfer whose epoch is not above its own, with the shortest trace', () => {
    const r = run({ hosts: 3, maxEpoch: 6, bug: 'accept-stale' });
    expect(r.violation?.property).toBe('AtMostOneHolder');
    // The initial state and five steps: grant(h0), accept(h1), grant(h1), then h1 takes its old
    // transfer again and h2 takes the new one, in one order or the other.
    const steps = r.violation?.trace.steps ?? [];
    expect(steps.length).toBe(6);
    expect(steps.filter((s) => s.action === 'accept(h1)').length).toBe(2);
    expect(steps.filter((s) => s.action === 'accept(h2)').length).toBe(1);
  });

  it('finds liveness violated without fairness of accept (a transfer may never be delivered)', () => {
    const r = run({ hosts: 3, maxEpoch: 7, liveness: true, fairness: ['grant(*)'] });
    expect(r.violation?.kind).toBe('liveness');
    expect(r.violation?.trace.loop).not.toBeNull();
  });

  it('catches a protocol that skips an epoch, as a refinement violation', () => {
    const skipping = {
      ...lockProtocol,
      actions: {
        ...lockProtocol.actions,
        grant: (s: LockHostState) => {
          if (!s.held) return notEnabled('not holding the lock');
          const next = s.config.hosts[(s.me + 1) % s.config.hosts.length] ?? '';
          const epoch = s.epoch + 2;
          return {
            state: { ...s, held: false, pending: { epoch, dst: next } },
            sent: [{ src: s.config.hosts[s.me] ?? '', dst: next, msg: { type: 'transfer' as const, epoch } }],
          };
        },
      },
    };
    const r = run({ hosts: 3, maxEpoch: 6, protocol: skipping });
    expect(r.violation?.property).toBe('IronLock');
  });

  it('holds every property with an outsider sending any Transfer or Locked to any host', () => {
    const r = run({ hosts: 3, maxEpoch: 6, liveness: true, outsiders: 1 });
    expect(r.violation).toBeNull();
    expect(r.properties.every((p) => p.status === 'ok')).toBe(true);
    // The outsider's packet multiplies the states: it may arrive at any point of the run.
    expect(r.distinctStates).toBeGreaterThan(10 * run({ hosts: 3, maxEpoch: 6, liveness: true }).distinctStates);
  });

  it('catches a host that takes a transfer from outside the ring, only with an outsider', () => {
    const r = run({ hosts: 3, maxEpoch: 6, bug: 'accept-outsider', outsiders: 1 });
    expect(r.violation?.property).toBe('AtMostOneHolder');
    const steps = r.violation?.trace.steps ?? [];
    expect(steps.map((s) => s.action)).toEqual([null, 'send(x0)', 'accept(h1)']);
    expect(steps[2]?.packet).toBe('x0 -> h1 {type: "transfer", epoch: 1}');
    // No host of the ring sends such a transfer, so without an outsider every check passes.
    const inside = run({ hosts: 3, maxEpoch: 6, liveness: true, bug: 'accept-outsider' });
    expect(inside.violation).toBeNull();
  });

  it('is live on lossy links with retransmission weakly fair and receiving strongly fair', () => {
    const r = run({ hosts: 3, maxEpoch: 5, liveness: true, network: 'lossy' });
    expect(r.violation).toBeNull();
    expect(r.properties.filter((p) => p.kind === 'liveness').map((p) => p.status)).toEqual(['ok', 'ok', 'ok']);
    expect(r.properties[4]?.detail).toContain('strong fairness of accept(*), ack(*), acknowledged(*), ignore(*)');
  });

  it('is not live on lossy links when receiving is only weakly fair: every retransmission may be lost', () => {
    const r = run({
      hosts: 3, maxEpoch: 5, liveness: true, network: 'lossy',
      fairness: ['grant(*)', 'retransmit(*)', 'accept(*)', 'ack(*)', 'acknowledged(*)', 'ignore(*)'], strongFairness: [],
    });
    expect(r.violation?.kind).toBe('liveness');
    const loop = r.violation?.trace.loop;
    expect(loop?.stutter).toBe(false);
    const cycle = (r.violation?.trace.steps ?? []).slice((loop?.start ?? 0) + 1).map((s) => s.action);
    expect(cycle).toContain('retransmit(h0)');
    expect(cycle.some((a) => a?.startsWith('lose(') === true)).toBe(true);
  });

  it('catches retransmission stopped by a stale Locked, with a lasso on lossy links only', () => {
    const r = run({ hosts: 3, maxEpoch: 5, liveness: true, network: 'lossy', bug: 'stale-ack' });
    expect(r.violation?.kind).toBe('liveness');
    const steps = r.violation?.trace.steps ?? [];
    // h0 grants epoch 5 with Locked(2) from h1 still in flight; that stale Locked clears h0's
    // pending transfer, the transfer is lost, and nothing is ever sent again.
    const ack = steps.findIndex((s) => s.action === 'acknowledged(h0)');
    expect(steps[ack]?.packet).toBe('h1 -> h0 {type: "locked", epoch: 2}');
    expect(steps[ack]?.changes).toContain('hosts.h0.pending: 5 -> null');
    const lost = steps.find((s) => s.action === 'lose(h1)');
    expect(lost?.changes).toEqual(['network: - h0 -> h1 {type: "transfer", epoch: 5}']);
    expect(r.violation?.trace.loop?.stutter).toBe(true);
    // In IronFleet's network the transfer stays deliverable forever, so the bug does no harm.
    expect(run({ hosts: 3, maxEpoch: 5, liveness: true, bug: 'stale-ack' }).violation).toBeNull();
  });
});
