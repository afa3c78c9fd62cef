import { performance } from 'node:perf_hooks';
import type { CheckResult } from '../lin/check.js';
import { checkHistory, checkHistoryText } from '../lin/check.js';
import { formatHistory } from '../lin/format.js';
import type { GenerateOptions, Workload } from '../lin/generate.js';
import { generateHistory, kvWorkload, registerWorkload } from '../lin/generate.js';
import type { Model } from '../lin/model.js';
import { kvModel } from '../lin/models/kv.js';
import { registerModel } from '../lin/models/register.js';
import type { HistoryEvent } from '../lin/types.js';
import type { Benchmark, BenchFigure } from './types.js';

/**
 * The linearizability checker's speed: a 10,000-operation key-value history over 100 keys with 16
 * clients (goal: under 1 s), how time grows with the number of concurrent clients at a fixed
 * operation count, and a single-key register history at rising concurrency, where the search is
 * exponential in the number of overlapping operations and eventually gives up at its time limit.
 * Histories are generated linearizable (src/lin/generate.ts) with every client kept busy, so
 * concurrency is close to the client count.
 */

const kvOperations = 10_000;
const kvKeys = 100;
const kvGoalMs = 1000;

/**
 * Mean number of operations already open when an operation is called (operations that never
 * return are left out: they would count as open forever).
 */
function meanConcurrency(events: readonly HistoryEvent[]): number {
  const returned = new Set(events.flatMap((e) => (e.type === 'return' ? [e.id] : [])));
  let open = 0;
  let sum = 0;
  let calls = 0;
  for (const e of events) {
    if (!returned.has(e.id)) continue;
    if (e.type === 'call') {
      sum += open;
      calls++;
      open++;
    } else open--;
  }
  return calls === 0 ? 0 : sum / calls;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function shape(clients: number, operations: number, seed: number): GenerateOptions {
  // Delays long against the spacing of linearization points keep every client busy.
  return { seed, operations, clients, spacingMs: 1, delayMsMax: 4 * clients };
}

/** Untimed runs before timed ones, so the compiler has optimized the checker's hot loops. */
const warmUpRuns = 3;

/**
 * Times `check` over `runs` runs (after warm-up runs when `warmUp`); a generated history must
 * never be judged not linearizable.
 */
function timeChecks(runs: number, check: () => CheckResult, warmUp = true): { ms: number; result: CheckResult } {
  let result: CheckResult | undefined;
  for (let i = 0; warmUp && i < warmUpRuns; i++) result = check();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    result = check();
    times.push(performance.now() - started);
  }
  if (result === undefined) throw new RangeError('timeChecks needs at least one run');
  if (result.kind === 'notLinearizable' || result.kind === 'malformed') {
    throw new Error(`a generated history was judged ${result.kind}: the checker or generator is wrong`);
  }
  return { ms: median(times), result };
}

function counts(result: CheckResult): string {
  if (result.kind === 'malformed') return 'malformed';
  const { stats } = result;
  const verdict = result.kind === 'unknown' ? `unknown (${result.reason})` : result.kind;
  return `${verdict}; ${stats.steps.toLocaleString('en-US')} search steps, ${stats.cacheEntries.toLocaleString('en-US')} configurations`;
}

function checkFigure<S, WS, I, O>(
  name: string, workload: Workload<WS, I, O>, model: Model<S, I, O>, options: GenerateOptions,
  runs: number, timeLimitMs: number, goal?: BenchFigure['goal'],
): BenchFigure {
  const { events } = generateHistory(workload, options);
  // Runs that may take seconds need no warm-up.
  const warmUp = timeLimitMs === Infinity;
  const { ms, result } = timeChecks(runs, () => checkHistory(events, model, { timeLimitMs }), warmUp);
  const how = runs > 1 ? `median of ${runs}` : 'one run';
  return {
    name, value: Math.round(ms * 10) / 10, unit: 'ms', ...(goal === undefined ? {} : { goal }),
    detail: `${counts(result)}; mean concurrency ${meanConcurrency(events).toFixed(1)}; ${how}${warmUp ? ` after ${warmUpRuns} warm-up runs` : ''}`,
  };
}

/** The lin benchmark. */
export const benchmark: Benchmark = {
  name: 'lin',
  summary: 'linearizability checker: a 10,000-operation key-value history; time against concurrency',
  run: ({ quick, progress }) => {
    const runs = quick ? 1 : 5;
    const figures: BenchFigure[] = [];
    const kv = kvWorkload({ keys: kvKeys });

    progress(`kv: ${kvOperations} operations, ${kvKeys} keys, 16 clients`);
    figures.push(checkFigure(`kv ${kvOperations} ops, ${kvKeys} keys, 16 clients: check`, kv, kvModel,
      shape(16, kvOperations, 1), runs, Infinity, { value: kvGoalMs, better: 'lower' }));

    const { events } = generateHistory(kv, shape(16, kvOperations, 1));
    const text = formatHistory(events);
    const parsed = timeChecks(runs, () => checkHistoryText(text, kvModel));
    figures.push({
      name: `kv ${kvOperations} ops, ${kvKeys} keys, 16 clients: parse JSON lines + check`,
      value: Math.round(parsed.ms * 10) / 10, unit: 'ms',
      detail: `${(text.length / 1e6).toFixed(1)} MB of history text; ${counts(parsed.result)}`,
    });

    progress('kv: 1% of operations never return');
    figures.push(checkFigure(`kv ${kvOperations} ops, ${kvKeys} keys, 16 clients, 1% never return: check`, kv, kvModel,
      { ...shape(16, kvOperations, 2), crashProbability: 0.01 }, runs, Infinity));

    for (const clients of [4, 8, 16, 32, 64]) {
      progress(`kv: ${clients} clients`);
      figures.push(checkFigure(`kv ${kvOperations} ops, ${kvKeys} keys, ${clients} clients: check`, kv, kvModel,
        shape(clients, kvOperations, 3), runs, Infinity));
    }

    // One key: every overlapping operation is in one search, which is exponential in the overlap.
    const registerOperations = quick ? 500 : 1000;
    const registerLimitMs = quick ? 2000 : 10_000;
    const registerClients = quick ? [2, 4, 8, 12, 16] : [2, 4, 8, 12, 16, 20, 24];
    for (const clients of registerClients) {
      progress(`register: ${clients} clients`);
      figures.push(checkFigure(
        `register ${registerOperations} ops (one key), ${clients} clients: check (limit ${registerLimitMs / 1000} s)`,
        registerWorkload(), registerModel, shape(clients, registerOperations, 4), 1, registerLimitMs));
    }
    return Promise.resolve(figures);
  },
};
