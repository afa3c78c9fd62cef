import { describe, expect, it } from 'vitest';
import { Cluster, counterApp, rslBugProtocol } from '../testing.js';
import { replicaRestart } from './replica.js';
import type { RslMsg } from './messages.js';

// Scenario tests: replicas driven by hand through IronRSL's normal case, the reply cache, a view
// change, log truncation and state transfer. Each step must be enabled (Cluster.act fails the test
// otherwise), and the invariants of refinement.ts must hold at the end of each scenario.

const request = (seqno: number, add: number): RslMsg<number> => ({ type: 'request', seqno, payload: Uint8Array.of(add) });

/** A cluster whose leader r0 has run phase 1 with everyone and entered phase 2. */
function elected(params = {}): Cluster {
  const c = new Cluster(['r0', 'r1', 'r2'], params);
  c.elect('r0');
  return c;
}

describe('IronRSL replica: the normal case', () => {
  it('a request reaches the leader, is proposed after the batch delay, chosen, executed everywhere and answered by the leader', () => {
    const c = elected();
    expect(c.host('r0').proposer.currentState).toBe(2);
    expect(c.host('r0').proposer.received1bs.size).toBe(3);
    expect(c.sentTo('r1', 'startingPhase2')).toEqual([{ src: 'r0', msg: { type: 'startingPhase2', ballot: { seqno: 1, proposer: 0 }, logTruncationPoint: 0 } }]);

    c.clientSends('c1', 'r0', request(1, 5));
    c.deliver('request', 'processRequest');
    expect(c.host('r0').proposer.requestQueue.map((r) => r.seqno)).toEqual([1]);
    // The first nomination only starts the batch timer; before it expires nothing is proposed.
    expect(c.act('r0', 'maybeNominate', { nowMs: 100 })).toEqual([]);
    expect(c.tryAct('r0', 'maybeNominate', { nowMs: 105 })).toBe('cannot nominate, or nothing to nominate');
    const twoAs = c.act('r0', 'maybeNominate', { nowMs: 110 });
    expect(twoAs.map((p) => [p.dst, p.msg.type])).toEqual([['r0', '2a'], ['r1', '2a'], ['r2', '2a']]);
    expect(c.host('r0').proposer.nextOpnToPropose).toBe(1);
    expect(c.spec().log).toEqual([]);

    c.commit();
    for (const id of c.ids) {
      expect(c.host(id).executor.opsComplete).toBe(1);
      expect(c.host(id).executor.app).toBe(5);
    }
    // The leader answers, with the app's reply [ours: in IronFleet every replica does]; every
    // replica's cache holds the reply, for a resend to any of them.
    const replies = c.sentTo('c1', 'reply');
    expect(replies.map((r) => r.src)).toEqual(['r0']);
    for (const r of replies) expect(r.msg).toEqual({ type: 'reply', seqno: 1, reply: Uint8Array.of(5) });
    for (const id of c.ids) expect(c.host(id).executor.replyCache.get('c1')).toEqual({ client: 'c1', seqno: 1, reply: Uint8Array.of(5) });
    expect(c.spec().log.map((r) => `${r.client}#${r.seqno}`)).toEqual(['c1#1']);
    expect(c.failingInvariants()).toEqual([]);
  });

  it('with eagerSlotsMax, an incomplete batch goes out at once while few slots are in flight, else waits for the timer [ours]', () => {
    const c = elected({ eagerSlotsMax: 1 });
    c.clientSends('c1', 'r0', request(1, 5));
    c.deliver('request', 'processRequest');
    // Nothing in flight: proposed at once, no timer.
    expect(c.act('r0', 'maybeNominate', { nowMs: 100 }).map((p) => p.msg.type)).toEqual(['2a', '2a', '2a']);
    c.clientSends('c2', 'r0', request(1, 7));
    c.deliver('request', 'processRequest');
    // Slot 0 is in flight (not executed at r0): the timer starts, and only its expiry proposes.
    expect(c.act('r0', 'maybeNominate', { nowMs: 101 })).toEqual([]);
    expect(c.tryAct('r0', 'maybeNominate', { nowMs: 105 })).toBe('cannot nominate, or nothing to nominate');
    c.commit(['r0', 'r1', 'r2'], ['r0']);
    expect(c.host('r0').executor.opsComplete).toBe(1);
    // Slot 0 executed at r0: eager again before the timer expires.
    expect(c.act('r0', 'maybeNominate', { nowMs: 106 }).map((p) => p.msg)).toContainEqual(expect.objectContaining({ type: '2a', opn: 1 }));
    expect(c.failingInvariants()).toEqual([]);
  });

  it('a full batch is proposed at once, and a slot needs a quorum of distinct senders to be decided', () => {
    const c = elected({ batchSizeMax: 2 });
    c.clientSends('c1', 'r0', request(1, 1));
    c.clientSends('c2', 'r0', request(1, 2));
    c.deliver('request', 'processRequest');
    const sent = c.act('r0', 'maybeNominate', { nowMs: 0 });
    expect(sent[0]?.msg).toMatchObject({ type: '2a', opn: 0 });
    expect(sent[0]?.msg.type === '2a' ? sent[0].msg.batch.map((r) => r.client) : []).toEqual(['c1', 'c2']);
    // Only r0's own 2b reaches r1, twice: one sender is not a quorum.
    c.deliver('2a', 'process2a', { to: ['r0'] });
    const twoB = c.network.find((p) => p.dst === 'r1' && p.msg.type === '2b');
    expect(twoB).toBeDefined();
    if (twoB === undefined) return;
    c.act('r1', 'process2b', { packet: twoB });
    c.act('r1', 'process2b', { packet: twoB });
    expect(c.host('r1').learner.unexecuted.get(0)?.senders.size).toBe(1);
    expect(c.tryAct('r1', 'maybeMakeDecision')).toBe('next slot not decided');
    c.commit(['r1'], ['r1']);
    expect(c.host('r1').executor.app).toBe(3);
    expect(c.failingInvariants()).toEqual([]);
  });

  it('an acceptor refuses a 2a below its promise, and a repeated 1a gets no second 1b', () => {
    const c = elected();
    const oneA = c.network.find((p) => p.dst === 'r1' && p.msg.type === '1a');
    if (oneA === undefined) throw new Error('no 1a');
    expect(c.tryAct('r1', 'process1a', { packet: oneA })).toBe('1a ballot not above the promise');
    const stale = c.clientSends('r0', 'r1', { type: '2a', ballot: { seqno: 0, proposer: 2 }, opn: 0, batch: [] });
    expect(c.tryAct('r1', 'process2a', { packet: stale })).toBe('2a below the promise');
  });

  it('ignores packets from strangers, except requests', () => {
    const c = elected();
    const fake = c.clientSends('x9', 'r1', { type: '2a', ballot: { seqno: 9, proposer: 0 }, opn: 0, batch: [] });
    expect(c.tryAct('r1', 'process2a', { packet: fake })).toBe('2a from x9, not a replica');
    expect(c.act('r1', 'ignore', { packet: fake })).toEqual([]);
    const req = c.clientSends('x9', 'r0', request(1, 1));
    expect(typeof c.tryAct('r0', 'ignore', { packet: req })).toBe('string');
  });

  it('a replica that does not lead hints the leader to the client [ours]', () => {
    const c = elected();
    c.clientSends('c1', 'r2', request(1, 1));
    c.deliver('request', 'processRequest');
    expect(c.sentTo('c1', 'leaderHint')).toEqual([{ src: 'r2', msg: { type: 'leaderHint', seqno: 1, leader: 'r0' } }]);
    expect(c.host('r2').proposer.requestQueue).toEqual([]);
    expect(c.host('r2').proposer.election.requestsThisEpoch.map((r) => r.seqno)).toEqual([1]);
  });
});

