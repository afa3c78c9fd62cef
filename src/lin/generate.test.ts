import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkHistory, checkHistoryText } from './check.js';
import type { GeneratedHistory, GenerateOptions, Workload } from './generate.js';
import { formatViolation } from './explain.js';
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
import { buildOperations, maxConcurrency } from './operations.js';
import type { OpSpec } from './testing.js';
import { bruteForceLinearizable, historyOf, isWitness, stepsBudget } from './testing.js';
import type { HistoryEvent, Operation } from './types.js';

/*
 * Every history generated here is one the checker decides within a budget of search steps fixed
 * by the history's shape (`stepsBudget`, from `searchStepsBound`), never by a clock: at most
 * `clients + pendingMax` <= 8 operations are ever open at once, so the budget stays small, and a
 * check given it can never answer unknown. Mutations that the screen of outputs catches need no
 * search at all, and are checked with a budget of zero steps.
 */

/** The most states one set of operations can end in, per model, given the part's concurrency. */
type StatesOf = (ops: readonly Operation<unknown, unknown>[]) => (concurrency: number) => number;
/** A register or one key of a map: the value of one of the at most `concurrency` writes that can come last, or the initial one. */
const lastWriteStates: StatesOf = () => (concurrency) => concurrency + 1;
/** A counter: the sum of the adds, whatever their order. */
const oneState: StatesOf = () => () => 1;
/** A lock: free, or held by one of the history's clients. */
const holderStates: StatesOf = (ops) => () => new Set(ops.map((op) => op.client)).size + 1;

/** Generator options whose histories the checker decides within their step budget. */
const decidableShape = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  operations: fc.integer({ min: 0, max: 300 }),
  clients: fc.integer({ min: 1, max: 6 }),
  delayMsMax: fc.constantFrom(0, 1, 5, 30),
  crashProbability: fc.constantFrom(0, 0.05, 0.2),
  pendingMax: fc.integer({ min: 0, max: 2 }),
  timed: fc.boolean(),
});

/** The operations of a generated history, checking on the way that it stays within its shape. */
function operationsOf<I, O>(events: readonly HistoryEvent<I, O>[], options: GenerateOptions): Operation<I, O>[] {
  const ops = buildOperations(events);
  if (!ops.ok) throw new Error(ops.error.message);
  expect(maxConcurrency(ops.value)).toBeLessThanOrEqual(options.clients + (options.pendingMax ?? Infinity));
  expect(ops.value.filter((op) => op.returnAt === Infinity).length).toBeLessThanOrEqual(options.pendingMax ?? Infinity);
  return ops.value;
}

function linearizableWithWitness<S, WS, I, O>(workload: Workload<WS, I, O>, model: Model<S, I, O>, statesOf: StatesOf): void {
  fc.assert(fc.property(decidableShape, (options) => {
    const generated = generateHistory(workload, options);
    const ops = operationsOf(generated.events, options);
    // The generator's own sequential run is a witness (for unpartitioned models)...
    if (model.partition === undefined) expect(isWitness(ops, generated.linearization, model)).toBe(true);
    // ...and the checker agrees within the budget, with a witness of its own.
    const budget = stepsBudget(ops, model, statesOf(ops));
    const result = checkHistory(generated.events, model, { stepsMax: budget });
    expect(result.kind).toBe('linearizable');
    if (result.kind !== 'linearizable') return;
    expect(result.stats.steps).toBeLessThanOrEqual(budget);
    const parts = model.partition === undefined ? [ops] : model.partition(ops);
    parts.forEach((part, i) => expect(isWitness(part, result.witness[i] ?? [], model)).toBe(true));
  }), { numRuns: 40 });
}

