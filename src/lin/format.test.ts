import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkHistoryText } from './check.js';
import { decodeOperations } from './decode.js';
import { formatEvent, formatHistory, parseHistory } from './format.js';
import type { BuiltinModelName } from './models/index.js';
import { registerModel, withBuiltinModel } from './models/index.js';
import { buildOperations } from './operations.js';
import { HistoryRecorder } from './recorder.js';
import type { HistoryEvent, MalformedHistory } from './types.js';

function malformed(text: string): MalformedHistory | undefined {
  const parsed = parseHistory(text);
  if (!parsed.ok) return parsed.error;
  const ops = buildOperations(parsed.value);
  return ops.ok ? undefined : ops.error;
}

const lines = (...ls: string[]): string => ls.join('\n') + '\n';

describe('parseHistory', () => {
  it('reads the documented example', () => {
    const parsed = parseHistory(lines(
      '{"type":"call","id":1,"client":3,"op":{"kind":"set","key":"k","value":"v"},"time":12.5}',
      '',
      '{"type":"return","id":1,"output":{},"time":14}',
    ));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toEqual([
      { type: 'call', id: 1, client: 3, op: { kind: 'set', key: 'k', value: 'v' }, time: 12.5, line: 1 },
      { type: 'return', id: 1, output: {}, time: 14, line: 3 },
    ]);
  });

  it('reads a return without output as output null', () => {
    const parsed = parseHistory('{"type":"call","id":"a","client":"c","op":{"kind":"read"}}\n{"type":"return","id":"a"}');
    expect(parsed.ok && parsed.value[1]).toEqual({ type: 'return', id: 'a', output: null, line: 2 });
  });

  it.each([
    ['{"type":"call","id":1,"client":1,"op":{}}\n{not json}', 2, 'syntax', /not valid JSON/],
    ['[1,2]', 1, 'syntax', /JSON object/],
    ['{"type":"invoke","id":1}', 1, 'field', /"type" is "call" or "return"/],
    ['{"type":"call","id":1.5,"client":1,"op":{}}', 1, 'field', /"id" is an integer or a string/],
    ['{"type":"call","id":1,"op":{}}', 1, 'field', /needs "client"/],
    ['{"type":"call","id":1,"client":1}', 1, 'field', /needs "op"/],
    ['{"type":"call","id":1,"client":1,"op":{},"tme":3}', 1, 'field', /no field "tme"/],
    ['{"type":"return","id":1,"output":{},"time":"soon"}', 1, 'field', /"time" is a number/],
  ])('rejects %j at line %i', (text, line, reason, message) => {
    const parsed = parseHistory(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.line).toBe(line);
    expect(parsed.error.reason).toBe(reason);
    expect(parsed.error.message).toMatch(message);
  });

  it('round-trips any events through formatHistory', () => {
    const identity = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.string({ maxLength: 5 }));
    const event: fc.Arbitrary<HistoryEvent> = fc.oneof(
      fc.record({ type: fc.constant('call' as const), id: identity, client: identity, op: fc.jsonValue() }),
      fc.record({ type: fc.constant('return' as const), id: identity, output: fc.jsonValue() }),
    );
    fc.assert(fc.property(fc.array(event, { maxLength: 20 }), fc.boolean(), (events, timed) => {
      const withTimes = events.map((e, i) => (timed ? { ...e, time: i * 1.5 } : e));
      const parsed = parseHistory(formatHistory(withTimes));
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      // JSON has no -0: it reads back as 0, which compares equal.
      expect(parsed.value.map((e) => formatEvent(e))).toEqual(withTimes.map((e) => formatEvent(e)));
      expect(parsed.value.map((e) => e.line)).toEqual(withTimes.map((_, i) => i + 1));
    }));
  });
});

describe('malformed histories', () => {
  const call = (id: number, client: number, time?: number): string =>
    JSON.stringify({ type: 'call', id, client, op: { kind: 'read' }, ...(time === undefined ? {} : { time }) });
  const ret = (id: number, time?: number): string =>
    JSON.stringify({ type: 'return', id, output: { value: null }, ...(time === undefined ? {} : { time }) });

  it.each([
    ['a return without a call', lines(call(1, 1), ret(1), ret(2)), 'returnWithoutCall', 3],
    ['a return before its call (file order)', lines(ret(1), call(1, 1)), 'returnBeforeCall', 1],
    ['a return before its call (times)', lines(call(1, 1, 10), ret(1, 5)), 'returnBeforeCall', 2],
    ['a duplicate id', lines(call(1, 1), ret(1), call(1, 2)), 'duplicateId', 3],
    ['a second return', lines(call(1, 1), ret(1), ret(1)), 'duplicateReturn', 3],
    ['overlapping calls from one client', lines(call(1, 1), call(2, 1), ret(1), ret(2)), 'overlappingCalls', 2],
    ['overlapping calls by time', lines(call(1, 1, 0), ret(1, 10), call(2, 1, 5), ret(2, 12)), 'overlappingCalls', 3],
    ['a call after a call that never returned', lines(call(1, 1), call(2, 1), ret(2)), 'overlappingCalls', 2],
    ['times on some events only', lines(call(1, 1, 0), ret(1)), 'mixedTimes', 2],
  ])('reports %s with its line', (_name, text, reason, line) => {
    const error = malformed(text);
    expect(error?.reason).toBe(reason);
    expect(error?.line).toBe(line);
  });

  it('names the earlier line in the message', () => {
    expect(malformed(lines(call(1, 1), ret(1), call(1, 2)))?.message).toMatch(/first called on line 1/);
    expect(malformed(lines(call(1, 7), call(2, 7)))?.message).toMatch(/client 7 .*operation 1 \(called on line 1\) never returned/);
  });

  it('accepts a client that calls at the instant its last operation returned', () => {
    expect(malformed(lines(call(1, 1, 0), ret(1, 5), call(2, 1, 5), ret(2, 6)))).toBeUndefined();
  });

  it('reports a malformed history from checkHistory as its own kind', () => {
    const result = checkHistoryText(lines(call(1, 1), call(2, 1)), registerModel);
    expect(result.kind === 'malformed' && result.error.reason).toBe('overlappingCalls');
  });
});

