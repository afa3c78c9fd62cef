import { describe, expect, it } from 'vitest';
import { check } from '../check/check.js';
import type { CheckOptions } from '../check/check.js';
import { rslModel } from './model.js';
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

const invariantNames = [
  'chosenAgreement', 'twoAsAgree', 'twoBHas2a', 'oneBVotesBelowBallot', 'voteBelowMaxBal', 'promiseCoversSent', 'maxBalLedByProposer',
  'votesInWindow', 'truncationBelowQuorumExecuted', 'checkpointsNotAhead', 'leaderLtpCoversHeld1bs', 'decisionIsChosen',
  'executedPrefixesAgree', 'repliesMatchSpec',
];

describe('IronRSL model', () => {
  it('2 replicas, one request, one heartbeat each: every invariant holds and every step refines the spec (complete search)', () => {
    const r = run({ replicas: 2, heartbeatsMax: 1 });
    expect(r.violation).toBeNull();
    expect(r.properties.map((p) => [p.name, p.status])).toEqual([...invariantNames.map((n) => [n, 'ok']), ['IronRSL(counter)', 'ok']]);
    expect(r.queueLeft).toBe(0);
    // Phase 1, phase 2, both replicas execute and reply, heartbeats and truncation: a deep graph.
    expect(r.distinctStates).toBeGreaterThan(10_000);
    expect(r.depth).toBeGreaterThanOrEqual(30);
  }, 120_000);

  it('3 replicas, one request to the leader: no violation up to depth 16 (the request is chosen, executed and answered by depth 15)', () => {
    const r = run({ replicas: 3, heartbeatsMax: 0 }, { maxDepth: 16 });
    expect(r.violation).toBeNull();
    expect(r.properties.every((p) => p.status === 'ok')).toBe(true);
    expect(r.depth).toBe(16);
    expect(r.distinctStates).toBeGreaterThan(15_000);
    // The bound reaches a reply: with "no reply yet" as an invariant, the search finds one within it.
    const model = rslModel({ replicas: 3, heartbeatsMax: 0 });
    const replied = check({ ...model, invariants: [{ name: 'noReplyYet', holds: (ds) => !ds.network.some((p) => p.msg.type === 'reply') }] },
      { liveness: false, maxDepth: 16 });
    if (!replied.ok) throw new Error(replied.error);
    expect(replied.value.violation?.property).toBe('noReplyYet');
    expect(replied.value.violation?.trace.steps.length).toBe(16);
  }, 120_000);
});

describe('IronRSL model catches broken replicas', () => {
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

  it('an executor without the seqno test runs a request that sits in two slots twice', () => {
    const r = run({ replicas: 2, heartbeatsMax: 0, bug: 'execute-twice' });
    expect(r.violation?.property).toBe('executedPrefixesAgree');
    expect(r.violation?.trace.steps.filter((s) => s.action === 'maybeExecute(r0)' || s.action === 'maybeExecute(r1)').length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