describe('IronRSL replica: the reply cache [ours: exactly once]', () => {
  it('answers a duplicate request from the cache without executing it', () => {
    const c = elected({ batchSizeMax: 1 });
    c.clientSends('c1', 'r0', request(1, 5));
    c.deliver('request', 'processRequest');
    c.act('r0', 'maybeNominate', { nowMs: 0 });
    c.commit();
    const before = c.host('r0');
    const dup = c.clientSends('c1', 'r0', request(1, 5));
    expect(c.tryAct('r0', 'processRequest', { packet: dup })).toBe('answered from the reply cache');
    const sent = c.act('r0', 'replyFromCache', { packet: dup });
    expect(sent).toEqual([{ src: 'r0', dst: 'c1', msg: { type: 'reply', seqno: 1, reply: Uint8Array.of(5) } }]);
    expect(c.host('r0')).toBe(before);
    expect(c.host('r0').proposer.requestQueue).toEqual([]);
    // A newer request is not in the cache: it goes to the proposer.
    const next = c.clientSends('c1', 'r0', request(2, 1));
    expect(c.tryAct('r0', 'replyFromCache', { packet: next })).toBe('no cached reply at that seqno or later');
  });

  it('a request that sits in two slots executes once; the second slot only resends the reply', () => {
    const c = elected({ batchSizeMax: 1 });
    c.clientSends('c1', 'r0', request(1, 5));
    c.deliver('request', 'processRequest');
    c.act('r0', 'maybeNominate', { nowMs: 0 });
    c.commit();
    // A leader that re-proposes the request (as a new leader does with what it heard of) in slot 1.
    const r0 = c.host('r0');
    c.hosts.set('r0', { ...r0, proposer: { ...r0.proposer, requestQueue: [{ client: 'c1', seqno: 1, payload: Uint8Array.of(5) }] } });
    c.act('r0', 'maybeNominate', { nowMs: 0 });
    c.commit();
    for (const id of c.ids) {
      expect(c.host(id).executor.opsComplete).toBe(2);
      expect(c.host(id).executor.app).toBe(5);
    }
    expect(c.spec().log.length).toBe(1);
    expect(c.failingInvariants()).toEqual([]);
  });
});

