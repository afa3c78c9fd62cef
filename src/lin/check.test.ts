import { describe, expect, it } from 'vitest';
import type { CheckResult } from './check.js';
import { checkHistory } from './check.js';
import type { Model } from './model.js';
import { illegal, partitionBy } from './model.js';
import type { CounterInput, CounterOutput } from './models/counter.js';
import { counterModel } from './models/counter.js';
import type { KvInput, KvOutput } from './models/kv.js';
import { kvModel } from './models/kv.js';
import type { LockInput, LockOutput } from './models/lock.js';
import { lockModel } from './models/lock.js';
import type { RegisterInput, RegisterOutput } from './models/register.js';
import { registerModel } from './models/register.js';
import { formatViolation } from './explain.js';
import { buildOperations } from './operations.js';
import type { OpSpec } from './testing.js';
import { historyOf, isWitness, stepsBudget } from './testing.js';
import type { HistoryEvent } from './types.js';

const w = (value: number): RegisterInput => ({ kind: 'write', value });
const r: RegisterInput = { kind: 'read' };
const saw = (value: number | null): RegisterOutput => ({ value });
const done: RegisterOutput = {};

function register(specs: readonly OpSpec<RegisterInput, RegisterOutput>[]): CheckResult {
  return checkHistory(historyOf(specs), registerModel);
}

function expectWitnessed<S, I, O>(events: HistoryEvent<I, O>[], model: Model<S, I, O>, result: CheckResult): void {
  expect(result.kind).toBe('linearizable');
  const ops = buildOperations(events);
  if (!ops.ok || result.kind !== 'linearizable') return;
  const byPart = model.partition === undefined ? [ops.value] : model.partition(ops.value);
  expect(result.witness).toHaveLength(byPart.length);
  byPart.forEach((part, i) => expect(isWitness(part, result.witness[i] ?? [], model)).toBe(true));
}

describe('register: classic histories', () => {
  it('accepts a read that overlaps a write and sees either value', () => {
    expect(register([[1, w(1), done, 0, 10], [2, r, saw(1), 1, 2], [3, r, saw(1), 3, 4]]).kind).toBe('linearizable');
    expect(register([[1, w(1), done, 0, 10], [2, r, saw(null), 1, 2], [3, r, saw(1), 3, 4]]).kind).toBe('linearizable');
  });

  it('rejects a later read that goes back to the old value (new-old inversion)', () => {
    const result = register([[1, w(1), done, 0, 10], [2, r, saw(1), 1, 2], [3, r, saw(null), 3, 4]]);
    expect(result.kind).toBe('notLinearizable');
    if (result.kind !== 'notLinearizable') return;
    const v = result.violation;
    expect(v.precedence).toContainEqual([2, 3]);
    expect(v.stuck.map((s) => s.id)).toContain(3);
    expect(v.stuck.find((s) => s.id === 3)?.why).toMatch(/not legal/);
  });

  it('rejects a read of a value never written, by the search too', () => {
    const events = historyOf([[1, w(1), done, 0, 1], [2, r, saw(7), 2, 3]]);
    const result = checkHistory(events, registerModel, { screenOutputs: false });
    expect(result.kind).toBe('notLinearizable');
    if (result.kind !== 'notLinearizable') return;
    expect(result.violation.foundBy).toBe('search');
    expect(result.violation.prefix).toEqual([1]);
    expect(result.violation.stateAfterPrefix).toBe('1');
    expect(result.violation.returnedFirst).toBe(2);
  });

  it('rejects a stale read after a write completed', () => {
    expect(register([[1, w(1), done, 0, 1], [1, w(2), done, 2, 3], [2, r, saw(1), 4, 5]]).kind).toBe('notLinearizable');
  });

  it('accepts concurrent writes read in either order when reads overlap', () => {
    const specs: OpSpec<RegisterInput, RegisterOutput>[] = [
      [1, w(1), done, 0, 10], [2, w(2), done, 0, 10], [3, r, saw(2), 1, 3], [4, r, saw(1), 4, 11],
    ];
    const events = historyOf(specs);
    expectWitnessed(events, registerModel, checkHistory(events, registerModel));
  });

  it('rejects two readers that see concurrent writes in opposite orders', () => {
    // Reader 3 sees 1 then 2; reader 4 sees 2 then 1, all after both writes returned.
    const result = register([
      [1, w(1), done, 0, 10], [2, w(2), done, 0, 10],
      [3, r, saw(1), 11, 12], [3, r, saw(2), 13, 14],
      [4, r, saw(2), 11, 12], [4, r, saw(1), 13, 14],
    ]);
    expect(result.kind).toBe('notLinearizable');
  });

  it('treats operations that meet at an instant as concurrent', () => {
    // The write returns at 5 and the read is called at 5: the read may come first.
    expect(register([[1, w(1), done, 0, 5], [2, r, saw(null), 5, 6]]).kind).toBe('linearizable');
    expect(register([[1, w(1), done, 0, 5], [2, r, saw(null), 5.001, 6]]).kind).toBe('notLinearizable');
  });

  it('accepts the empty history', () => {
    const result = checkHistory([], registerModel);
    expect(result.kind).toBe('linearizable');
  });
});

