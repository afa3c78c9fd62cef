import type { CommandIo, CommandSpec, FlagSpec, ParsedArgs } from './args.js';
import { exitUsage, runCommand, UsageError } from './args.js';
import { assert } from '../core/assert.js';
import type { CheckOptions, CheckResult } from '../check/check.js';
import { check } from '../check/check.js';
import type { Model } from '../check/model.js';
import { models } from './models.js';
import { formatProgress, formatResult, resultJson } from '../check/report.js';
import type { ExportKind } from './user-module.js';
import { isModulePath, loadUserModule, pickExport, shapeProblems } from './user-module.js';

/**
 * `ironfleet check MODEL [model options] [checker options]`: model-checks one registered model,
 * or the model a user's ES module exports (`ironfleet check ./my-model.js`), and prints the report
 * (or JSON). Exit code 0 when every property holds up to the bounds, 1 on a violation (with its
 * trace), 2 on bad arguments or a module that cannot be loaded or exports no model.
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

/** What `ironfleet check ./my-model.js` looks for among the module's exports. */
export const modelExport: ExportKind = {
  noun: 'model',
  shape: 'an object (a Model from ironfleet/check) with name (a string), actions (an array of action names), ' +
    'initial(emit) and successors(state, emit) functions, and optionally bounds (a string naming the bounds), ' +
    'invariants, constraint, refinement, liveness, symmetry, encoding and view',
  // The optional parts the checker reads first are checked here; it checks the rest itself.
  problems: (value) => shapeProblems(
    value,
    { name: 'string', actions: 'string array', initial: 'function', successors: 'function' },
    { bounds: 'string', invariants: 'array', liveness: 'array' },
  ),
};

/** The `--export` option of a module's model. */
const exportFlag: FlagSpec = {
  type: 'string', value: 'NAME',
  help: 'the export to check (default: the default export if it is a model, else the only export that is one)',
};

function listUsage(): string {
  const lines = [
    'usage: ironfleet check MODEL [model options] [--json] [--dfs] [--symmetry] [--max-depth N] [--workers N] [--progress]',
    '       ironfleet check ./my-model.js [--export NAME] [the same checker options]',
    '',
    'Model-checks a protocol on bounded configurations: every reachable state up to the bounds is',
    'explored; invariants, refinement and liveness are checked; a violation prints the shortest trace.',
    '',
    'models:',
  ];
  for (const [name, entry] of Object.entries(models)) lines.push(`  ${name.padEnd(10)} ${entry.summary}`);
  lines.push(
    '',
    "Run 'ironfleet check MODEL --help' for a model's options.",
    '',
    'A model of your own: an argument that starts with ./, ../ or /, or ends in .js or .mjs, is an ES',
    'module, loaded from that path (relative to the current directory). The model checked is its',
    'default export, or else the only export that is a model; --export NAME picks one of several.',
    'A model is an object (a Model from ironfleet/check) with name (a string), actions (an array of',
    'action names), initial(emit) and successors(state, emit) functions, and optionally bounds (a',
    'string), invariants, constraint, refinement, liveness, symmetry, encoding and view. Exit code 2',
    'when the file is missing, fails to load, or exports no model. See docs/check.md.',
  );
  return lines.join('\n');
}

/** Runs `ironfleet check` with `argv` (after the word `check`); returns the exit code. */
export function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(listUsage());
    return Promise.resolve(name === undefined ? exitUsage : 0);
  }
  if (isModulePath(name)) return runModule(name, rest, io);
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

/** `ironfleet check ./my-model.js [--export NAME] [checker options]`. */
function runModule(path: string, argv: readonly string[], io: CommandIo): Promise<number> {
  assert(!('export' in checkerFlags), 'the checker defines --export');
  const spec: CommandSpec = {
    name: `ironfleet check ${path}`,
    summary: `Model-checks the model exported by the ES module ${path} (its default export, or else the only ` +
      'export that is a model; --export NAME picks one of several). A model is ' + modelExport.shape +
      ' (see docs/check.md). Exit code 0 when every property holds up to the bounds, 1 on a violation (its ' +
      'trace is printed), 2 on bad arguments or when the module is missing, fails to load or exports no model.',
    positionals: [],
    flags: { export: exportFlag, ...checkerFlags },
  };
  return runCommand(spec, argv, io, async (args) => {
    const loaded = await loadUserModule(path, process.cwd());
    const picked = loaded.ok ? pickExport(path, loaded.value, modelExport, args.strings.get('export')) : loaded;
    if (!picked.ok) {
      io.err(`ironfleet check: ${picked.error}`);
      return exitUsage;
    }
    // The shape was checked above; the types of its states and functions are the module's promise.
    return checkAndReport(picked.value.value as Model<unknown>, args, io);
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
  if (!outcome.ok) {
    // The model or its options do not fit the checker: the sentence says why, the usage would not.
    io.err(`ironfleet check: ${outcome.error}`);
    return exitUsage;
  }
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
