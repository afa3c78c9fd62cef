import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkHistory } from './check.js';
import type { GeneratedHistory, Workload } from './generate.js';
import { counterWorkload, generateHistory, kvWorkload, lockWorkload, registerWorkload } from './generate.js';
import type { JsonScalar } from './json.js';
import type { Model } from './model.js';
import { illegal } from './model.js';
import type { KvInput, KvOutput } from './models/kv.js';
import { kvModel } from './models/kv.js';
import { counterModel } from './models/counter.js';
import { lockModel } from './models/lock.js';
import type { RegisterInput, RegisterOutput } from './models/register.js';
import { registerModel } from './models/register.js';
import { buildOperations } from './operations.js';
import type { OpSpec } from './testing.js';
import { bruteForceLinearizable, historyOf, isWitness } from './testing.js';
import type { HistoryEvent } from './types.js';

const shape = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  operations: fc.integer({ min: 0, max: 300 }),
  clients: fc.integer({ min: 1, max: 12 }),
  delayMsMax: fc.constantFrom(0, 1, 5, 30),
  crashProbability: fc.constantFrom(0, 0, 0.05),
  timed: fc.boolean(),
});

function linearizableWithWitness<S, WS, I, O>(workload: Workload<WS, I, O>, model: Model<S, I, O>): void {
  fc.assert(fc.property(shape, (options) => {
    const generated = generateHistory(workload, options);
    const ops = buildOperations(generated.events);
    expect(ops.ok).toBe(true);
    if (!ops.ok) return;
    // The generator's own sequential run is a witness (for unpartitioned models)...
    if (model.partition === undefined) expect(isWitness(ops.value, generated.linearization, model)).toBe(true);
    // ...and the checker agrees, with a witness of its own.
    const result = checkHistory(generated.events, model);
    expect(result.kind).toBe('linearizable');
    if (result.kind !== 'linearizable') return;
    const parts = model.partition === undefined ? [ops.value] : model.partition(ops.value);
    parts.forEach((part, i) => expect(isWitness(part, result.witness[i] ?? [], model)).toBe(true));
  }), { numRuns: 40 });
}

describe('generated histories are linearizable', () => {
  it('register', () => linearizableWithWitness(registerWorkload(), registerModel));
  it('register with few values', () => linearizableWithWitness(registerWorkload({ values: 3 }), registerModel));
  it('kv', () => linearizableWithWitness(kvWorkload({ keys: 5 }), kvModel));
  it('counter', () => linearizableWithWitness(counterWorkload(), counterModel));
  it('lock', () => linearizableWithWitness(lockWorkload(), lockModel));

  it('is replayable from its seed', () => {
    const options = { seed: 9, operations: 50, clients: 4 };
    expect(generateHistory(kvWorkload({ keys: 3 }), options)).toEqual(generateHistory(kvWorkload({ keys: 3 }), options));
  });

  it('keeps every client to one operation at a time and concurrency near the client count', () => {
    const { events } = generateHistory(registerWorkload(), { seed: 1, operations: 2000, clients: 16, delayMsMax: 100 });
    let open = 0;
    let widest = 0;
    for (const e of events) {
      open += e.type === 'call' ? 1 : -1;
      widest = Math.max(widest, open);
    }
    expect(widest).toBe(16);
  });
});

/** Replaces the output of the `pick`-th returned operation that `eligible` accepts. */
function mutate<I, O>(
  generated: GeneratedHistory<I, O>, pick: number, eligible: (op: I) => boolean, output: O,
): HistoryEvent<I, O>[] | undefined {
  const inputs = new Map<unknown, I>();
  for (const e of generated.events) if (e.type === 'call') inputs.set(e.id, e.op);
  const candidates = generated.events.flatMap((e, i) => {
    const input = inputs.get(e.id);
    return e.type === 'return' && input !== undefined && eligible(input) ? [i] : [];
  });
  if (candidates.length === 0) return undefined;
  const at = candidates[pick % candidates.length] ?? 0;
  return generated.events.map((e, i) => (i === at && e.type === 'return' ? { ...e, output } : e));
}

