import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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

  it('refuses a model the checker cannot take with the reason alone, exit 2', async () => {
    const r = await cli('ring', '--symmetry');
    expect(r.code).toBe(2);
    expect(r.err).toBe('ironfleet check: model ring has no symmetry to reduce by');
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

describe('ironfleet check ./model.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ironfleet-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  // Test modules import the checker's sources directly (the test runner compiles them). They give
  // an encoding and a view so that they do not depend on those parts' defaults.
  const fingerprintUrl = pathToFileURL(join(import.meta.dirname, '../check/fingerprint.ts')).href;
  const counters = (invariant: string): string => `{
    name: 'counters',
    bounds: 'each counter <= 2',
    actions: ['inc(0)', 'inc(1)'],
    encoding: { kind: 'object', fingerprint: (s, out) => fingerprintString(s.join(','), out) },
    initial: (emit) => emit([0, 0]),
    successors: (s, emit) => s.forEach((c, i) => { if (c < 2) emit(i, s.map((x, j) => (j === i ? x + 1 : x))); }),
    invariants: [${invariant}],
    view: (s) => ({ counters: s }),
  }`;
  const holds = "{ name: 'AtMostTwo', holds: (s) => s.every((c) => c <= 2) }";
  const fails = "{ name: 'NeverBothTwo', holds: (s) => !(s[0] === 2 && s[1] === 2) }";
  const header = `import { fingerprintString } from ${JSON.stringify(fingerprintUrl)};\n`;
  const defaultModel = file('default.mjs', `${header}export default ${counters(holds)};\nexport const helper = 3;\n`);
  const namedModel = file('named.js', `${header}export const broken = ${counters(fails)};\nexport function unrelated() {}\n`);
  const twoModels = file('two.mjs', `${header}export const good = ${counters(holds)};\nexport const broken = ${counters(fails)};\n`);

  it('checks the default export of a module given by an absolute or relative path', async () => {
    const r = await cli(defaultModel);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('model counters (each counter <= 2)');
    expect(r.out).toContain('9 distinct states');
    expect(r.out).toContain('model-checked up to bounds (each counter <= 2)');
    const rel = relative(process.cwd(), defaultModel);
    expect(rel.startsWith('../')).toBe(true);
    expect((await cli(rel, '--json')).code).toBe(0);
  });

  it('finds the only named export that is a model, and its violation with a shortest trace', async () => {
    const r = await cli(namedModel, '--json');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as { violation: { property: string; trace: { steps: unknown[] } } };
    expect(json.violation.property).toBe('NeverBothTwo');
    expect(json.violation.trace.steps.length).toBe(5);
  });

  it('asks for --export NAME when several exports are models, and uses the one named', async () => {
    const r = await cli(twoModels);
    expect(r.code).toBe(2);
    expect(r.err).toContain('exports 2 models (broken, good): choose one with --export NAME');
    expect((await cli(twoModels, '--export', 'good')).code).toBe(0);
    const broken = await cli(twoModels, '--export', 'broken');
    expect(broken.code).toBe(1);
    expect(broken.out).toContain('VIOLATION of invariant NeverBothTwo');
    const missing = await cli(twoModels, '--export', 'nosuch');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("has no export 'nosuch' (exports: broken, good)");
  });

  it('exits 2 with a sentence when the file is missing, fails to load, or exports no model', async () => {
    const missing = await cli(join(dir, 'missing.js'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^ironfleet check: cannot find .*missing\.js/);

    const throws = await cli(file('throws.mjs', "throw new RangeError('no such configuration');\n"));
    expect(throws.code).toBe(2);
    expect(throws.err).toContain('cannot load');
    expect(throws.err).toContain('RangeError: no such configuration');

    const syntax = await cli(file('syntax.mjs', 'export const m = {,};\n'));
    expect(syntax.code).toBe(2);
    expect(syntax.err).toContain('cannot load');

    const none = await cli(file('none.mjs', "export default function build() {}\nexport const half = { name: 'half', actions: ['a'] };\n"));
    expect(none.code).toBe(2);
    expect(none.err).toContain('exports no model');
    expect(none.err).toContain('default (a function)');
    expect(none.err).toContain('half (an object: no initial; no successors)');
    expect(none.err).toContain('initial(emit) and successors(state, emit) functions');

    const wrong = await cli(file('wrong.mjs', "export const m = { name: 'm', actions: 'a', initial: () => {}, successors: () => {} };\n"), '--export', 'm');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain("export 'm' of");
    expect(wrong.err).toContain('actions is not an array of strings');
  });

  it('says how to check a module in --help, and gives a module\'s options without loading it', async () => {
    const list = await cli('--help');
    expect(list.out).toContain('ironfleet check ./my-model.js [--export NAME]');
    const help = await cli('./not-there.js', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--export NAME');
    expect(help.out).toContain('--max-depth N');
    expect((await cli('./not-there.js', '--frobnicate')).code).toBe(2);
  });
});
