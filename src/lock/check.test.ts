import { describe, expect, it } from 'vitest';
import { check } from '../check/check.js';
import { lockModel } from './model.js';
import { lockProtocol, type LockHostState } from './protocol/host.js';
import { notEnabled } from '../framework/protocol.js';

// IronLock's protocol, model-checked on small bounds: invariants, refinement to the history spec
// and liveness under weak fairness; and broken variants, each caught by the check meant for it.

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
});
