import { describe, expect, it } from 'vitest';
import { check } from '../check/check.js';
import type { CheckOptions } from '../check/check.js';
import { msgKey, replicaKey, rslModel } from './model.js';
import { learnerInit } from './protocol/learner.js';
import type { RslDistributedState } from './protocol/refinement.js';
import type { RslModelOptions } from './model.js';

// IronRSL's protocol, model-checked on small bounds: the invariants of
// src/rsl/protocol/refinement.ts on every reachable state and refinement to the spec on every
// transition; and broken variants (src/rsl/testing.ts), each caught by the check meant for it.
// Timeouts are generous: verdicts depend on the explored graph, never on how fast it is explored.

function run(options: RslModelOptions, checkOptions: CheckOptions = {}) {
  const r = check(rslModel(options), { liveness: false, ...checkOptions });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/**
 * `bounds` checked completely with and without symmetry: no violation either way, and fewer
 * classes than states, but no fewer than the states over `classSizeMax` (the largest class).
 */
function expectFewerClassesSameVerdict(bounds: RslModelOptions, classSizeMax: number): void {
  const full = run(bounds);
  const reduced = run(bounds, { symmetry: true });
  expect(full.violation).toBeNull();
  expect(reduced.violation).toBeNull();
  expect(full.queueLeft + reduced.queueLeft).toBe(0);
  expect(reduced.distinctStates).toBeLessThan(full.distinctStates);
  expect(classSizeMax * reduced.distinctStates).toBeGreaterThanOrEqual(full.distinctStates);
}

const invariantNames = [
  'chosenAgreement', 'twoAsAgree', 'twoBHas2a', 'votesAre2as', 'oneBVotesBelowBallot', 'voteBelowMaxBal', 'promiseCoversSent', 'maxBalLedByProposer',
  'votesInWindow', 'truncationBelowQuorumExecuted', 'checkpointsNotAhead', 'leaderLtpCoversHeld1bs', 'decisionIsChosen',
  'executedPrefixesAgree', 'repliesMatchSpec',
];

describe('IronRSL model', () => {
  it('2 replicas, one request, one heartbeat each: every invariant holds and every step refines the spec (complete search)', () => {
    const r = run({ replicas: 2, heartbeatsMax: 1, eagerLearners: false });
    expect(r.violation).toBeNull();
    expect(r.properties.map((p) => [p.name, p.status])).toEqual([...invariantNames.map((n) => [n, 'ok']), ['IronRSL(counter)', 'ok']]);
    expect(r.queueLeft).toBe(0);
    // Phase 1, phase 2, both replicas execute and reply, heartbeats and truncation: a deep graph.
    expect(r.distinctStates).toBeGreaterThan(10_000);
    expect(r.depth).toBeGreaterThanOrEqual(30);
  }, 120_000);

  it('3 replicas, one request to the leader, a stable leader: complete search, every invariant, refinement, and the request answered', () => {
    const r = run({ replicas: 3, heartbeatsMax: 0, liveness: true }, { liveness: true });
    expect(r.violation).toBeNull();
    expect(r.properties.map((p) => [p.name, p.status])).toEqual(
      [...invariantNames.map((n) => [n, 'ok']), ['IronRSL(counter)', 'ok'], ['c0Answered', 'ok']]);
    expect(r.queueLeft).toBe(0);
    // Learners take 2bs at once (sound at one ballot: see withEagerLearners in model.ts).
    expect(r.bounds).toContain('learners take 2bs at once');
    expect(r.distinctStates).toBeGreaterThan(50_000);
    expect(r.depth).toBeGreaterThanOrEqual(40);
  }, 300_000);

  it('the eager learners change nothing the invariants see: 2 replicas give the same verdicts with and without them', () => {
    const full = run({ replicas: 2, heartbeatsMax: 0, eagerLearners: false });
    const eager = run({ replicas: 2, heartbeatsMax: 0, eagerLearners: true });
    expect(full.violation).toBeNull();
    expect(eager.violation).toBeNull();
    expect(eager.distinctStates).toBeLessThan(full.distinctStates);
    // The same replica states other than learners, and the same networks, are reached.
    const projections = (eagerLearners: boolean): Set<string> => {
      const model = rslModel({ replicas: 2, heartbeatsMax: 0, eagerLearners });
      const seen = new Set<string>();
      const out = new Set<string>();
      const key = (ds: RslDistributedState<number>): string =>
        [...ds.hosts.values()].map((h) => replicaKey(h)).join('#') + ds.network.map((p) => `${p.src}>${p.dst}:${msgKey(p.msg)}`).join(',');
      const noLearner = (ds: RslDistributedState<number>): string =>
        [...ds.hosts.values()].map((h) => replicaKey({ ...h, learner: learnerInit() })).join('#') +
        ds.network.map((p) => `${p.src}>${p.dst}:${msgKey(p.msg)}`).join(',');
      const queue: RslDistributedState<number>[] = [];
      model.initial((s) => queue.push(s));
      while (queue.length > 0) {
        const s = queue.pop();
        if (s === undefined) break;
        const k = key(s);
        if (seen.has(k)) continue;
        seen.add(k);
        out.add(noLearner(s));
        if (model.constraint?.(s) === false) continue;
        model.successors(s, (_a, t) => queue.push(t));
      }
      return out;
    };
    // Every state of the full graph has one in the reduced graph that differs only in its learners,
    // and the reduced graph's states are states of the full graph.
    const a = projections(false);
    const b = projections(true);
    expect([...a].filter((k) => !b.has(k))).toEqual([]);
    expect([...b].filter((k) => !a.has(k))).toEqual([]);
  }, 120_000);

  it('lossy links between the clients and the service: every request is answered (the client resends, the reply cache answers)', () => {
    const r = run({ replicas: 2, heartbeatsMax: 0, network: 'lossy', lose: 'clients', liveness: true }, { liveness: true });
    expect(r.violation).toBeNull();
    expect(r.properties.map((p) => [p.name, p.status])).toEqual([['c0Answered', 'ok']]);
  }, 120_000);

  it('lossy links everywhere, a stable leader: a lost 1a is never sent again, so liveness needs a view change', () => {
    const r = run({ replicas: 1, heartbeatsMax: 0, network: 'lossy', liveness: true }, { liveness: true });
    expect(r.violation?.property).toBe('c0Answered');
    expect(r.violation?.trace.steps.some((s) => s.action?.startsWith('lose(r') === true)).toBe(true);
  }, 120_000);
});

/** The cheapest view change: 2 replicas, the request to both, two view tests each, one heartbeat from r0. */
const viewChange: RslModelOptions = { replicas: 2, viewTestsMax: 2, clientTo: 'all', heartbeatsMax: [1, 0], opnMax: 1 };

describe('IronRSL model catches broken replicas', () => {
  it('the correct replica passes the view-change bounds (complete search)', () => {
    const r = run(viewChange);
    expect(r.violation).toBeNull();
    expect(r.queueLeft).toBe(0);
    expect(r.distinctStates).toBeGreaterThan(50_000);
  }, 300_000);

  it('an acceptor that takes a 2a below its promise lowers it, after a view change', () => {
    const r = run({ ...viewChange, bug: 'accept-below-promise' });
    expect(r.violation?.property).toBe('promiseCoversSent');
    const actions = r.violation?.trace.steps.map((s) => s.action) ?? [];
    expect(actions).toContain('checkSuspicion(r1)');
    expect(actions.at(-1)).toBe('process2a(r0)');
  }, 300_000);

  it('a new leader that ignores the values in its 1bs overwrites a chosen value', () => {
    const r = run({ ...viewChange, bug: 'ignore-1b-votes' });
    expect(r.violation?.property).toBe('chosenAgreement');
    const actions = r.violation?.trace.steps.map((s) => s.action) ?? [];
    expect(actions).toContain('maybeEnterNewView(r1)');
    expect(actions).toContain('maybeNominate(r1)');
  }, 300_000);

  it('a learner that counts a 2b delivered twice decides a slot that is not chosen', () => {
    const r = run({ replicas: 2, heartbeatsMax: 0, bug: 'learner-counts-twice' });
    expect(r.violation?.property).toBe('decisionIsChosen');
    // The shortest trace: phase 1, the request, one 2a accepted by the leader, its own 2b taken twice.
    expect(r.violation?.trace.steps.filter((s) => s.action === 'process2b(r0)' || s.action === 'process2b(r1)').length).toBe(2);
  }, 60_000);

  it('truncation to the highest checkpoint forgets slots only one replica executed', () => {
    const r = run({ replicas: 2, heartbeatsMax: 1, bug: 'truncate-to-highest' });
    expect(r.violation?.property).toBe('truncationBelowQuorumExecuted');
    expect(r.violation?.trace.steps.some((s) => s.action?.startsWith('truncateLog(') === true)).toBe(true);
  }, 60_000);

  it('a proposer that ignores its window proposes a slot whose 2a truncates below a quorum\'s execution', () => {
    const r = run({ replicas: 2, requests: 2, heartbeatsMax: 0, params: { logLengthMax: 1 }, bug: 'ignore-window' });
    expect(r.violation?.property).toBe('truncationBelowQuorumExecuted');
    // The correct proposer on the same bounds is fine.
    expect(run({ replicas: 2, requests: 2, heartbeatsMax: 0, params: { logLengthMax: 1 } }).violation).toBeNull();
  }, 60_000);

  it('two interchangeable clients: symmetry halves the states, with the same verdicts, and still catches a bug', () => {
    const bounds: RslModelOptions = { replicas: 2, clients: 2, heartbeatsMax: 0, opnMax: 3, params: { logLengthMax: 3 } };
    // Each class has one or two states (clients swapped), so the classes are at least half.
    expectFewerClassesSameVerdict(bounds, 2);
    expect(run({ ...bounds, bug: 'learner-counts-twice' }, { symmetry: true }).violation?.property).toBe('decisionIsChosen');
  }, 120_000);

  it('followers of a stable leader are interchangeable: symmetry halves the states, with the same verdicts, and still catches a bug', () => {
    const bounds: RslModelOptions = { replicas: 3, heartbeatsMax: 0 };
    // One client, so a class has one or two states (r1 and r2 swapped).
    expectFewerClassesSameVerdict(bounds, 2);
    const bug = run({ ...bounds, bug: 'execute-twice' }, { symmetry: true });
    expect(bug.violation?.property).toBe('executedPrefixesAgree');
    // Followers with different heartbeat bounds, or a leader that may change, are not interchangeable.
    expect(rslModel({ replicas: 3, heartbeatsMax: [0, 1, 0] }).symmetry).toBeUndefined();
    expect(rslModel({ replicas: 3, heartbeatsMax: [1, 0, 0] }).symmetry).toBeDefined();
    expect(rslModel({ replicas: 3, viewTestsMax: 2 }).symmetry).toBeUndefined();
  }, 120_000);

  it('an executor without the seqno test runs a request that sits in two slots twice', () => {
    const r = run({ replicas: 2, heartbeatsMax: 0, bug: 'execute-twice' });
    expect(r.violation?.property).toBe('executedPrefixesAgree');
    expect(r.violation?.trace.steps.filter((s) => s.action === 'maybeExecute(r0)' || s.action === 'maybeExecute(r1)').length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});

describe('IronRSL model with crashes', () => {
  it('2 replicas crashing and restarting, one or both at once: every invariant and refinement hold (complete search)', () => {
    const plain = run({ replicas: 2, heartbeatsMax: 0 });
    const r = run({ replicas: 2, heartbeatsMax: 0, crashes: true });
    expect(r.violation).toBeNull();
    expect(r.queueLeft).toBe(0);
    // The crashes reach states the crash-free model does not: restarted replicas, views left by them.
    expect(r.distinctStates).toBeGreaterThan(10 * plain.distinctStates);
  }, 300_000);

  it('a restarted replica that forgets its last 1a leads its view a second time', () => {
    const r = run({ replicas: 2, heartbeatsMax: 0, bug: 'restart-forgets-1a' });
    expect(r.violation?.property).toBe('maxBalLedByProposer');
    const actions = r.violation?.trace.steps.map((s) => s.action) ?? [];
    expect(actions.some((a) => a?.startsWith('crash') === true)).toBe(true);
  }, 300_000);

  it('refuses crashes together with liveness', () => {
    expect(() => rslModel({ replicas: 2, crashes: true, liveness: true })).toThrow(/safety only/);
  });
});
