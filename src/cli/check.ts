import type { CommandIo, CommandSpec, FlagSpec, ParsedArgs } from './args.js';
import { exitUsage, runCommand, UsageError } from './args.js';
import { assert } from '../core/assert.js';
import type { CheckOptions, CheckResult } from '../check/check.js';
import { check } from '../check/check.js';
import type { Model } from '../check/model.js';
import { models } from './models.js';
import { formatProgress, formatResult, resultJson } from '../check/report.js';

/**
 * `ironfleet check MODEL [model options] [checker options]`: model-checks one registered model
 * and prints the report (or JSON). Exit code 0 when every property holds up to the bounds, 1 on a
 * violation (with its trace), 2 on bad arguments.
 */

/** The checker's own options, shared by every model. */
export const checkerFlags: Readonly<Record<string, FlagSpec>> = {
  json: { type: 'boolean', help: 'print the result as JSON (one object) instead of the report' },
  dfs: { type: 'boolean', help: 'search depth-first instead of breadth-first (traces may then be longer than necessary)' },
  symmetry: { type: 'boolean', help: "explore one state per symmetry class (the model's canonical form)" },
  'max-depth': { type: 'number', value: 'N', help: 'do not expand states N steps from an initial state', integer: true, min: 0 },
  workers: {
    type: 'number', value: 'N', integer: true, min: 1, max: 1,
    help: 'worker threads (only 1 is supported: the search runs on one thread; see docs/check.md)',
  },
  progress: { type: 'boolean', help: 'print progress to stderr every 2 s even when stderr is not a terminal' },
};

/** Milliseconds between progress lines. */
const progressIntervalMs = 2000;

function listUsage(): string {
  const lines = [
    'usage: ironfleet check MODEL [model options] [--json] [--dfs] [--symmetry] [--max-depth N] [--workers N] [--progress]',
    '',
    'Model-checks a protocol on bounded configurations: every reachable state up to the bounds is',
    'explored; invariants, refinement and liveness are checked; a violation prints the shortest trace.',
    '',
    'models:',
  ];
  for (const [name, entry] of Object.entries(models)) lines.push(`  ${name.padEnd(10)} ${entry.summary}`);
  lines.push('', "Run 'ironfleet check MODEL --help' for a model's options.");
  return lines.join('\n');
}

/** Runs `ironfleet check` with `argv` (after the word `check`); returns the exit code. */
export function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(listUsage());
    return Promise.resolve(name === undefined ? exitUsage : 0);
  }
  const entry = Object.hasOwn(models, name) ? models[name] : undefined;
  if (entry === undefined) {
    io.err(`ironfleet check: unknown model '${name}'`);
    io.err(listUsage());
    return Promise.resolve(exitUsage);
  }
  for (const flag of Object.keys(entry.flags)) assert(!(flag in checkerFlags), `model ${name} redefines --${flag}`);
  const spec: CommandSpec = {
    name: `ironfleet check ${name}`,
    summary: `Model-checks ${name}: ${entry.summary}. Exit code 0 when every property holds up to the bounds, ` +
      '1 on a violation (its trace is printed), 2 on bad arguments.',
    positionals: [],
    flags: { ...entry.flags, ...checkerFlags },
  };
  return runCommand(spec, rest, io, (args) => {
    const built = entry.build(args);
    if (!built.ok) throw new UsageError(built.error);
    return built.value.use((model) => checkAndReport(model, args, io));
  });
}

function checkAndReport<S>(model: Model<S>, args: ParsedArgs, io: CommandIo): number {
  const showProgress = args.booleans.has('progress') || process.stderr.isTTY;
  const maxDepth = args.numbers.get('max-depth');
  const options: CheckOptions = {
    search: args.booleans.has('dfs') ? 'dfs' : 'bfs',
    symmetry: args.booleans.has('symmetry'),
    ...(maxDepth !== undefined ? { maxDepth } : {}),
    ...(showProgress ? { progress: (p) => io.err(formatProgress(p)) } : {}),
    progressIntervalMs,
  };
  const rssStartBytes = process.memoryUsage.rss();
  const outcome = check(model, options);
  if (!outcome.ok) throw new UsageError(outcome.error);
  const result: CheckResult = outcome.value;
  const memory = {
    rssStartBytes,
    rssEndBytes: process.memoryUsage.rss(),
    // maxRSS is in kilobytes.
    rssPeakBytes: process.resourceUsage().maxRSS * 1024,
  };
  if (args.booleans.has('json')) io.out(resultJson(result, { memory }));
  else {
    const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
    const rss = `  process memory: RSS grew by ${mib(memory.rssEndBytes - rssStartBytes)} MiB during the check (peak RSS ${mib(memory.rssPeakBytes)} MiB)`;
    for (const line of formatResult(result, [rss])) io.out(line);
  }
  return result.violation === null ? 0 : 1;
}