describe('operations that never returned', () => {
  it('may take effect after their call', () => {
    expect(register([[1, w(1), undefined, 0], [2, r, saw(1), 5, 6]]).kind).toBe('linearizable');
  });

  it('may take effect late, after other operations', () => {
    expect(register([[1, w(1), undefined, 0], [2, r, saw(null), 5, 6], [2, r, saw(1), 7, 8], [2, r, saw(1), 9, 10]]).kind)
      .toBe('linearizable');
  });

  it('may never take effect', () => {
    expect(register([[1, w(1), undefined, 0], [2, r, saw(null), 5, 6], [2, r, saw(null), 100, 101]]).kind).toBe('linearizable');
  });

  it('cannot take effect before their call', () => {
    expect(register([[2, r, saw(1), 0, 1], [1, w(1), undefined, 2]]).kind).toBe('notLinearizable');
  });

  it('take effect at most once', () => {
    expect(register([
      [1, w(1), undefined, 0], [2, w(2), done, 1, 2], [3, r, saw(1), 3, 4], [3, r, saw(2), 5, 6], [3, r, saw(1), 7, 8],
    ]).kind).toBe('notLinearizable');
  });

  it('may be left out of a lock history when they could not have taken effect', () => {
    const acquire: LockInput = { kind: 'acquire' };
    const release: LockInput = { kind: 'release' };
    const ok: LockOutput = {};
    // Client 2's acquire never returned; the lock stays usable only if it never took effect.
    const events = historyOf<LockInput, LockOutput>([
      [1, acquire, ok, 0, 1], [2, acquire, undefined, 2], [1, release, ok, 3, 4], [3, acquire, ok, 5, 6],
    ]);
    expect(checkHistory(events, lockModel).kind).toBe('linearizable');
  });
});