/** Makes r1 and r2 suspect view (1, 0) over a request r0 never proposes, and r1 take view (1, 1). */
function suspectLeader(c: Cluster): void {
  c.clientSends('c9', 'r1', request(1, 7));
  c.clientSends('c9', 'r2', request(1, 7));
  c.deliver('request', 'processRequest');
  for (const id of ['r1', 'r2']) {
    // The first epoch ends healthy (the request arrived in it); the next one, still unexecuted, suspects.
    c.act(id, 'checkViewTimeout', { nowMs: 0 });
    expect(c.host(id).proposer.election.suspectors.has(Number(id.slice(1)))).toBe(false);
    expect(c.tryAct(id, 'checkViewTimeout', { nowMs: 500 })).toBe('epoch not over');
    c.act(id, 'checkViewTimeout', { nowMs: 1000 });
  }
  expect(c.tryAct('r1', 'checkSuspicion', { nowMs: 1000 })).toBe('no quorum of suspicions');
  c.act('r2', 'sendHeartbeat', { nowMs: 1000 });
  c.deliver('heartbeat', 'processHeartbeat', { to: ['r1'], nowMs: 1000 });
  expect([...c.host('r1').proposer.election.suspectors].sort()).toEqual([1, 2]);
  c.act('r1', 'checkSuspicion', { nowMs: 1000 });
}

