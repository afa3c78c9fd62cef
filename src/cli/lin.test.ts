import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './lin.js';
import { formatHistory } from '../lin/format.js';
import { generateHistory, kvWorkload } from '../lin/generate.js';

const dir = mkdtempSync(join(tmpdir(), 'ironfleet-lin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function lin(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const good = file('good.jsonl', [
  '{"type":"call","id":1,"client":1,"op":{"kind":"write","value":1},"time":0}',
  '{"type":"call","id":2,"client":2,"op":{"kind":"read"},"time":1}',
  '{"type":"return","id":2,"output":{"value":1},"time":2}',
  '{"type":"return","id":1,"time":10}',
  '',
].join('\n'));

const bad = file('bad.jsonl', [
  '{"type":"call","id":1,"client":1,"op":{"kind":"write","value":1}}',
  '{"type":"call","id":2,"client":2,"op":{"kind":"read"}}',
  '{"type":"return","id":2,"output":{"value":1}}',
  '{"type":"call","id":3,"client":3,"op":{"kind":"read"}}',
  '{"type":"return","id":3,"output":{"value":null}}',
  '{"type":"return","id":1,"output":{}}',
  '',
].join('\n'));

describe('ironfleet lin', () => {
  it('exits 0 on a linearizable history', async () => {
    const r = await lin(good, '--model', 'register');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^linearizable: 2 operations/);
  });

  it('exits 1 and explains a history that is not linearizable', async () => {
    const r = await lin(bad, '--model', 'register');
    expect(r.code).toBe(1);
    expect(r.out).toContain('not linearizable');
    expect(r.out).toContain('op 3 client 3: read() -> null [lines 4-5]: its output is not legal in state 1');
    expect(r.out).toContain('2 -> 3');
  });

  it('prints the verdict as JSON when asked', async () => {
    const r = await lin(bad, '--model', 'register', '--json');
    expect(r.code).toBe(1);
    const verdict = JSON.parse(r.out) as { verdict: string; violation: { stuck: { id: number }[] } };
    expect(verdict.verdict).toBe('notLinearizable');
    expect(verdict.violation.stuck.map((s) => s.id)).toEqual([3]);
  });

  it('checks a generated key-value history partitioned by key', async () => {
    const { events } = generateHistory(kvWorkload({ keys: 10 }), { seed: 3, operations: 500, clients: 8 });
    const r = await lin(file('kv.jsonl', formatHistory(events)), '--model', 'kv', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'linearizable', stats: { operations: 500, partitions: 10 } });
  });

  it('exits 3 when the time limit comes first', async () => {
    const writes = Array.from({ length: 40 }, (_, i) => `{"type":"call","id":${i},"client":${i},"op":{"kind":"write","value":${i}}}`);
    const returns = Array.from({ length: 40 }, (_, i) => `{"type":"return","id":${i}}`);
    // Reads of 0 and then 1 after every write returned: each value was written, so only the search can rule it out.
    const read = ['{"type":"call","id":"r","client":"r","op":{"kind":"read"}}', '{"type":"return","id":"r","output":{"value":0}}',
      '{"type":"call","id":"s","client":"r","op":{"kind":"read"}}', '{"type":"return","id":"s","output":{"value":1}}'];
    const r = await lin(file('hard.jsonl', [...writes, ...returns, ...read].join('\n')), '--model', 'register', '--timeout-ms', '1');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^unknown: the time limit \(1 ms\) came first/);
  });

  it('exits 3 when the budget of search steps comes first, whatever the machine', async () => {
    const writes = Array.from({ length: 40 }, (_, i) => `{"type":"call","id":${i},"client":${i},"op":{"kind":"write","value":${i}}}`);
    const returns = Array.from({ length: 40 }, (_, i) => `{"type":"return","id":${i}}`);
    const reads = ['{"type":"call","id":"r","client":"r","op":{"kind":"read"}}', '{"type":"return","id":"r","output":{"value":0}}',
      '{"type":"call","id":"s","client":"r","op":{"kind":"read"}}', '{"type":"return","id":"s","output":{"value":1}}'];
    const path = file('hard-steps.jsonl', [...writes, ...returns, ...reads].join('\n'));
    const r = await lin(path, '--model', 'register', '--steps-max', '1000', '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'unknown', reason: 'stepLimit', stats: { steps: 1000 } });
    expect((await lin(path, '--model', 'register', '--steps-max', '1000')).out).toMatch(/^unknown: the budget of search steps came first/);
    // A read of a value never written is found without search, within any budget.
    const never = file('never.jsonl', [...writes, ...returns, '{"type":"call","id":"r","client":"r","op":{"kind":"read"}}', '{"type":"return","id":"r","output":{"value":-1}}'].join('\n'));
    expect((await lin(never, '--model', 'register', '--steps-max', '0')).out).toContain('no operation writes -1');
  });

  it('exits 2 on a malformed history, naming the line', async () => {
    const path = file('dup.jsonl', '{"type":"call","id":1,"client":1,"op":{"kind":"read"}}\n{"type":"call","id":1,"client":2,"op":{"kind":"read"}}\n');
    const r = await lin(path, '--model', 'register');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${path}:2: operation 1 is called again (first called on line 1)`);
  });

  it('exits 2 when the operations do not belong to the model', async () => {
    const r = await lin(good, '--model', 'kv', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'malformed', reason: 'operation', line: 1 });
  });

  it('exits 2 on usage errors and unreadable files', async () => {
    expect((await lin(good)).code).toBe(2);
    expect((await lin(good, '--model', 'queue')).err).toContain("unknown model 'queue'");
    expect((await lin(good, '--model', 'register', '--timeout-ms', 'soon')).code).toBe(2);
    const missing = await lin(join(dir, 'missing.jsonl'), '--model', 'register');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read .*missing\.jsonl/);
  });
});

describe('ironfleet lin with several history files', () => {
  const line = (event: unknown): string => JSON.stringify(event);
  // File a: client 1 sets k to x, returning at 10. File b: its own client 1 gets k at 20..21.
  const setX = file('set-x.jsonl', [
    line({ type: 'call', id: 1, client: 1, op: { kind: 'set', key: 'k', value: 'x' }, time: 0 }),
    line({ type: 'return', id: 1, output: {}, time: 10 }),
    '',
  ].join('\n'));
  const getK = (name: string, value: string | null, time: number): string => file(name, [
    line({ type: 'call', id: 1, client: 1, op: { kind: 'get', key: 'k' }, time }),
    line({ type: 'return', id: 1, output: { value }, time: time + 1 }),
    '',
  ].join('\n'));

  it('checks them as one history, merged by time', async () => {
    // The get overlaps the set in time (5..6 within 0..10), so it may see x; the same client 1 in both files is two clients.
    const sawX = getK('saw-x.jsonl', 'x', 5);
    const r = await lin(setX, sawX, '--model', 'kv');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^linearizable: 2 operations, from 2 files \(model kv;/);
    const json = await lin(setX, sawX, '--model', 'kv', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ verdict: 'linearizable', files: [setX, sawX], stats: { operations: 2 } });
  });

  it('finds what no file shows alone: a get after a set returned that finds nothing', async () => {
    const notFound = getK('not-found.jsonl', null, 20);
    expect((await lin(setX, '--model', 'kv')).code).toBe(0);
    expect((await lin(notFound, '--model', 'kv')).code).toBe(0);
    const r = await lin(setX, notFound, '--model', 'kv');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`op "${notFound}:1" client "${notFound}:1": get("k") -> null [20..21 ms, ${notFound} lines 1-2]: its output is not legal in state "x"`);
    expect(r.out).toContain(`"${setX}:1" -> "${notFound}:1"`);
  });

  it('exits 2 naming the file and line of a malformed line in the second file', async () => {
    const broken = file('broken.jsonl', `${line({ type: 'call', id: 1, client: 1, op: { kind: 'get', key: 'k' }, time: 20 })}\n{"type":"return"\n`);
    const r = await lin(setX, broken, '--model', 'kv', '--json');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`malformed history: ${broken}:2: not valid JSON`);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'malformed', reason: 'syntax', file: broken, line: 2, files: [setX, broken] });
  });

  it('refuses - twice, or one file twice, as usage errors', async () => {
    const twice = await lin('-', setX, '-', '--model', 'kv');
    expect(twice.code).toBe(2);
    expect(twice.err).toContain('- (standard input) can be given once');
    expect((await lin(setX, setX, '--model', 'kv')).err).toContain(`${setX} is given twice`);
  });

  it('shows HISTORY... in --help', async () => {
    expect((await lin('--help')).out).toMatch(/^usage: ironfleet lin HISTORY\.\.\. \[options\]/);
  });
});

describe('ironfleet lin --model ./model.js', () => {
  // Test modules import the checker's sources directly (the test runner compiles them), so that
  // `illegal` is the very symbol the checker looks for.
  const modelUrl = pathToFileURL(join(import.meta.dirname, '../lin/model.ts')).href;
  const register = (name: string): string => `{
    name: ${JSON.stringify(name)},
    init: () => null,
    step: (s, input, output) => {
      if (input.kind === 'write') return input.value;
      return output === undefined || output.value === s ? s : illegal;
    },
    decodeInput: (v) => (v !== null && typeof v === 'object' && (v.kind === 'read' || v.kind === 'write')
      ? { ok: true, value: v } : { ok: false, error: 'an operation is {kind: "read"} or {kind: "write", value}' }),
    decodeOutput: (v) => ({ ok: true, value: v }),
  }`;
  const header = `import { illegal } from ${JSON.stringify(modelUrl)};\n`;
  const single = file('my-register.mjs', `${header}export default ${register('my-register')};\n`);
  const several = file('registers.js', `${header}export const a = ${register('a')};\nexport const b = ${register('b')};\n`);

  it('checks a history against the model a module exports', async () => {
    const yes = await lin(good, '--model', single);
    expect(yes.err).toBe('');
    expect(yes.code).toBe(0);
    expect(yes.out).toMatch(/^linearizable: 2 operations \(model my-register;/);
    const no = await lin(bad, '--model', relative(process.cwd(), single), '--json');
    expect(no.code).toBe(1);
    expect(JSON.parse(no.out)).toMatchObject({ verdict: 'notLinearizable', model: 'my-register', file: bad });
    const malformed = await lin(file('cas.jsonl', '{"type":"call","id":1,"client":1,"op":{"kind":"cas"}}\n'), '--model', single);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain('an operation is {kind: "read"} or {kind: "write", value}');
  });

  it('asks for --export NAME among several models, and refuses it with a built-in model', async () => {
    const r = await lin(good, '--model', several);
    expect(r.code).toBe(2);
    expect(r.err).toContain('exports 2 models (a, b): choose one with --export NAME');
    const b = await lin(good, '--model', several, '--export', 'b', '--json');
    expect(b.code).toBe(0);
    expect(JSON.parse(b.out)).toMatchObject({ verdict: 'linearizable', model: 'b', modelFile: several });
    expect((await lin(good, '--model', 'register', '--export', 'b')).err).toContain('--export goes with --model PATH');
  });

  it('exits 2 with a sentence when the module is missing, fails to load, or exports no model', async () => {
    const missing = await lin(good, '--model', join(dir, 'missing.mjs'), '--json');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot find .*missing\.mjs/);
    expect(JSON.parse(missing.out)).toMatchObject({ verdict: 'error' });
    const throws = await lin(good, '--model', file('throws.mjs', "throw new Error('cannot start');\n"));
    expect(throws.code).toBe(2);
    expect(throws.err).toContain('cannot load');
    expect(throws.err).toContain('cannot start');
    const checkOnly = file('check-only.mjs', "export default { name: 'r', init: () => 0, step: (s) => s };\n");
    const none = await lin(good, '--model', checkOnly);
    expect(none.code).toBe(2);
    expect(none.err).toContain('exports no model');
    expect(none.err).toContain('default (an object: no decodeInput; no decodeOutput)');
    expect(none.err).toContain('decodeInput(json) and decodeOutput(json, input) functions');
  });

  it('says how to use a model of your own in --help', async () => {
    const help = await lin('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--export NAME');
    expect(help.out).toContain('./my-model.js');
  });
});