describe('key-value map', () => {
  const get = (key: string): KvInput => ({ kind: 'get', key });
  const set = (key: string, value: string): KvInput => ({ kind: 'set', key, value });
  const del = (key: string): KvInput => ({ kind: 'delete', key });
  const got = (value: string | null): KvOutput => ({ value });
  const ok: KvOutput = {};

  it('checks each key on its own and accepts a good history', () => {
    const events = historyOf<KvInput, KvOutput>([
      [1, set('a', '1'), ok, 0, 2], [2, set('b', '2'), ok, 1, 3], [3, get('a'), got('1'), 4, 5],
      [1, del('a'), ok, 6, 7], [2, get('a'), got(null), 8, 9], [3, get('b'), got('2'), 8, 9],
    ]);
    const result = checkHistory(events, kvModel);
    expectWitnessed(events, kvModel, result);
    if (result.kind === 'linearizable') expect(result.stats.partitions).toBe(2);
  });

  it('names the failing key part in the explanation', () => {
    const events = historyOf<KvInput, KvOutput>([
      [1, set('a', '1'), ok, 0, 1], [2, set('b', '1'), ok, 0, 1], [2, set('b', '2'), ok, 2, 3], [3, get('b'), got('1'), 4, 5],
    ]);
    const result = checkHistory(events, kvModel);
    expect(result.kind).toBe('notLinearizable');
    if (result.kind !== 'notLinearizable') return;
    expect(result.violation.partition).toBe(1);
    expect(result.violation.partitionCount).toBe(2);
    const text = formatViolation(result.violation).join('\n');
    expect(text).toContain('part 2 of 2');
    expect(text).toContain('get("b") -> "1"');
    expect(text).toContain('its output is not legal in state "2"');
  });

  it('rejects a get of a deleted key that returns the old value', () => {
    const events = historyOf<KvInput, KvOutput>([[1, set('a', '1'), ok, 0, 1], [1, del('a'), ok, 2, 3], [2, get('a'), got('1'), 4, 5]]);
    expect(checkHistory(events, kvModel).kind).toBe('notLinearizable');
  });
});

describe('counter', () => {
  it('accepts concurrent adds whose returned values fit one order', () => {
    const events = historyOf([
      [1, { kind: 'add', delta: 2 }, { value: 5 }, 0, 10],
      [2, { kind: 'add', delta: 3 }, { value: 3 }, 0, 10],
      [3, { kind: 'get' }, { value: 5 }, 11, 12],
    ] as const);
    expect(checkHistory(events, counterModel).kind).toBe('linearizable');
  });

  it('rejects a get that misses a completed add', () => {
    const events = historyOf([[1, { kind: 'add', delta: 2 }, {}, 0, 1], [2, { kind: 'get' }, { value: 0 }, 2, 3]] as const);
    expect(checkHistory(events, counterModel).kind).toBe('notLinearizable');
  });
});

describe('lock', () => {
  const acquire: LockInput = { kind: 'acquire' };
  const release: LockInput = { kind: 'release' };
  const ok: LockOutput = {};
  const failed: LockOutput = { ok: false };

  it('accepts mutual exclusion with a failed try-lock', () => {
    const events = historyOf<LockInput, LockOutput>([
      [1, acquire, ok, 0, 1], [2, acquire, failed, 2, 3], [1, release, ok, 4, 5], [2, acquire, ok, 6, 7],
    ]);
    expect(checkHistory(events, lockModel).kind).toBe('linearizable');
  });

  it('rejects two holders at once', () => {
    const events = historyOf<LockInput, LockOutput>([[1, acquire, ok, 0, 1], [2, acquire, ok, 2, 3]]);
    expect(checkHistory(events, lockModel).kind).toBe('notLinearizable');
  });

  it('rejects a release by a client that does not hold the lock', () => {
    const events = historyOf<LockInput, LockOutput>([[1, acquire, ok, 0, 1], [2, release, ok, 2, 3]]);
    expect(checkHistory(events, lockModel).kind).toBe('notLinearizable');
  });
});

/** A compare-and-set register, as a user would supply it: no equality, hash or describe functions. */
type CasInput = { kind: 'read' } | { kind: 'write'; value: number } | { kind: 'cas'; from: number; to: number };
interface CasOutput { value?: number; ok?: boolean }
const casModel: Model<{ value: number }, CasInput, CasOutput> = {
  name: 'cas',
  init: () => ({ value: 0 }),
  step: (s, input, output) => {
    switch (input.kind) {
      case 'read': return output === undefined || output.value === s.value ? s : illegal;
      case 'write': return { value: input.value };
      case 'cas': {
        const swapped = s.value === input.from;
        if (output !== undefined && output.ok !== swapped) return illegal;
        return swapped ? { value: input.to } : s;
      }
    }
  },
};