describe('generated histories are linearizable', () => {
  it('register', () => linearizableWithWitness(registerWorkload(), registerModel, lastWriteStates));
  it('register with few values', () => linearizableWithWitness(registerWorkload({ values: 3 }), registerModel, lastWriteStates));
  it('kv', () => linearizableWithWitness(kvWorkload({ keys: 5 }), kvModel, lastWriteStates));
  it('counter', () => linearizableWithWitness(counterWorkload(), counterModel, oneState));
  it('lock', () => linearizableWithWitness(lockWorkload(), lockModel, holderStates));

  it('at 12 clients too, for fixed seeds, within a fixed budget of steps', () => {
    // Beyond the shapes above the bound grows too large to promise a quick answer for every
    // seed, so these seeds are fixed: the verdicts depend on them alone.
    for (const seed of [1, 2, 3, 4]) {
      const options = { seed, operations: 300, clients: 12, crashProbability: 0.05, pendingMax: 2 };
      for (const [workload, model] of [[registerWorkload(), registerModel], [lockWorkload(), lockModel]] as const) {
        const { events } = generateHistory<unknown, unknown, unknown>(workload as Workload<unknown, unknown, unknown>, options);
        operationsOf(events, options);
        expect(checkHistory(events, model as Model<unknown, unknown, unknown>, { stepsMax: 2_000_000 }).kind).toBe('linearizable');
      }
    }
  });

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

  it('stops crashing clients at pendingMax, and is the same history up to the first crash it prevents', () => {
    const options = { seed: 5, operations: 400, clients: 4, crashProbability: 0.2 };
    const unlimited = generateHistory(registerWorkload(), options);
    const limited = generateHistory(registerWorkload(), { ...options, pendingMax: 3 });
    const pending = (g: GeneratedHistory<RegisterInput, RegisterOutput>): number =>
      g.events.filter((e) => e.type === 'call').length - g.events.filter((e) => e.type === 'return').length;
    expect(pending(unlimited)).toBeGreaterThan(3);
    expect(pending(limited)).toBe(3);
    // The first three crashes happen in both.
    const crashed = (g: GeneratedHistory<RegisterInput, RegisterOutput>): unknown[] => {
      const returned = new Set(g.events.flatMap((e) => (e.type === 'return' ? [e.id] : [])));
      return g.events.flatMap((e) => (e.type === 'call' && !returned.has(e.id) ? [e.id] : []));
    };
    expect(crashed(limited)).toEqual(crashed(unlimited).slice(0, 3));
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

/**
 * Makes the `pick`-th read (among those that can be made stale) return an overwritten value: the
 * value of a write w1 that returned before a write w2 was called, which returned before the read
 * was called. With unique written values no order allows it, and each output alone is possible,
 * so only the search can tell. Undefined when no read follows two such writes.
 */
function staleRead(
  generated: GeneratedHistory<RegisterInput, RegisterOutput>, pick: number,
): { readonly events: HistoryEvent<RegisterInput, RegisterOutput>[]; readonly id: unknown } | undefined {
  const built = buildOperations(generated.events);
  if (!built.ok) throw new Error(built.error.message);
  const ops = built.value;
  const latestWriteBefore = (at: number): Operation<RegisterInput, RegisterOutput> | undefined =>
    ops.filter((op) => op.input.kind === 'write' && op.returnAt < at).sort((a, b) => b.returnAt - a.returnAt)[0];
  const candidates = ops.flatMap((read) => {
    if (read.input.kind !== 'read' || read.returnAt === Infinity) return [];
    const w2 = latestWriteBefore(read.callAt);
    const w1 = w2 === undefined ? undefined : latestWriteBefore(w2.callAt);
    return w1?.input.kind === 'write' ? [{ id: read.id, value: w1.input.value }] : [];
  });
  const chosen = candidates[pick % Math.max(1, candidates.length)];
  if (chosen === undefined) return undefined;
  const events = generated.events.map((e) => (e.type === 'return' && e.id === chosen.id ? { ...e, output: { value: chosen.value } } : e));
  return { events, id: chosen.id };
}

describe('mutated histories are not linearizable', () => {
  // Decided by the screen of outputs, before any search: any shape will do.
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 }),
    operations: fc.integer({ min: 2, max: 300 }),
    clients: fc.integer({ min: 1, max: 12 }),
    crashProbability: fc.constantFrom(0, 0.05),
    pick: fc.nat(),
  });

  it('register: a read returns a value never written, found without search', () => {
    fc.assert(fc.property(mutation, ({ pick, ...options }) => {
      const events = mutate(generateHistory(registerWorkload(), options), pick, (op) => op.kind === 'read', { value: -1 });
      fc.pre(events !== undefined);
      const result = checkHistory(events ?? [], registerModel, { stepsMax: 0 });
      expect(result.kind).toBe('notLinearizable');
      if (result.kind !== 'notLinearizable') return;
      expect(result.violation.foundBy).toBe('outputScreen');
      expect(result.violation.operations.map((o) => o.description)).toEqual(['read() -> -1']);
    }), { numRuns: 40 });
  });

  it('register: the history of the issue (fast-check seed -857941291, path 19:26:9:5:7:8:22:6:13)', () => {
    // That run generated {seed: 21, operations: 240, clients: 6, crashProbability: 0.05} and
    // changed the output of the read with id 240 to -1: 16 operations never return, so the search
    // alone gives up (here at a budget of steps; before the screen existed, at its memory bound).
    const text = readFileSync(join(import.meta.dirname, 'testdata', 'register-never-written.jsonl'), 'utf8');
    const screened = checkHistoryText(text, registerModel, { stepsMax: 0 });
    expect(screened.kind).toBe('notLinearizable');
    if (screened.kind !== 'notLinearizable') return;
    expect(screened.stats).toMatchObject({ operations: 240, steps: 0 });
    expect(screened.violation.stuck).toEqual([
      { id: 240, why: 'no order of the operations produces its output: no operation writes -1, and the initial value is null' },
    ]);
    // As docs/lin.md shows it.
    expect(formatViolation(screened.violation)[0]).toBe('op 240 client 15: read() -> -1 [265.369..269.511 ms, lines 458-462]: ' +
      'no order of the operations produces its output: no operation writes -1, and the initial value is null');
    const searched = checkHistoryText(text, registerModel, { screenOutputs: false, stepsMax: 100_000 });
    expect(searched.kind === 'unknown' && searched.reason).toBe('stepLimit');
  });

  it('register: a read returns an overwritten value, found by the search within its budget', () => {
    fc.assert(fc.property(decidableShape, fc.nat(), (options, pick) => {
      const generated = generateHistory(registerWorkload(), { ...options, operations: Math.max(options.operations, 3) });
      const stale = staleRead(generated, pick);
      fc.pre(stale !== undefined);
      if (stale === undefined) return;
      const ops = operationsOf(stale.events, options);
      const budget = stepsBudget(ops, registerModel, lastWriteStates(ops));
      const result = checkHistory(stale.events, registerModel, { stepsMax: budget });
      expect(result.kind).toBe('notLinearizable');
      if (result.kind !== 'notLinearizable') return;
      expect(result.violation.foundBy).toBe('search');
      expect(result.stats.steps).toBeLessThanOrEqual(budget);
    }), { numRuns: 40 });
  });

  it('kv: a get returns a value never set, found without search', () => {
    fc.assert(fc.property(mutation, ({ pick, ...options }) => {
      const events = mutate(generateHistory(kvWorkload({ keys: 4 }), options), pick, (op) => op.kind === 'get', { value: 'never' });
      fc.pre(events !== undefined);
      const result = checkHistory(events ?? [], kvModel, { stepsMax: 0 });
      expect(result.kind === 'notLinearizable' && result.violation.foundBy).toBe('outputScreen');
    }), { numRuns: 40 });
  });

  it('counter: a get returns a value the counter never had, found without search', () => {
    fc.assert(fc.property(mutation, ({ pick, ...options }) => {
      const events = mutate(generateHistory(counterWorkload(), options), pick, (op) => op.kind === 'get', { value: -1 });
      fc.pre(events !== undefined);
      const result = checkHistory(events ?? [], counterModel, { stepsMax: 0 });
      expect(result.kind === 'notLinearizable' && result.violation.foundBy).toBe('outputScreen');
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
      // With and without the screen of outputs, so the search alone is compared too.
      for (const screenOutputs of [true, false]) {
        const result = checkHistory(events, registerModel, { screenOutputs });
        expect(result.kind).toBe(expected ? 'linearizable' : 'notLinearizable');
        if (result.kind === 'linearizable') expect(isWitness(ops.value, result.witness[0] ?? [], registerModel)).toBe(true);
      }
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
      for (const screenOutputs of [true, false]) {
        expect(checkHistory(events, kvModel, { screenOutputs }).kind).toBe(expected ? 'linearizable' : 'notLinearizable');
      }
    }), { numRuns: 300 });
  });
});