describe('mutated histories are not linearizable', () => {
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 }),
    operations: fc.integer({ min: 2, max: 300 }),
    clients: fc.integer({ min: 1, max: 12 }),
    crashProbability: fc.constantFrom(0, 0.05),
    pick: fc.nat(),
  });

  it('register: a read returns a value never written', () => {
    fc.assert(fc.property(mutation, ({ pick, ...options }) => {
      const events = mutate(generateHistory(registerWorkload(), options), pick, (op) => op.kind === 'read', { value: -1 });
      fc.pre(events !== undefined);
      const result = checkHistory(events ?? [], registerModel);
      expect(result.kind).toBe('notLinearizable');
      if (result.kind === 'notLinearizable') {
        expect(result.violation.stuck.some((s) => result.violation.operations.some((o) => o.id === s.id && o.description.endsWith('-> -1'))))
          .toBe(true);
      }
    }), { numRuns: 40 });
  });

  it('kv: a get returns a value never set', () => {
    fc.assert(fc.property(mutation, ({ pick, ...options }) => {
      const events = mutate(generateHistory(kvWorkload({ keys: 4 }), options), pick, (op) => op.kind === 'get', { value: 'never' });
      fc.pre(events !== undefined);
      expect(checkHistory(events ?? [], kvModel).kind).toBe('notLinearizable');
    }), { numRuns: 40 });
  });

  it('counter: a get returns a value the counter never had', () => {
    fc.assert(fc.property(mutation, ({ pick, ...options }) => {
      // Adds that never returned multiply the orders to rule out (each may or may not have
      // happened, anywhere later), so this history stays short.
      const events = mutate(generateHistory(counterWorkload(), { ...options, operations: Math.min(options.operations, 60) }), pick, (op) => op.kind === 'get', { value: -1 });
      fc.pre(events !== undefined);
      expect(checkHistory(events ?? [], counterModel).kind).toBe('notLinearizable');
    }), { numRuns: 40 });
  });
});

describe('the search agrees with trying every order', () => {
  const value = fc.constantFrom<JsonScalar>(null, 0, 1, 2);
  const registerOp: fc.Arbitrary<OpSpec<RegisterInput, RegisterOutput>> = fc.record({
    input: fc.oneof(fc.constant<RegisterInput>({ kind: 'read' }), value.map((v): RegisterInput => ({ kind: 'write', value: v }))),
    seen: value,
    call: fc.integer({ min: 0, max: 20 }),
    length: fc.integer({ min: 0, max: 8 }),
    crashed: fc.integer({ min: 0, max: 9 }).map((x) => x < 3),
  }).map(({ input, seen, call, length, crashed }): OpSpec<RegisterInput, RegisterOutput> => [
    0, input, crashed ? undefined : input.kind === 'read' ? { value: seen } : {}, call, call + length,
  ]);

  it('on small random register histories, crashed operations included', () => {
    fc.assert(fc.property(fc.array(registerOp, { maxLength: 7 }), (specs) => {
      // One client per operation, so any intervals are well formed.
      const events = historyOf(specs.map(([, input, output, call, ret], i) => [i, input, output, call, ret] as const));
      const ops = buildOperations(events);
      expect(ops.ok).toBe(true);
      if (!ops.ok) return;
      const expected = bruteForceLinearizable(ops.value, registerModel);
      const result = checkHistory(events, registerModel);
      expect(result.kind).toBe(expected ? 'linearizable' : 'notLinearizable');
      if (result.kind === 'linearizable') expect(isWitness(ops.value, result.witness[0] ?? [], registerModel)).toBe(true);
    }), { numRuns: 400 });
  });

  /** The key-value map as one unpartitioned object, to test that checking keys apart is sound. */
  const wholeMap: Model<ReadonlyMap<string, JsonScalar>, KvInput, KvOutput> = {
    name: 'kv-whole',
    init: () => new Map(),
    step: (s, input, output) => {
      switch (input.kind) {
        case 'get': return output === undefined || output.value === (s.get(input.key) ?? null) ? s : illegal;
        case 'set': return new Map(s).set(input.key, input.value);
        case 'delete': {
          const next = new Map(s);
          next.delete(input.key);
          return next;
        }
      }
    },
  };

  it('on small random key-value histories, partitioned by key', () => {
    const key = fc.constantFrom('a', 'b');
    const kvOp = fc.record({
      input: fc.oneof(
        key.map((k): KvInput => ({ kind: 'get', key: k })),
        fc.tuple(key, fc.constantFrom('1', '2')).map(([k, v]): KvInput => ({ kind: 'set', key: k, value: v })),
        key.map((k): KvInput => ({ kind: 'delete', key: k })),
      ),
      seen: fc.constantFrom(null, '1', '2'),
      call: fc.integer({ min: 0, max: 20 }),
      length: fc.integer({ min: 0, max: 8 }),
    });
    fc.assert(fc.property(fc.array(kvOp, { maxLength: 7 }), (specs) => {
      const events = historyOf(specs.map(({ input, seen, call, length }, i) =>
        [i, input, input.kind === 'get' ? { value: seen } : {}, call, call + length] as const));
      const ops = buildOperations(events);
      if (!ops.ok) throw new Error(ops.error.message);
      const expected = bruteForceLinearizable(ops.value, wholeMap);
      expect(checkHistory(events, kvModel).kind).toBe(expected ? 'linearizable' : 'notLinearizable');
    }), { numRuns: 300 });
  });
});
