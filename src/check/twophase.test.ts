import { describe, expect, it } from 'vitest';
import type { CheckOptions, CheckResult } from './check.js';
import { check } from './check.js';
import type { Model } from './model.js';
import { twoPhaseModel } from './models/twophase.js';
import type { TwoPhaseOptions } from './models/twophase.js';
import { formatProgress, formatResult } from './report.js';
import type { Progress } from './explore.js';

function run<S>(model: Model<S>, options: CheckOptions = {}): CheckResult {
  const r = check(model, options);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const twophase = (o: TwoPhaseOptions, options: CheckOptions = {}): CheckResult => run(twoPhaseModel(o), options);

describe('TwoPhase', () => {
  it('has the distinct-state counts TLC and Stateright report, and TCConsistent and TCommit refinement hold', () => {
    const r3 = twophase({ rms: 3 });
    expect(r3.distinctStates).toBe(288);
    expect(r3.violation).toBeNull();
    expect(r3.properties.map((p) => [p.name, p.status])).toEqual([['TCConsistent', 'ok'], ['TCommit', 'ok']]);
    expect(twophase({ rms: 5 }).distinctStates).toBe(8832);
  });

  it('has one state per class of RM permutations under symmetry (80 for 3 RMs, 314 for 5)', () => {
    expect(twophase({ rms: 3 }, { symmetry: true }).distinctStates).toBe(80);
    expect(twophase({ rms: 5 }, { symmetry: true }).distinctStates).toBe(314);
  });

  it('finds the same distinct states depth-first as breadth-first', () => {
    for (const symmetry of [false, true]) {
      const bfs = twophase({ rms: 4 }, { symmetry });
      const dfs = twophase({ rms: 4 }, { search: 'dfs', symmetry });
      expect(dfs.distinctStates).toBe(bfs.distinctStates);
      expect(dfs.statesGenerated).toBe(bfs.statesGenerated);
    }
  });

  it('reports the diameter and honours a depth bound', () => {
    const full = twophase({ rms: 3 });
    const bounded = twophase({ rms: 3 }, { maxDepth: 2 });
    expect(bounded.depth).toBe(2);
    expect(bounded.distinctStates).toBeLessThan(full.distinctStates);
    expect(bounded.cutOffStates).toBeGreaterThan(0);
    expect(bounded.maxDepth).toBe(2);
  });

  it('finds the shortest trace to a TCConsistent violation when the TM commits without all RMs prepared', () => {
    const r = twophase({ rms: 3, bug: 'commit-early', refinement: false });
    expect(r.violation?.kind).toBe('invariant');
    expect(r.violation?.property).toBe('TCConsistent');
    const steps = r.violation?.trace.steps ?? [];
    // TMCommit, one RM receives Commit, another chooses to abort: three steps is the least possible.
    expect(steps.length).toBe(4);
    expect(steps.map((s) => s.action?.replace(/\(r\d\)/, ''))).toEqual(expect.arrayContaining(['TMCommit', 'RMRcvCommitMsg', 'RMChooseToAbort']));
    const last = steps[3]?.state as { rmState: Record<string, string> };
    expect(Object.values(last.rmState)).toEqual(expect.arrayContaining(['committed', 'aborted']));
    expect(r.queueLeft).toBeGreaterThan(0);
    expect(r.properties.find((p) => p.name === 'TCConsistent')?.status).toBe('violated');
    const text = formatResult(r).join('\n');
    expect(text).toContain('VIOLATION of invariant TCConsistent');
    expect(text).toMatch(/step 1 {2}TMCommit\n {6}tmState: "init" -> "committed"/);
  });

  it('finds the same violation as a concrete trace under symmetry', () => {
    const r = twophase({ rms: 4, bug: 'commit-early', refinement: false }, { symmetry: true });
    expect(r.violation?.property).toBe('TCConsistent');
    expect(r.violation?.trace.steps.length).toBe(4);
  });

  it('catches the same bug earlier as a refinement violation of TCommit (an RM commits while working)', () => {
    const r = twophase({ rms: 3, bug: 'commit-early' });
    expect(r.violation?.kind).toBe('refinement');
    expect(r.violation?.property).toBe('TCommit');
    const steps = r.violation?.trace.steps ?? [];
    expect(steps.map((s) => s.action)).toEqual([null, 'TMCommit', 'RMRcvCommitMsg(r1)']);
    expect(r.violation?.message).toContain('r1: working');
  });

  it('satisfies <>AllDecided and PreparedLeadsToDecided under weak fairness of every action', () => {
    const r = twophase({ rms: 3, liveness: true });
    expect(r.violation).toBeNull();
    expect(r.properties.filter((p) => p.kind === 'liveness').map((p) => p.status)).toEqual(['ok', 'ok']);
  });

  it('violates <>AllDecided when only the RMs are fair: the TM may never decide', () => {
    const base = twoPhaseModel({ rms: 3, liveness: true });
    const live = base.liveness?.[0];
    if (live?.kind !== 'eventually') throw new Error('expected <>AllDecided');
    const model: Model<Uint32Array> = { ...base, liveness: [{ ...live, fairness: ['RM*'] }] };
    const r = run(model);
    expect(r.violation?.kind).toBe('liveness');
    const trace = r.violation?.trace;
    // Every RM leaves "working" (each is forced to), then nothing fair is enabled: the TM stutters.
    expect(trace?.loop?.stutter).toBe(true);
    expect(trace?.steps.length).toBe(4);
    expect(trace?.steps.slice(1).every((s) => s.action?.startsWith('RM') === true)).toBe(true);
  });

  it('reports progress at most once per interval of its clock', () => {
    let clockMs = 0;
    const seen: Progress[] = [];
    // Each clock reading advances 1 s; progress is due every 2 s and checked every 1024 expansions.
    const r = twophase({ rms: 6 }, { now: () => (clockMs += 1000), progressIntervalMs: 2000, progress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(r.expandedStates / 1024 / 2));
    const last = seen[seen.length - 1];
    expect(last?.distinct).toBeLessThanOrEqual(r.distinctStates);
    expect(formatProgress(last ?? { generated: 0, distinct: 0, queue: 0, depth: 0, elapsedMs: 0 })).toMatch(/distinct, .* in queue, depth \d+, .* distinct states\/s/);
  });

  it('refuses liveness under symmetry', () => {
    expect(check(twoPhaseModel({ rms: 3, liveness: true }), { symmetry: true }).ok).toBe(false);
  });
});
