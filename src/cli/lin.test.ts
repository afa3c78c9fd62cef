import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const read = ['{"type":"call","id":"r","client":"r","op":{"kind":"read"}}', '{"type":"return","id":"r","output":{"value":-1}}'];
    const r = await lin(file('hard.jsonl', [...writes, ...returns, ...read].join('\n')), '--model', 'register', '--timeout-ms', '1');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^unknown: the time limit \(1 ms\) came first/);
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