describe('a model supplied by the user', () => {
  it('uses structural state equality by default', () => {
    const events = historyOf<CasInput, CasOutput>([
      [1, { kind: 'cas', from: 0, to: 1 }, { ok: true }, 0, 10],
      [2, { kind: 'cas', from: 0, to: 2 }, { ok: false }, 0, 10],
      [3, { kind: 'read' }, { value: 1 }, 11, 12],
    ]);
    const result = checkHistory(events, casModel);
    expectWitnessed(events, casModel, result);
  });

  it('finds violations and explains them with the default descriptions', () => {
    const events = historyOf<CasInput, CasOutput>([
      [1, { kind: 'cas', from: 0, to: 1 }, { ok: true }, 0, 1],
      [2, { kind: 'cas', from: 0, to: 2 }, { ok: true }, 2, 3],
    ]);
    const result = checkHistory(events, casModel);
    expect(result.kind).toBe('notLinearizable');
    if (result.kind !== 'notLinearizable') return;
    expect(result.violation.stateAfterPrefix).toBe('{"value":1}');
    expect(result.violation.operations.map((o) => o.description)).toContain('{"kind":"cas","from":0,"to":2} -> {"ok":true}');
  });

  it('honours a partition function and checks every part', () => {
    const model: Model<{ value: number }, CasInput & { key?: string }, CasOutput> = {
      ...casModel,
      partition: partitionBy((input: CasInput & { key?: string }) => input.key),
    };
    const events = historyOf<CasInput & { key?: string }, CasOutput>([
      [1, { kind: 'write', value: 5, key: 'x' }, {}, 0, 1],
      [2, { kind: 'read', key: 'y' }, { value: 0 }, 2, 3],
      [3, { kind: 'read', key: 'x' }, { value: 0 }, 2, 3],
    ]);
    const result = checkHistory(events, model);
    expect(result.kind).toBe('notLinearizable');
    if (result.kind === 'notLinearizable') expect(result.violation.partition).toBe(0);
  });

  it('is told apart from a malformed history', () => {
    const events: HistoryEvent<CasInput, CasOutput>[] = [{ type: 'return', id: 1, output: {} }];
    const result = checkHistory(events, casModel);
    expect(result.kind).toBe('malformed');
    if (result.kind === 'malformed') expect(result.error.reason).toBe('returnWithoutCall');
  });
});