describe('IronRSL replica: view change', () => {
  it('after a quorum suspects the leader, the next replica leads and gets the pending request chosen', () => {
    const c = elected();
    suspectLeader(c);
    const e = c.host('r1').proposer.election;
    expect(e.currentView).toEqual({ seqno: 1, proposer: 1 });
    expect(e.epochLengthMs).toBe(2000);
    expect(e.epochEndTime).toBe(3000);
    // r0 is down from here on: r1 and r2 are a quorum.
    c.elect('r1', ['r1', 'r2']);
    expect(c.host('r1').proposer.currentState).toBe(2);
    expect(c.host('r1').proposer.requestQueue.map((r) => `${r.client}#${r.seqno}`)).toEqual(['c9#1']);
    c.act('r1', 'maybeNominate', { nowMs: 1000 });
    c.act('r1', 'maybeNominate', { nowMs: 1010 });
    c.commit(['r1', 'r2'], ['r1', 'r2']);
    expect(c.host('r2').executor.app).toBe(7);
    expect(c.host('r0').executor.opsComplete).toBe(0);
    // A 2a from the old leader is now below every promise of the quorum.
    const old = c.clientSends('r0', 'r2', { type: '2a', ballot: { seqno: 1, proposer: 0 }, opn: 1, batch: [] });
    expect(c.tryAct('r2', 'process2a', { packet: old })).toBe('2a below the promise');
    // The election forgot the executed request: the new epoch can end healthy.
    expect(c.host('r1').proposer.election.requestsPrevEpochs).toEqual([]);
    expect(c.failingInvariants()).toEqual([]);
  });

  it('a new leader re-proposes the value a quorum member voted for, not its own queue', () => {
    const c = elected({ batchSizeMax: 1 });
    c.clientSends('c1', 'r0', request(1, 3));
    c.deliver('request', 'processRequest', { to: ['r0'] });
    c.act('r0', 'maybeNominate', { nowMs: 0 });
    // Only r2 accepts r0's value; nobody learns it.
    c.deliver('2a', 'process2a', { to: ['r2'] });
    c.pending = c.pending.filter((p) => p.msg.type !== '2a' && p.msg.type !== '2b');
    suspectLeader(c);
    c.elect('r1', ['r1', 'r2']);
    const twoAs = c.act('r1', 'maybeNominate', { nowMs: 1000 });
    const proposal = twoAs[0]?.msg;
    expect(proposal?.type).toBe('2a');
    expect(proposal?.type === '2a' ? proposal.batch.map((r) => r.payload[0]) : []).toEqual([3]);
    c.commit(['r1', 'r2'], ['r1', 'r2']);
    expect(c.host('r1').executor.app).toBe(3);
    // Then the request r1 itself queued goes in slot 1 (a full batch of one: at once).
    c.act('r1', 'maybeNominate', { nowMs: 1000 });
    c.commit(['r1', 'r2'], ['r1', 'r2']);
    expect(c.host('r1').executor.app).toBe(10);
    expect(c.failingInvariants()).toEqual([]);
  });
});

/** Runs `n` single-request slots through leader r0 with everyone. */
function runSlots(c: Cluster, n: number, acceptors = c.ids, learners = c.ids): void {
  for (let i = 1; i <= n; i++) {
    c.clientSends('c1', 'r0', request(i, 1));
    c.deliver('request', 'processRequest', { to: ['r0'] });
    c.act('r0', 'maybeNominate', { nowMs: 0 });
    c.commit(acceptors, learners);
  }
}

describe('IronRSL replica: log truncation', () => {
  it('truncates to the point a quorum reported by heartbeat, not further', () => {
    const c = elected({ batchSizeMax: 1, logLengthMax: 3 });
    runSlots(c, 2);
    expect([...c.host('r0').acceptor.votes.keys()]).toEqual([0, 1]);
    expect(c.tryAct('r0', 'truncateLog')).toBe('no quorum checkpoint above the truncation point');
    c.act('r1', 'sendHeartbeat', { nowMs: 100 });
    c.deliver('heartbeat', 'processHeartbeat', { to: ['r0'], nowMs: 100 });
    // One replica's checkpoint is not a quorum's.
    expect(c.host('r0').acceptor.lastCheckpointed).toEqual([0, 2, 0]);
    expect(c.tryAct('r0', 'truncateLog')).toBe('no quorum checkpoint above the truncation point');
    c.act('r2', 'sendHeartbeat', { nowMs: 100 });
    c.deliver('heartbeat', 'processHeartbeat', { to: ['r0'], nowMs: 100 });
    c.act('r0', 'truncateLog');
    expect(c.host('r0').acceptor.logTruncationPoint).toBe(2);
    expect(c.host('r0').acceptor.votes.size).toBe(0);
    // Heartbeats are not due again before the period.
    expect(c.tryAct('r2', 'sendHeartbeat', { nowMs: 150 })).toBe('heartbeat not due');
    expect(c.failingInvariants()).toEqual([]);
  });

  it('an acceptor keeps at most logLengthMax slots, and the leader proposes no further than its window', () => {
    const c = elected({ batchSizeMax: 1, logLengthMax: 2 });
    runSlots(c, 2, ['r0', 'r1'], ['r0', 'r1']);
    // r2 saw nothing: the leader's own truncation point is 0, so slot 2 is outside its window.
    c.clientSends('c1', 'r0', request(3, 1));
    c.deliver('request', 'processRequest', { to: ['r0'] });
    expect(c.tryAct('r0', 'maybeNominate', { nowMs: 0 })).toBe('cannot nominate, or nothing to nominate');
    for (const id of ['r0', 'r1']) c.act(id, 'sendHeartbeat', { nowMs: 0 });
    c.deliver('heartbeat', 'processHeartbeat', { to: ['r0'], nowMs: 0 });
    c.act('r0', 'truncateLog');
    c.act('r0', 'maybeNominate', { nowMs: 0 });
    c.deliver('2a', 'process2a', { to: ['r1'] });
    // The acceptor slid its window to slots [1, 3).
    expect(c.host('r1').acceptor.logTruncationPoint).toBe(1);
    expect([...c.host('r1').acceptor.votes.keys()]).toEqual([1, 2]);
    expect(c.failingInvariants()).toEqual([]);
  });
});

