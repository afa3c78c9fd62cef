import { assert } from '../core/assert.js';
import { Prng } from '../core/prng.js';
import type { JsonScalar } from './json.js';
import type { CounterInput, CounterOutput } from './models/counter.js';
import type { KvInput, KvOutput } from './models/kv.js';
import type { LockInput, LockOutput } from './models/lock.js';
import type { RegisterInput, RegisterOutput } from './models/register.js';
import type { ClientId, HistoryEvent, OpId } from './types.js';

/**
 * Random histories that are linearizable by construction, for tests, benchmarks and the
 * simulator's self-checks. A sequential run of a workload fixes each operation's output and its
 * linearization point on a timeline; each operation's interval is then stretched randomly around
 * its point (never overlapping its client's other operations), so the sequential run is a
 * witness. Everything is drawn from one seed.
 *
 * The shape bounds the checker's work: at most `clients + pendingMax` operations are open at any
 * instant (each client runs one at a time; an operation that never returns stays open for good),
 * and the search's steps are bounded by that concurrency (see `searchStepsBound`). Tests keep both
 * small, so every generated history is decided within a fixed budget of steps.
 */

/** A sequential object that can run operations (not only check them), and a source of operations. */
export interface Workload<S, I, O> {
  readonly name: string;
  readonly init: () => S;
  /** A random operation for `client` to run in `state`; `index` counts operations from 0. */
  readonly nextInput: (prng: Prng, state: S, client: ClientId, index: number) => I;
  /** Runs one operation: its output and the next state. */
  readonly apply: (state: S, input: I, client: ClientId) => { readonly state: S; readonly output: O };
}

/** The shape of a generated history. */
export interface GenerateOptions {
  readonly seed: number;
  readonly operations: number;
  /** Clients running at once; each runs one operation at a time. */
  readonly clients: number;
  /** Mean time between consecutive linearization points, in milliseconds. Default 1. */
  readonly spacingMs?: number;
  /**
   * The furthest an operation's call may precede, or its return follow, its linearization point,
   * in milliseconds. Large against `spacingMs * clients` keeps every client busy, so concurrency
   * is about `clients`. Default 10.
   */
  readonly delayMsMax?: number;
  /**
   * The chance that an operation never returns (its client crashed); it then takes effect or not
   * with equal chance, and a fresh client id takes over. Default 0.
   */
  readonly crashProbability?: number;
  /**
   * The most operations that never return; once that many have crashed, no more do. Each stays
   * open to the end of the history, so this bounds how far concurrency can grow beyond `clients`.
   * Default: no limit.
   */
  readonly pendingMax?: number;
  /** Whether events carry times (default true); without them the event order is the real-time order. */
  readonly timed?: boolean;
}

/** A generated history and the sequential order that witnesses it. */
export interface GeneratedHistory<I, O> {
  readonly events: HistoryEvent<I, O>[];
  /** Ids in linearization order (operations that never returned and took no effect are left out). */
  readonly linearization: OpId[];
}

/** The most operations one generated history may have. */
export const generatedOperationsMax = 10_000_000;

/** Generates a linearizable history of `workload` (see the module comment). */
export function generateHistory<S, I, O>(workload: Workload<S, I, O>, options: GenerateOptions): GeneratedHistory<I, O> {
  const { operations, clients } = options;
  assert(Number.isSafeInteger(operations) && operations >= 0 && operations <= generatedOperationsMax, 'operations in range');
  assert(Number.isSafeInteger(clients) && clients >= 1, 'clients is a positive integer');
  const prng = new Prng(options.seed);
  // Integer microseconds inside, so the strict orderings below survive arithmetic exactly.
  const spacingUs = Math.max(2, Math.round((options.spacingMs ?? 1) * 1000));
  const delayUsMax = Math.max(0, Math.round((options.delayMsMax ?? 10) * 1000));
  const crashProbability = options.crashProbability ?? 0;
  const pendingMax = options.pendingMax ?? Infinity;
  assert(pendingMax >= 0, 'pendingMax is not negative');
  let pending = 0;

  const clientOf: ClientId[] = Array.from({ length: clients }, (_, c) => c);
  let nextClient = clients;
  // freeAt[c]: when slot c's last operation returned; it may call again strictly after that.
  const freeAt: number[] = new Array<number>(clients).fill(-Infinity);
  interface Timed {
    readonly us: number;
    readonly kind: 0 | 1;
    readonly seq: number;
    readonly id: number;
    readonly client: ClientId;
    readonly input: I;
    readonly output: O | undefined;
  }
  const timeline: Timed[] = [];
  const linearization: OpId[] = [];
  let state = workload.init();
  let t = delayUsMax; // so that no call comes before time 0
  for (let k = 0; k < operations; k++) {
    t += 1 + prng.nextInt(2 * spacingUs - 1);
    let free = freeSlots(freeAt, t);
    if (free.length === 0) {
      t = Math.min(...freeAt) + 1;
      free = freeSlots(freeAt, t);
    }
    const slot = prng.pick(free);
    const client = clientOf[slot] ?? slot;
    const lo = Math.max((freeAt[slot] ?? -Infinity) + 1, t - delayUsMax);
    const callUs = lo + prng.nextInt(t - lo + 1);
    const input = workload.nextInput(prng, state, client, k);
    const id = k + 1;
    timeline.push({ us: callUs, kind: 0, seq: timeline.length, id, client, input, output: undefined });
    // The crash is drawn first either way, so the history is the one without pendingMax up to
    // the first crash that pendingMax turns into a return.
    if (prng.chance(crashProbability) && pending < pendingMax) {
      pending++;
      if (prng.chance(0.5)) {
        state = workload.apply(state, input, client).state;
        linearization.push(id);
      }
      clientOf[slot] = nextClient++;
      freeAt[slot] = callUs;
      continue;
    }
    const applied = workload.apply(state, input, client);
    state = applied.state;
    linearization.push(id);
    const returnUs = t + prng.nextInt(delayUsMax + 1);
    freeAt[slot] = returnUs;
    timeline.push({ us: returnUs, kind: 1, seq: timeline.length, id, client, input, output: applied.output });
  }
  // Calls before returns at equal times (such operations count as concurrent); a client never
  // calls at the instant its previous operation returned, so its own order is kept either way.
  timeline.sort((a, b) => a.us - b.us || a.kind - b.kind || a.seq - b.seq);
  const timed = options.timed ?? true;
  // Object literals of one shape each, so the checker's loops over events stay fast.
  const events = timeline.map((e): HistoryEvent<I, O> => {
    if (e.kind === 0) {
      return timed
        ? { type: 'call', id: e.id, client: e.client, op: e.input, time: e.us / 1000 }
        : { type: 'call', id: e.id, client: e.client, op: e.input };
    }
    return timed
      ? { type: 'return', id: e.id, output: e.output as O, time: e.us / 1000 }
      : { type: 'return', id: e.id, output: e.output as O };
  });
  return { events, linearization };
}