describe('the fast path: outputs no order can produce', () => {
  it('finds a read of a value never written without search, and names it', () => {
    const result = register([[1, w(1), done, 0, 10], [2, r, saw(1), 1, 2], [3, r, saw(7), 3, 4], [2, r, saw(9), 5, 6]]);
    expect(result.kind).toBe('notLinearizable');
    if (result.kind !== 'notLinearizable') return;
    expect(result.stats.steps).toBe(0);
    const v = result.violation;
    expect(v.foundBy).toBe('outputScreen');
    // Of two impossible reads, the one that returned first.
    expect(v.returnedFirst).toBe(3);
    expect(v.stuck).toEqual([{ id: 3, why: 'no order of the operations produces its output: no operation writes 7, and the initial value is null' }]);
    expect(v.prefix).toEqual([]);
    expect(formatViolation(v)).toEqual([
      'op 3 client 3: read() -> 7 [3..4 ms, lines 4-5]: no order of the operations produces its output: no operation writes 7, and the initial value is null',
      '(found before the search: this output alone rules out every order of the operations)',
    ]);
  });

  it('lets through values that a write that never returned, or whose output is odd, may have written', () => {
    expect(register([[1, w(1), undefined, 0], [2, r, saw(1), 5, 6]]).kind).toBe('linearizable');
    // A write's output is not looked at: a write that reported failure may still have taken effect.
    const events = historyOf<RegisterInput, RegisterOutput>([[1, w(1), { value: 'failed' }, 0, 1], [2, r, saw(1), 2, 3]]);
    expect(checkHistory(events, registerModel).kind).toBe('linearizable');
    expect(register([[2, r, saw(null), 0, 1], [1, w(1), done, 2, 3]]).kind).toBe('linearizable');
  });

  it('leaves to the search what it cannot decide', () => {
    // Written, but only after the read returned.
    const result = register([[2, r, saw(1), 0, 1], [1, w(1), done, 2, 3]]);
    expect(result.kind).toBe('notLinearizable');
    if (result.kind === 'notLinearizable') expect(result.violation.foundBy).toBe('search');
  });

  it('screens every part before searching any', () => {
    // Key a is hard for the search; key b has a get of a value never set there (only on key a).
    const events = historyOf<KvInput, KvOutput>([
      ...Array.from({ length: 40 }, (_, i): OpSpec<KvInput, KvOutput> => [`a${i}`, { kind: 'set', key: 'a', value: String(i) }, {}, 0, 10]),
      ['ar', { kind: 'get', key: 'a' }, { value: '0' }, 11, 12], ['ar', { kind: 'get', key: 'a' }, { value: '1' }, 13, 14],
      ['b', { kind: 'set', key: 'b', value: 'x' }, {}, 0, 1], ['b', { kind: 'get', key: 'b' }, { value: '7' }, 2, 3],
    ]);
    const result = checkHistory(events, kvModel, { stepsMax: 10_000 });
    expect(result.kind).toBe('notLinearizable');
    if (result.kind !== 'notLinearizable') return;
    expect(result.violation.partition).toBe(1);
    expect(result.violation.stuck[0]?.why).toMatch(/no operation sets "b" to "7", and an absent key reads as null$/);
    // A get of null, or of a value set on its key (even by a set that never returned), passes.
    expect(checkHistory(historyOf<KvInput, KvOutput>([
      [1, { kind: 'set', key: 'k', value: 'v' }, undefined, 0], [2, { kind: 'get', key: 'k' }, { value: null }, 1, 2],
      [2, { kind: 'get', key: 'k' }, { value: 'v' }, 3, 4],
    ]), kvModel).kind).toBe('linearizable');
  });

  it('bounds a counter by the sums of its deltas', () => {
    const counter = (specs: OpSpec<CounterInput, CounterOutput>[]): CheckResult => checkHistory(historyOf(specs), counterModel);
    const add = (delta: number): CounterInput => ({ kind: 'add', delta });
    const get: CounterInput = { kind: 'get' };
    const high = counter([[1, add(2), {}, 0, 1], [2, add(3), undefined, 0], [1, get, { value: 6 }, 2, 3]]);
    expect(high.kind).toBe('notLinearizable');
    if (high.kind === 'notLinearizable') {
      expect(high.violation.foundBy).toBe('outputScreen');
      expect(high.violation.stuck[0]?.why).toMatch(/always lies in 0\.\.5 .*never 6$/);
    }
    const low = counter([[1, add(-2), { value: -3 }, 0, 1]]);
    expect(low.kind === 'notLinearizable' && low.violation.foundBy).toBe('outputScreen');
    // In range: the search decides (here, linearizable: the add that never returned took effect).
    expect(counter([[1, add(2), {}, 0, 1], [2, add(3), undefined, 0], [1, get, { value: 5 }, 2, 3]]).kind).toBe('linearizable');
  });

  it('uses a screen a user model supplies, given every input of the part', () => {
    let seen: readonly CasInput[] = [];
    const screened: Model<{ value: number }, CasInput, CasOutput> = {
      ...casModel,
      impossibleOutput: (inputs) => {
        seen = inputs;
        return (input, output) => (input.kind === 'read' && output.value === 42 ? 'nothing writes 42' : undefined);
      },
    };
    const events = historyOf<CasInput, CasOutput>([[1, { kind: 'write', value: 3 }, undefined, 0], [2, { kind: 'read' }, { value: 42 }, 1, 2]]);
    const result = checkHistory(events, screened);
    expect(seen).toEqual([{ kind: 'write', value: 3 }, { kind: 'read' }]);
    expect(result.kind === 'notLinearizable' && result.violation.stuck[0]?.why).toBe('no order of the operations produces its output: nothing writes 42');
    // Without the screen, the same verdict from the search.
    const searched = checkHistory(events, screened, { screenOutputs: false });
    expect(searched.kind === 'notLinearizable' && searched.violation.foundBy).toBe('search');
  });
});

