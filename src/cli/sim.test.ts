import { describe, expect, it } from 'vitest';
import { run } from './sim.js';

async function sim(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('ironfleet sim', () => {
  it('runs a range of seeds and prints a summary; exit 0 when all pass', async () => {
    const r = await sim('ring', '--seeds', '3');
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^sim ring: 3 seeds \(1\.\.3\), 0 failed; [\d,]+ host steps, [\d.]+ s simulated/);
    expect(r.out[1]).toMatch(/^ {2}faults: \d+ lost, \d+ duplicated/);
  });

  it('prints a failure with its seed, replay command, fault schedule and trace; exit 1; the replay matches', async () => {
    const r = await sim('ring-unsafe', '--seeds', '2', '--loss', '0.1', '--trace-events', '10');
    expect(r.code).toBe(1);
    const text = r.out.join('\n');
    expect(text).toMatch(/^FAIL seed 1: safety at [\d.]+ms on h\d: .* \(trace [0-9a-f]{16}\)/);
    expect(text).toContain('replay: ironfleet sim ring-unsafe --loss 0.1 --trace-events 10 --seed 1');
    expect(text).toContain('fault schedule');
    expect(text).toContain('last 10 events:');
    expect(text).toMatch(/FAIL seed 2: safety/);
    const hash = /FAIL seed 1: .*\(trace ([0-9a-f]{16})\)/.exec(text)?.[1];
    const replay = await sim('ring-unsafe', '--loss', '0.1', '--trace-events', '10', '--seed', '1');
    expect(replay.code).toBe(1);
    expect(replay.out[0]).toContain(`(trace ${hash ?? 'none'})`);
  });

  it('prints JSON when asked', async () => {
    const r = await sim('counter', '--seed', '4', '--no-faults', '--json');
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out.join('')) as { summary: { seeds: number; failures: number }; failures: unknown[] };
    expect(parsed.summary.seeds).toBe(1);
    expect(parsed.failures).toEqual([]);
  });

  it('accepts a system\'s own options and rejects bad arguments with exit 2', async () => {
    expect((await sim('ring', '--hosts', '5', '--seeds', '1', '--no-faults')).code).toBe(0);
    expect((await sim('nosuch')).code).toBe(2);
    expect((await sim()).code).toBe(2);
    expect((await sim('ring', '--seeds', '0')).code).toBe(2);
    expect((await sim('ring', '--seeds', '2', '--seed', '1')).code).toBe(2);
    expect((await sim('ring', '--loss', '2')).code).toBe(2);
    expect((await sim('counter', '--hosts', '3')).code).toBe(2);
    const help = await sim('ring', '--help');
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toContain('--hold-ms');
  });

  it('runs the spec check and outsiders, and turns them off by flag', async () => {
    const wrong = await sim('lock-wrong-locked', '--seeds', '1', '--trace-events', '5');
    expect(wrong.code).toBe(1);
    expect(wrong.out[0]).toMatch(/^FAIL seed 1: spec at [\d.]+ms on h\d: .*does not correspond/);
    expect((await sim('lock-wrong-locked', '--seeds', '2', '--no-spec')).code).toBe(0);
    expect((await sim('lock-accept-outsider', '--seeds', '1')).code).toBe(1);
    expect((await sim('lock-accept-outsider', '--seeds', '2', '--outsiders', '0')).code).toBe(0);
    expect((await sim('lock', '--outsiders', '99')).code).toBe(2);
    const help = (await sim('lock', '--help')).out.join('\n');
    expect(help).toContain('--outsiders N');
    expect(help).toContain('--no-spec');
    for (const name of ['lock-wrong-locked', 'lock-accept-outsider', 'lock-grant-unsynced']) expect(help).toContain(name);
  });
});