describe('IronRSL replica: state transfer', () => {
  it('a replica behind the truncation point asks for state with its heartbeat and catches up in the same view [ours]', () => {
    const c = elected({ batchSizeMax: 1, logLengthMax: 2 });
    // r2 misses two slots that r0 and r1 execute; heartbeats tell every acceptor, r2's included.
    runSlots(c, 2, ['r0', 'r1'], ['r0', 'r1']);
    c.pending = c.pending.filter((p) => p.dst !== 'r2');
    for (const id of ['r0', 'r1']) c.act(id, 'sendHeartbeat', { nowMs: 0 });
    c.deliver('heartbeat', 'processHeartbeat', { nowMs: 0 });
    c.act('r2', 'truncateLog');
    expect(c.host('r2').acceptor.logTruncationPoint).toBe(2);
    expect(c.host('r2').executor.opsComplete).toBe(0);
    // A 2b two windows ahead is not learnt: the learner stays bounded while r2 is behind.
    const far = { src: 'r0', dst: 'r2', msg: { type: '2b' as const, ballot: { seqno: 1, proposer: 0 }, opn: 4, batch: [] } };
    expect(c.tryAct('r2', 'process2b', { packet: far })).toBe('slot beyond the learner window');
    // r2's heartbeat carries a state request; r0 and r1 supply; r2 catches up with no view change.
    const sent = c.act('r2', 'sendHeartbeat', { nowMs: 0 });
    expect(sent.filter((p) => p.msg.type === 'appStateRequest').map((p) => p.msg)).toEqual(
      ['r0', 'r1', 'r2'].map(() => ({ type: 'appStateRequest', ballot: { seqno: 1, proposer: 0 }, opn: 2 })));
    c.deliver('appStateRequest', 'processAppStateRequest', { to: ['r0', 'r1'] });
    expect(c.deliver('appStateSupply', 'processAppStateSupply', { to: ['r2'] })).toBe(1);
    expect(c.host('r2').executor.opsComplete).toBe(2);
    expect(c.host('r2').executor.app).toBe(2);
    expect(c.host('r2').proposer.election.currentView).toEqual({ seqno: 1, proposer: 0 });
    // Caught up: the next heartbeat asks for nothing.
    expect(c.act('r2', 'sendHeartbeat', { nowMs: 200 }).some((p) => p.msg.type === 'appStateRequest')).toBe(false);
    expect(c.failingInvariants()).toEqual([]);
  });

  it('a replica behind the new leader\'s truncation point catches up by state transfer, reply cache included', () => {
    const c = elected({ batchSizeMax: 1, logLengthMax: 2 });
    // r2 is cut off while r0 and r1 execute two slots and truncate.
    runSlots(c, 2, ['r0', 'r1'], ['r0', 'r1']);
    for (const id of ['r0', 'r1']) c.act(id, 'sendHeartbeat', { nowMs: 0 });
    c.deliver('heartbeat', 'processHeartbeat', { to: ['r0', 'r1'], nowMs: 0 });
    c.act('r1', 'truncateLog');
    expect(c.host('r1').acceptor.logTruncationPoint).toBe(2);
    c.pending = c.pending.filter((p) => p.dst !== 'r2');
    // r1 leads view (1, 1) after suspicions; its phase 2 starts at its truncation point, 2.
    suspectLeader(c);
    c.elect('r1', ['r1', 'r2']);
    expect(c.sentTo('r2', 'startingPhase2')).toContainEqual({ src: 'r1', msg: { type: 'startingPhase2', ballot: { seqno: 1, proposer: 1 }, logTruncationPoint: 2 } });
    expect(c.host('r2').executor.opsComplete).toBe(0);
    c.deliver('startingPhase2', 'processStartingPhase2', { to: ['r2'] });
    c.deliver('appStateRequest', 'processAppStateRequest', { to: ['r0', 'r1'] });
    expect(c.sentTo('r2', 'appStateSupply').map((p) => p.msg.opn)).toEqual([2, 2]);
    expect(c.deliver('appStateSupply', 'processAppStateSupply', { to: ['r2'] })).toBe(1);
    const r2 = c.host('r2').executor;
    expect(r2.opsComplete).toBe(2);
    expect(r2.app).toBe(2);
    expect(r2.replyCache.get('c1')?.seqno).toBe(2);
    // The transferred cache answers a resend without executing it.
    const dup = c.clientSends('c1', 'r2', request(2, 1));
    expect(c.act('r2', 'replyFromCache', { packet: dup })).toEqual([{ src: 'r2', dst: 'c1', msg: { type: 'reply', seqno: 2, reply: Uint8Array.of(2) } }]);
    expect(c.failingInvariants()).toEqual([]);
  });
});

