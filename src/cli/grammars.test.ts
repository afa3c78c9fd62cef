import { describe, expect, it } from 'vitest';
import { fuzz } from '../marshal/fuzzer.js';
import { exampleGrammars } from '../marshal/grammars.js';
import { describeGrammarProperties } from '../marshal/properties.testkit.js';
import { runFuzzCommand } from './fuzz.js';
import { allGrammars } from './grammars.js';

// Every system's grammar gets the codec properties the toolkit's examples get in src/marshal.
const systemGrammars = allGrammars.filter((g) => !exampleGrammars.includes(g));
describeGrammarProperties(systemGrammars);

describe('the grammar registry', () => {
  it('holds every system grammar and the examples, under distinct names', () => {
    expect(systemGrammars.map((g) => g.name)).toContain('LockMsg');
    expect(new Set(allGrammars.map((g) => g.name)).size).toBe(allGrammars.length);
  });

  it('fuzzes clean over every registered grammar', () => {
    const report = fuzz({ inputs: 10_000, seed: 1, grammars: allGrammars });
    expect(report.failures).toEqual([]);
    expect(report.accepted).toBeGreaterThan(0);
  });
});

describe('fuzz command', () => {
  it('prints a final count and exits 0 when every property held', async () => {
    const out: string[] = [];
    const errLines: string[] = [];
    const code = await runFuzzCommand(['--inputs', '3000', '--seed', '7'], { out: (l) => out.push(l), err: (l) => errLines.push(l) });
    expect(code).toBe(0);
    expect(errLines[0]).toContain('--seed 7');
    expect(out.join('\n')).toMatch(/^3000 inputs in .* seed 7$/m);
    expect(out.at(-1)).toContain('passed');
  });

  it('refuses bad arguments with a usage error', async () => {
    const lines: string[] = [];
    const code = await runFuzzCommand(['--inputs', 'many'], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('--inputs takes a number');
  });
});
