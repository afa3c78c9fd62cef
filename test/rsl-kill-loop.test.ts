import { describe, expect, it } from 'vitest';
import { rslKillLoop } from '../src/cli/kill-loop.js';

// Real processes over TLS on loopback: a replica (the leader half of the time) is killed with
// SIGKILL every few seconds under a write load and restarted from its data directory; then every
// key is read back and the history must be linearizable. `ironfleet verify` runs the same loop for
// 60 s with the monitor on. Every wait is for a condition, so a slow machine makes it slower, never failing.

/** Time the test may take: generous, so that load slows it down but never fails it. */
const killLoopTestTimeoutMs = 400_000;

describe('the IronRSL kill loop', () => {
  it('loses no acknowledged write while replicas are killed and restarted from their disks under load', async () => {
    const lines: string[] = [];
    const r = await rslKillLoop({
      durationMs: 12_000, killEveryMs: 2_500, threads: 8, keys: 24, checked: false, waitMs: 120_000, seed: 7, say: (l) => lines.push(l),
    });
    expect(r.problems, lines.join('\n')).toEqual([]);
    expect(r.verdict.kind).toBe('linearizable');
    // The loop did what it claims: several kills, and the service kept answering through them.
    expect(r.kills).toBeGreaterThanOrEqual(2);
    expect(r.finalReads).toBe(24);
    expect(r.summary.ops).toBeGreaterThan(r.kills * 8);
  }, killLoopTestTimeoutMs);

  it('catches a broken variant whose replicas restart from empty data directories', async () => {
    const lines: string[] = [];
    const r = await rslKillLoop({
      durationMs: 3_000, killEveryMs: 2_000, threads: 8, keys: 24, checked: false, waitMs: 120_000, seed: 7, say: (l) => lines.push(l),
      variant: 'restart-empty',
    });
    expect(r.verdict.kind, lines.join('\n')).toBe('notLinearizable');
    expect(r.problems.join('\n')).toMatch(/the history is notLinearizable/);
  }, killLoopTestTimeoutMs);
});