describe('limits', () => {
  // n concurrent writes, then one client reads 0 and then 1, which no order allows (after every
  // write returned, the value no longer changes). Each output alone is possible, so the screen
  // lets it through, and proving it not linearizable visits every subset of the writes: no small
  // limit is ever enough.
  const hard = (n: number): HistoryEvent<RegisterInput, RegisterOutput>[] => historyOf<RegisterInput, RegisterOutput>([
    ...Array.from({ length: n }, (_, i): OpSpec<RegisterInput, RegisterOutput> => [i, w(i), done, 0, 10]),
    [n, r, saw(0), 11, 12],
    [n, r, saw(1), 13, 14],
  ]);

  it('gives up with verdict unknown at the step budget, after exactly that many steps', () => {
    const result = checkHistory(hard(40), registerModel, { stepsMax: 50_000 });
    expect(result.kind).toBe('unknown');
    if (result.kind !== 'unknown') return;
    expect(result.reason).toBe('stepLimit');
    expect(result.stats.steps).toBe(50_000);
    // The budget is one for the whole check, shared by its parts: key a is linearizable (its
    // reads agree), key b is the hard history again.
    const sets = (key: string, n: number): OpSpec<KvInput, KvOutput>[] =>
      Array.from({ length: n }, (_, i) => [`${key}${i}`, { kind: 'set', key, value: String(i) }, {}, 0, 10]);
    const reads = (key: string, first: string, second: string): OpSpec<KvInput, KvOutput>[] => [
      [`${key}r`, { kind: 'get', key }, { value: first }, 11, 12], [`${key}r`, { kind: 'get', key }, { value: second }, 13, 14],
    ];
    const two = historyOf<KvInput, KvOutput>([...sets('a', 6), ...reads('a', '5', '5'), ...sets('b', 40), ...reads('b', '0', '1')]);
    const shared = checkHistory(two, kvModel, { stepsMax: 50_000 });
    expect(shared.kind).toBe('unknown');
    if (shared.kind !== 'unknown') return;
    expect(shared.partitionsDecided).toBe(1);
    expect(shared.stats.steps).toBe(50_000);
  });

  it('decides within a budget the bound on steps allows', () => {
    const events = hard(8);
    const ops = buildOperations(events);
    if (!ops.ok) throw new Error(ops.error.message);
    // At most the eight writes are open at once; a register's linearizations of one set of
    // operations end in one of at most concurrency + 1 states.
    const budget = stepsBudget(ops.value, registerModel, (concurrency) => concurrency + 1);
    const result = checkHistory(events, registerModel, { stepsMax: budget });
    expect(result.kind).toBe('notLinearizable');
    if (result.kind === 'notLinearizable') expect(result.stats.steps).toBeLessThanOrEqual(budget);
  });

  it('gives up with verdict unknown at the time limit', () => {
    let clock = 0;
    const now = (): number => clock++;
    const result = checkHistory(hard(40), registerModel, { timeLimitMs: 20, now });
    expect(result.kind).toBe('unknown');
    if (result.kind === 'unknown') {
      expect(result.reason).toBe('timeLimit');
      expect(result.partitionsDecided).toBe(0);
    }
  });

  it('gives up with verdict unknown at the memory limit', () => {
    const result = checkHistory(hard(40), registerModel, { cacheBytesMax: 1024 * 1024 });
    expect(result.kind).toBe('unknown');
    if (result.kind === 'unknown') expect(result.reason).toBe('memoryLimit');
  });

  it('decides the same history when it is small', () => {
    expect(checkHistory(hard(8), registerModel).kind).toBe('notLinearizable');
  });
});