function freeSlots(freeAt: readonly number[], t: number): number[] {
  const free: number[] = [];
  freeAt.forEach((at, slot) => {
    if (at < t) free.push(slot);
  });
  return free;
}

/**
 * Register operations: reads and writes. Written values are unique (the operation's index) unless
 * `values` is given, when they are drawn from 0..values-1 (fewer values: harder to check).
 */
export function registerWorkload(
  options: { readonly writeFraction?: number; readonly values?: number } = {},
): Workload<JsonScalar, RegisterInput, RegisterOutput> {
  const writeFraction = options.writeFraction ?? 0.5;
  return {
    name: 'register',
    init: () => null,
    nextInput: (prng, _state, _client, index) =>
      prng.chance(writeFraction)
        ? { kind: 'write', value: options.values === undefined ? index : prng.nextInt(options.values) }
        : { kind: 'read' },
    apply: (state, input) => (input.kind === 'write' ? { state: input.value, output: {} } : { state, output: { value: state } }),
  };
}

/** Key-value operations over `keys` keys named k0, k1, ...; set values are unique. */
export function kvWorkload(
  options: { readonly keys: number; readonly getFraction?: number; readonly deleteFraction?: number },
): Workload<ReadonlyMap<string, string>, KvInput, KvOutput> {
  const getFraction = options.getFraction ?? 0.5;
  const deleteFraction = options.deleteFraction ?? 0.05;
  return {
    name: 'kv',
    init: () => new Map(),
    nextInput: (prng, _state, _client, index) => {
      const key = `k${prng.nextInt(options.keys)}`;
      const r = prng.nextFloat();
      if (r < getFraction) return { kind: 'get', key };
      if (r < getFraction + deleteFraction) return { kind: 'delete', key };
      return { kind: 'set', key, value: `v${index}` };
    },
    apply: (state, input) => {
      switch (input.kind) {
        case 'get': return { state, output: { value: state.get(input.key) ?? null } };
        case 'set': return { state: new Map(state).set(input.key, String(input.value)), output: {} };
        case 'delete': {
          const next = new Map(state);
          next.delete(input.key);
          return { state: next, output: {} };
        }
      }
    },
  };
}

/** Counter operations: adds of 1 to 5 (returning the new value) and gets. */
export function counterWorkload(
  options: { readonly getFraction?: number } = {},
): Workload<number, CounterInput, CounterOutput> {
  const getFraction = options.getFraction ?? 0.5;
  return {
    name: 'counter',
    init: () => 0,
    nextInput: (prng) => (prng.chance(getFraction) ? { kind: 'get' } : { kind: 'add', delta: 1 + prng.nextInt(5) }),
    apply: (state, input) =>
      input.kind === 'get' ? { state, output: { value: state } } : { state: state + input.delta, output: { value: state + input.delta } },
  };
}

/** Lock operations: acquires (try-locks, which may fail) and releases (which fail by non-holders). */
export function lockWorkload(): Workload<ClientId | null, LockInput, LockOutput> {
  return {
    name: 'lock',
    init: () => null,
    nextInput: (prng, holder, client) =>
      holder === client ? (prng.chance(0.9) ? { kind: 'release' } : { kind: 'acquire' }) : prng.chance(0.8) ? { kind: 'acquire' } : { kind: 'release' },
    apply: (holder, input, client) => {
      switch (input.kind) {
        case 'acquire': return holder === null ? { state: client, output: { ok: true } } : { state: holder, output: { ok: false } };
        case 'release': return holder === client ? { state: null, output: { ok: true } } : { state: holder, output: { ok: false } };
      }
    },
  };
}