describe('decodeOperations with the built-in models', () => {
  function decode(text: string, model: BuiltinModelName): string | true {
    const parsed = parseHistory(text);
    if (!parsed.ok) return parsed.error.message;
    const ops = buildOperations(parsed.value);
    if (!ops.ok) return ops.error.message;
    const decoded = withBuiltinModel(model, (m) => decodeOperations(ops.value, m));
    return decoded.ok ? true : `line ${decoded.error.line}: ${decoded.error.message}`;
  }
  const op = (o: unknown, output: unknown = {}): string =>
    lines(JSON.stringify({ type: 'call', id: 1, client: 1, op: o }), JSON.stringify({ type: 'return', id: 1, output }));

  it('accepts each model\'s operations', () => {
    expect(decode(op({ kind: 'write', value: 'x' }), 'register')).toBe(true);
    expect(decode(op({ kind: 'read' }, { value: null }), 'register')).toBe(true);
    expect(decode(op({ kind: 'set', key: 'k', value: 3 }), 'kv')).toBe(true);
    expect(decode(op({ kind: 'get', key: 'k' }, { value: 'v' }), 'kv')).toBe(true);
    expect(decode(op({ kind: 'delete', key: 'k' }, null), 'kv')).toBe(true);
    expect(decode(op({ kind: 'add', delta: -2 }, { value: 4 }), 'counter')).toBe(true);
    expect(decode(op({ kind: 'get' }, { value: 4 }), 'counter')).toBe(true);
    expect(decode(op({ kind: 'acquire' }, { ok: false }), 'lock')).toBe(true);
  });

  it.each([
    [op({ kind: 'set', key: 'k', value: 'v' }), 'register', /line 1: .*"kind" of a register operation is one of "read", "write"/],
    [op({ kind: 'read' }, {}), 'register', /line 2: .*needs "value"/],
    [op({ kind: 'write', value: [1] }), 'register', /"value" of a write is a string/],
    [op({ kind: 'get' }, { value: null }), 'kv', /a get needs "key"/],
    [op({ kind: 'set', key: 'k', value: null }), 'kv', /cannot be null/],
    [op({ kind: 'set', key: 'k', value: 1, ttl: 3 }), 'kv', /no field "ttl"/],
    [op({ kind: 'add', delta: 0.5 }), 'counter', /needs "delta" \(an integer\)/],
    [op({ kind: 'get' }, {}), 'counter', /needs "value"/],
    [op({ kind: 'acquire' }, { ok: 'yes' }), 'lock', /"ok" .* is a boolean/],
    [op('read'), 'register', /is an object with "kind"/],
  ] as const)('rejects %s for model %s', (text, model, message) => {
    expect(decode(text, model)).toMatch(message);
  });
});

describe('HistoryRecorder', () => {
  it('records calls and returns with times from its clock and writes JSON lines', () => {
    let clock = 100;
    const recorder = new HistoryRecorder<unknown, unknown>(() => clock);
    const a = recorder.invoke(1, { kind: 'write', value: 1 });
    clock = 101.5;
    const b = recorder.invoke(2, { kind: 'read' });
    clock = 103;
    recorder.respond(b, { value: null });
    recorder.invoke(3, { kind: 'write', value: 2 });
    clock = 104;
    recorder.respond(a, {});
    expect(recorder.pending()).toEqual([3]);
    const text = recorder.toJsonLines();
    expect(text.split('\n')[0]).toBe('{"type":"call","id":1,"client":1,"op":{"kind":"write","value":1},"time":100}');
    const parsed = parseHistory(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.map(({ line: _line, ...e }) => e)).toEqual(recorder.events());
    expect(checkHistoryText(text, registerModel).kind).toBe('linearizable');
  });

  it('records no times without a clock, and the order then carries real time', () => {
    const recorder = new HistoryRecorder();
    const id = recorder.invoke('c', { kind: 'acquire' });
    recorder.respond(id, {});
    expect(recorder.toJsonLines()).toBe('{"type":"call","id":1,"client":"c","op":{"kind":"acquire"}}\n{"type":"return","id":1,"output":{}}\n');
  });

  it('refuses a response to an operation that is not outstanding', () => {
    const recorder = new HistoryRecorder();
    const id = recorder.invoke(1, {});
    recorder.respond(id, {});
    expect(() => recorder.respond(id, {})).toThrow(/not outstanding/);
  });
});