describe('IronRSL replica: a broken acceptor, caught by the invariants', () => {
  it('an acceptor that takes a 2a below its promise lowers it, and promiseCoversSent fails', () => {
    const c = new Cluster();
    const broken = rslBugProtocol(counterApp, 'accept-below-promise');
    c.elect('r0');
    c.clientSends('c1', 'r0', request(1, 3));
    c.deliver('request', 'processRequest', { to: ['r0'] });
    c.act('r0', 'maybeNominate', { nowMs: 0 });
    c.act('r0', 'maybeNominate', { nowMs: 10 });
    // r1 promises view (1, 1) to r1 before r0's 2a for (1, 0) reaches it.
    suspectLeader(c);
    c.act('r1', 'maybeEnterNewView');
    c.deliver('1a', 'process1a', { to: ['r1'] });
    expect(c.failingInvariants()).toEqual([]);
    const twoA = c.network.find((p) => p.dst === 'r1' && p.msg.type === '2a');
    if (twoA === undefined) throw new Error('no 2a');
    expect(c.tryAct('r1', 'process2a', { packet: twoA })).toBe('2a below the promise');
    const out = broken.actions.process2a?.(c.host('r1'), { packet: twoA });
    if (out === undefined || !('state' in out)) throw new Error('the broken acceptor refused');
    c.hosts.set('r1', out.state);
    expect(c.failingInvariants()).toEqual(['promiseCoversSent']);
  });
});

/**
 * r0 proposes c1's request in slot 0 at view (1, 0), and only its own acceptor takes it; then r1
 * leads view (1, 1) with r2 (neither voted) and proposes c9's request in slot 0. Its 2as are pending.
 */
function slotZeroAtTwoBallots(c: Cluster): void {
  c.elect('r0');
  c.clientSends('c1', 'r0', request(1, 3));
  c.deliver('request', 'processRequest', { to: ['r0'] });
  c.act('r0', 'maybeNominate', { nowMs: 0 });
  c.deliver('2a', 'process2a', { to: ['r0'] });
  expect(c.host('r0').learner.proposed.get(0)?.ballot).toEqual({ seqno: 1, proposer: 0 });
  c.pending = c.pending.filter((p) => p.msg.type !== '2a' && p.msg.type !== '2b');
  suspectLeader(c);
  c.elect('r1', ['r1', 'r2']);
  c.act('r1', 'maybeNominate', { nowMs: 1000 });
}

