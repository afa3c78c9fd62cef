import { describe, expect, it } from 'vitest';
import { checkHistoryText, checkHistoryTexts } from './check.js';
import { formatViolation } from './explain.js';
import type { HistoryFile } from './merge.js';
import { decodeHistories } from './merge.js';
import { kvModel } from './models/kv.js';

const lines = (...ls: unknown[]): string => ls.map((l) => JSON.stringify(l)).join('\n') + '\n';
const call = (id: number | string, client: number | string, op: unknown, time: number): unknown => ({ type: 'call', id, client, op, time });
const ret = (id: number | string, output: unknown, time: number): unknown => ({ type: 'return', id, output, time });
const set = (key: string, value: string): unknown => ({ kind: 'set', key, value });
const get = (key: string): unknown => ({ kind: 'get', key });

describe('checkHistoryTexts: several files as one history', () => {
  it('accepts two files that are linearizable alone and merged', () => {
    // Each file numbers its clients and operations from 1; one client of each writes, then reads its write.
    const a: HistoryFile = { name: 'a.jsonl', text: lines(call(1, 1, set('k', 'x'), 0), ret(1, {}, 10), call(2, 1, get('k'), 11), ret(2, { value: 'x' }, 12)) };
    const b: HistoryFile = { name: 'b.jsonl', text: lines(call(1, 1, set('k', 'y'), 20), ret(1, {}, 30), call(2, 1, get('k'), 31), ret(2, { value: 'y' }, 32)) };
    for (const f of [a, b]) expect(checkHistoryText(f.text, kvModel).kind).toBe('linearizable');
    const result = checkHistoryTexts([a, b], kvModel);
    expect(result.kind).toBe('linearizable');
    expect(result.kind !== 'malformed' && result.stats.operations).toBe(4);
    expect(result.kind === 'linearizable' && result.witness).toEqual([['a.jsonl:1', 'a.jsonl:2', 'b.jsonl:1', 'b.jsonl:2']]);
  });

  it('rejects two files linearizable alone when the merge is not, naming file and line', () => {
    // A set of k returned at 10, and a get of k called at 20 finds nothing: with no delete, real time rules it out.
    const a: HistoryFile = { name: 'a.jsonl', text: lines(call(1, 1, set('k', 'x'), 0), ret(1, {}, 10)) };
    const b: HistoryFile = { name: 'b.jsonl', text: lines(call(1, 1, get('k'), 20), ret(1, { value: null }, 21)) };
    for (const f of [a, b]) expect(checkHistoryText(f.text, kvModel).kind).toBe('linearizable');
    const result = checkHistoryTexts([a, b], kvModel);
    expect(result.kind).toBe('notLinearizable');
    if (result.kind !== 'notLinearizable') return;
    expect(result.violation.foundBy).toBe('search');
    const text = formatViolation(result.violation).join('\n');
    expect(text).toContain('op "a.jsonl:1" client "a.jsonl:1": set("k", "x") [0..10 ms, a.jsonl lines 1-2]');
    expect(text).toContain('op "b.jsonl:1" client "b.jsonl:1": get("k") -> null [20..21 ms, b.jsonl lines 1-2]: its output is not legal');
    expect(text).toContain('"a.jsonl:1" -> "b.jsonl:1"');
  });

  it('counts the same client number in two files as two clients', () => {
    // Client 1 of each file has an operation open over 5..10: two processes, not one client calling twice.
    const a: HistoryFile = { name: 'a.jsonl', text: lines(call(1, 1, set('k', 'x'), 0), ret(1, {}, 10)) };
    const b: HistoryFile = { name: 'b.jsonl', text: lines(call(1, 1, get('k'), 5), ret(1, { value: 'x' }, 15)) };
    expect(checkHistoryTexts([a, b], kvModel).kind).toBe('linearizable');
    // Within one file the rule stands.
    const c: HistoryFile = { name: 'c.jsonl', text: lines(call(1, 1, set('k', 'x'), 0), call(2, 1, get('k'), 5), ret(1, {}, 10), ret(2, { value: 'x' }, 15)) };
    const result = checkHistoryTexts([a, c], kvModel);
    expect(result.kind === 'malformed' && result.error).toMatchObject({ reason: 'overlappingCalls', file: 'c.jsonl', line: 2 });
  });

  it('reports a malformed line of the second file with that file and line', () => {
    const a: HistoryFile = { name: 'a.jsonl', text: lines(call(1, 1, set('k', 'x'), 0), ret(1, {}, 10)) };
    const b: HistoryFile = { name: 'b.jsonl', text: `${lines(call(1, 1, get('k'), 20))}{"type":"return","id":1,\n` };
    const result = checkHistoryTexts([a, b], kvModel);
    expect(result.kind === 'malformed' && result.error).toMatchObject({ reason: 'syntax', file: 'b.jsonl', line: 2 });
    const wrongModel: HistoryFile = { name: 'b.jsonl', text: lines(call(1, 1, { kind: 'read' }, 20)) };
    const decoded = checkHistoryTexts([a, wrongModel], kvModel);
    expect(decoded.kind === 'malformed' && decoded.error).toMatchObject({ reason: 'operation', file: 'b.jsonl', line: 1 });
  });

  it('needs times on every file, since they are merged by time', () => {
    const a: HistoryFile = { name: 'a.jsonl', text: lines(call(1, 1, set('k', 'x'), 0), ret(1, {}, 10)) };
    const b: HistoryFile = { name: 'b.jsonl', text: '\n{"type":"call","id":1,"client":1,"op":{"kind":"get","key":"k"}}\n' };
    const result = checkHistoryTexts([a, b], kvModel);
    expect(result.kind === 'malformed' && result.error).toMatchObject({ reason: 'untimed', file: 'b.jsonl', line: 2 });
    expect(result.kind === 'malformed' && result.error.message).toMatch(/merged by their times/);
  });
});

describe('decodeHistories', () => {
  it('orders operations by call time; ties keep file order, then line order', () => {
    const a: HistoryFile = { name: 'a', text: lines(call(2, 2, get('k'), 5), call(1, 1, get('k'), 0), call(3, 3, get('k'), 5)) };
    const b: HistoryFile = { name: 'b', text: lines(call(1, 1, get('k'), 5), call(2, 2, get('k'), 1)) };
    const decoded = decodeHistories([a, b], kvModel);
    expect(decoded.ok && decoded.value.map((op) => op.id)).toEqual(['a:1', 'b:2', 'a:2', 'a:3', 'b:1']);
    expect(decoded.ok && decoded.value.map((op) => [op.file, op.callLine])).toEqual([['a', 2], ['b', 2], ['a', 1], ['a', 3], ['b', 1]]);
  });

  it('keeps the number 1 and the string "1" of one file apart', () => {
    const a: HistoryFile = { name: 'a', text: lines(call(1, 1, get('k'), 0), call('1', '1', get('k'), 1), call('x', '"q"', get('k'), 2)) };
    const decoded = decodeHistories([a], kvModel);
    expect(decoded.ok && decoded.value.map((op) => [op.id, op.client])).toEqual([['a:1', 'a:1'], ['a:"1"', 'a:"1"'], ['a:x', 'a:"\\"q\\""']]);
  });
});
