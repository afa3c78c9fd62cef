import { describe, expect, it } from 'vitest';
import { run } from './check.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('ironfleet check', () => {
  it('prints JSON with the distinct count and exits 0 when every property holds', async () => {
    const r = await cli('twophase', '--rms', '3', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { distinctStates: number; violation: unknown; fingerprints: { exact: boolean }; memory: unknown };
    expect(json.distinctStates).toBe(288);
    expect(json.violation).toBeNull();
    expect(json.fingerprints.exact).toBe(true);
    expect(json.memory).toBeDefined();
  });

  it('reports symmetry classes and the text report says "model-checked up to bounds"', async () => {
    const r = await cli('twophase', '--rms', '3', '--symmetry');
    expect(r.code).toBe(0);
    expect(r.out).toContain('80 distinct states');
    expect(r.out).toContain('model-checked up to bounds (3 RMs)');
    expect(r.out).not.toMatch(/prove/i);
  });

  it('exits 1 with a trace on a violation, in text and in JSON', async () => {
    const text = await cli('twophase', '--rms', '3', '--bug', 'commit-early', '--no-refinement');
    expect(text.code).toBe(1);
    expect(text.out).toContain('VIOLATION of invariant TCConsistent');
    expect(text.out).toContain('trace (3 steps)');
    const json = await cli('ring', '--bug', 'retake', '--json');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out) as { violation: { trace: { steps: { action: string | null; packet?: string }[] } } };
    expect(parsed.violation.trace.steps.length).toBe(6);
    expect(parsed.violation.trace.steps[4]?.packet).toContain('h0 -> h1');
  });

  it('checks liveness when asked, and refuses it under symmetry (exit 2)', async () => {
    expect((await cli('twophase', '--rms', '2', '--liveness')).code).toBe(0);
    const r = await cli('twophase', '--rms', '2', '--liveness', '--symmetry');
    expect(r.code).toBe(2);
    expect(r.err).toContain('symmetry');
  });

  it('exits 2 on bad arguments: unknown model, unknown option, out-of-range value, unknown bug', async () => {
    expect((await cli('nosuch')).code).toBe(2);
    expect((await cli()).code).toBe(2);
    expect((await cli('twophase', '--rms', '0')).code).toBe(2);
    expect((await cli('twophase', '--frobnicate')).code).toBe(2);
    expect((await cli('twophase', '--bug', 'nosuch')).code).toBe(2);
    expect((await cli('ring', '--symmetry')).code).toBe(2);
  });

  it('prints the model list and each model\'s options on --help', async () => {
    const list = await cli('--help');
    expect(list.code).toBe(0);
    expect(list.out).toContain('twophase');
    const help = await cli('twophase', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--rms N');
    expect(help.out).toContain('--max-depth N');
  });
});