describe('IronRSL replica: a broken learner, caught by the invariants', () => {
  it('a learner that decides with a batch from an older ballot\'s 2a decides a value that is not chosen', () => {
    const c = new Cluster(['r0', 'r1', 'r2'], { batchSizeMax: 1 });
    const broken = rslBugProtocol(counterApp, 'learner-ignores-2a-ballot');
    slotZeroAtTwoBallots(c);
    // r0 misses r1's 2a but hears the 2bs.
    c.deliver('2a', 'process2a', { to: ['r1', 'r2'] });
    const twoBs = c.pending.filter((p) => p.dst === 'r0' && p.msg.type === '2b');
    expect(twoBs.length).toBe(2);
    // The correct r0 counts the 2bs, forgets the batch of ballot (1, 0) and waits.
    const correct = new Cluster(['r0', 'r1', 'r2'], { batchSizeMax: 1 });
    correct.hosts.set('r0', c.host('r0'));
    for (const packet of twoBs) correct.act('r0', 'process2b', { packet });
    expect(correct.host('r0').learner.unexecuted.get(0)?.senders.size).toBe(2);
    expect(correct.host('r0').learner.proposed.size).toBe(0);
    expect(correct.tryAct('r0', 'maybeMakeDecision')).toBe('next slot not decided');
    // The broken one decides c1's request.
    let r0 = c.host('r0');
    for (const packet of twoBs) {
      const out = broken.actions.process2b?.(r0, { packet });
      if (out === undefined || !('state' in out)) throw new Error('the broken learner refused a 2b');
      r0 = out.state;
    }
    const out = broken.actions.maybeMakeDecision?.(r0, {});
    if (out === undefined || !('state' in out)) throw new Error('the broken replica did not decide');
    c.hosts.set('r0', out.state);
    expect(c.failingInvariants()).toEqual(['decisionIsChosen']);
  });
});

describe('IronRSL replica: a broken acceptor vote, caught by the invariants', () => {
  it('an acceptor that keeps its old batch when it votes again at a higher ballot holds a vote no 2a proposed', () => {
    const c = new Cluster(['r0', 'r1', 'r2'], { batchSizeMax: 1 });
    const broken = rslBugProtocol(counterApp, 'vote-keeps-old-value');
    slotZeroAtTwoBallots(c);
    const twoA = c.pending.find((p) => p.dst === 'r0' && p.msg.type === '2a');
    if (twoA === undefined) throw new Error('no 2a for r0');
    expect(c.failingInvariants()).toEqual([]);
    const out = broken.actions.process2a?.(c.host('r0'), { packet: twoA });
    if (out === undefined || !('state' in out)) throw new Error('the broken acceptor refused');
    c.hosts.set('r0', out.state);
    expect(c.failingInvariants()).toEqual(['votesAre2as']);
  });
});

describe('IronRSL replica: restart after a crash', () => {
  it('keeps the promise, votes, last 1a and executor, resumes in the view its ballots name, and a leader that cannot run it leaves it at once [ours]', () => {
    const c = elected();
    c.clientSends('c1', 'r0', request(1, 5));
    c.deliver('request', 'processRequest');
    c.act('r0', 'maybeNominate', { nowMs: 100 });
    c.act('r0', 'maybeNominate', { nowMs: 110 });
    c.deliver('2a', 'process2a');
    const before = c.host('r0');
    const after = replicaRestart(before);
    expect(after.acceptor.maxBal).toEqual(before.acceptor.maxBal);
    expect(after.acceptor.votes).toBe(before.acceptor.votes);
    expect(after.acceptor.votes.size).toBe(1);
    expect(after.proposer.maxBallotISent1a).toEqual({ seqno: 1, proposer: 0 });
    expect(after.proposer.currentState).toBe(0);
    expect(after.learner.unexecuted.size).toBe(0);
    expect(after.executor.opsComplete).toBe(before.executor.opsComplete);
    expect(after.proposer.election.currentView).toEqual({ seqno: 1, proposer: 0 });
    c.hosts.set('r0', after);
    // Its 1a of view 1.0 went out before the crash: running phase 1 again could propose a slot twice.
    expect(c.tryAct('r0', 'maybeEnterNewView')).toBe('not the leader of a view without a 1a');
    c.act('r0', 'checkSuspicion', { nowMs: 0 });
    expect(c.host('r0').proposer.election.currentView).toEqual({ seqno: 1, proposer: 1 });
    // A follower restarted the same way waits for a quorum of suspicions, as before.
    c.hosts.set('r1', replicaRestart(c.host('r1')));
    expect(c.host('r1').proposer.election.currentView).toEqual({ seqno: 1, proposer: 0 });
    expect(c.tryAct('r1', 'checkSuspicion', { nowMs: 0 })).toBe('no quorum of suspicions');
  });
});
