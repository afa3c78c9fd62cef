import { describe, expect, it } from 'vitest';
import { counterApp } from '../testing.js';
import { equalMsg } from './messages.js';
import { quorumCheckpoint } from './acceptor.js';
import { balLt, defaultRslParams, quorumSize, successorView, validateRslConfig, validateRslParams } from './types.js';

describe('IronRSL types', () => {
  it('orders ballots by seqno then proposer, and rotates leaders round-robin', () => {
    expect(balLt({ seqno: 1, proposer: 2 }, { seqno: 2, proposer: 0 })).toBe(true);
    expect(balLt({ seqno: 2, proposer: 0 }, { seqno: 2, proposer: 1 })).toBe(true);
    expect(balLt({ seqno: 2, proposer: 1 }, { seqno: 2, proposer: 1 })).toBe(false);
    expect(successorView({ seqno: 1, proposer: 1 }, 3)).toEqual({ seqno: 1, proposer: 2 });
    expect(successorView({ seqno: 1, proposer: 2 }, 3)).toEqual({ seqno: 2, proposer: 0 });
    expect([1, 2, 3, 4, 5].map((n) => quorumSize({ replicaIds: Array.from({ length: n }, (_, i) => `r${i}`) }))).toEqual([1, 2, 2, 3, 3]);
  });

  it('has IronFleet\'s defaults, and validation names every bad parameter', () => {
    expect(defaultRslParams).toMatchObject({ batchSizeMax: 32, batchDelayMs: 10, heartbeatPeriodMs: 100, viewTimeoutBaselineMs: 1000, logLengthMax: 7 });
    expect(validateRslParams(defaultRslParams)).toEqual({ ok: true, value: defaultRslParams });
    const bad = validateRslParams({ ...defaultRslParams, batchSizeMax: 0, heartbeatPeriodMs: 1.5, batchDelayMs: -1 });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error).toContain('batchSizeMax must be a whole number >= 1, got 0');
    expect(bad.error).toContain('heartbeatPeriodMs must be a whole number >= 1, got 1.5');
    expect(bad.error).toContain('batchDelayMs must be a whole number >= 0, got -1');
    expect(validateRslParams({ ...defaultRslParams, integerMax: 7 }).ok).toBe(false);
    expect(validateRslConfig({ replicaIds: [] })).toEqual({ ok: false, error: 'replicaIds must not be empty' });
    expect(validateRslConfig({ replicaIds: ['a', 'b', 'a'] })).toEqual({ ok: false, error: 'replica a is listed twice' });
  });

  it('the quorum checkpoint is the quorum-th highest', () => {
    expect(quorumCheckpoint([5, 1, 3], 2)).toBe(3);
    expect(quorumCheckpoint([5, 1, 3, 3, 0], 3)).toBe(3);
    expect(quorumCheckpoint([0, 0, 9], 2)).toBe(0);
  });

  it('compares messages structurally, app states with the app\'s equality', () => {
    const supply = (app: number) => ({ type: 'appStateSupply' as const, ballot: { seqno: 1, proposer: 0 }, opn: 2, state: { app, replyCache: new Map() } });
    expect(equalMsg(counterApp.equal, supply(3), supply(3))).toBe(true);
    expect(equalMsg(counterApp.equal, supply(3), supply(4))).toBe(false);
    const twoA = (payload: number) => ({ type: '2a' as const, ballot: { seqno: 1, proposer: 0 }, opn: 0, batch: [{ client: 'c', seqno: 1, payload: Uint8Array.of(payload) }] });
    expect(equalMsg(counterApp.equal, twoA(1), twoA(1))).toBe(true);
    expect(equalMsg(counterApp.equal, twoA(1), twoA(2))).toBe(false);
    expect(equalMsg(counterApp.equal, twoA(1), { ...twoA(1), type: '2b' })).toBe(false);
  });
});
