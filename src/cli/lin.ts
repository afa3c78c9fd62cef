import { errorText } from '../core/errors.js';
import { readFileSync, statSync } from 'node:fs';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { CommandIo, CommandSpec } from './args.js';
import { exitUsage, runCommand, UsageError } from './args.js';
import type { CheckResult } from '../lin/check.js';
import { checkHistoryText, checkHistoryTexts } from '../lin/check.js';
import { formatViolation } from '../lin/explain.js';
import { historyCharsMax } from '../lin/format.js';
import type { HistoryFile } from '../lin/merge.js';
import type { FileModel } from '../lin/model.js';
import { builtinModelNames, withBuiltinModel } from '../lin/models/index.js';
import type { MalformedHistory } from '../lin/types.js';
import type { ExportKind } from './user-module.js';
import { isModulePath, loadUserModule, pickExport, shapeProblems } from './user-module.js';

/** Exit code: the history is linearizable. */
export const exitLinearizable = 0;
/** Exit code: the history is not linearizable. */
export const exitNotLinearizable = 1;
/** Exit code: the check gave up at its time (or memory) limit. */
export const exitUnknown = 3;

/** What `ironfleet lin --model ./my-model.js` looks for among the module's exports. */
export const fileModelExport: ExportKind = {
  noun: 'model',
  shape: 'an object (a FileModel from ironfleet/lin) with name (a string), init() and step(state, input, output, ' +
    'client) functions, decodeInput(json) and decodeOutput(json, input) functions returning Results, and optionally ' +
    'partition, equal, hash, describeOperation, describeState and impossibleOutput functions',
  problems: (value) => shapeProblems(
    value,
    { name: 'string', init: 'function', step: 'function', decodeInput: 'function', decodeOutput: 'function' },
    {
      partition: 'function', equal: 'function', hash: 'function', describeOperation: 'function', describeState: 'function',
      impossibleOutput: 'function',
    },
  ),
};

const spec: CommandSpec = {
  name: 'ironfleet lin',
  summary: 'Checks a client history (JSON lines: one call or return per line, see docs/lin.md) for ' +
    'linearizability against a sequential model. Several files (of several client processes, or from before and ' +
    'after a restart) are checked as one history, merged by their times, which every event then needs and which ' +
    'must come from one clock (wall-clock milliseconds); each file\'s ids and clients are its own, shown as ' +
    'FILE:ID. Exit status: 0 linearizable; 1 not linearizable ' +
    '(an explanation is printed); 3 unknown (the time limit came first); 2 usage error or malformed ' +
    'history (the reason and line are printed), or a model module that is missing, fails to load or exports no ' +
    'model. A model of your own: --model PATH, where PATH starts with ./, ../ or /, or ends in .js or .mjs, loads ' +
    'that ES module (relative to the current directory) and uses its default export, or else the only export ' +
    'that is a model (--export NAME picks one of several). A model is ' + fileModelExport.shape + ' (see docs/lin.md).',
  positionals: [{
    name: 'HISTORY', variadic: true,
    help: 'a history file, or - for standard input (once); several are checked as one history, merged by time',
  }],
  flags: {
    model: {
      type: 'string', value: 'MODEL',
      help: `the sequential model: ${builtinModelNames.join(', ')}, or the path of an ES module exporting one (./my-model.js)`,
    },
    export: {
      type: 'string', value: 'NAME',
      help: 'with --model PATH: the export to use (default: the default export if it is a model, else the only export that is one)',
    },
    json: { type: 'boolean', help: 'print the verdict as one JSON object' },
    'timeout-ms': {
      type: 'number', value: 'N', min: 1, integer: true,
      help: 'give up with verdict unknown (exit 3) after N milliseconds (default: no limit)',
    },
    'steps-max': {
      type: 'number', value: 'N', min: 0, integer: true,
      help: 'give up with verdict unknown (exit 3) after N search steps: unlike --timeout-ms, the verdict depends on the history alone (default: no limit)',
    },
  },
};

/** `ironfleet lin HISTORY... --model MODEL|./my-model.js [--export NAME] [--json] [--timeout-ms N]`. */
export function run(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const modelName = args.strings.get('model');
    if (modelName === undefined) throw new UsageError(`--model is required (${builtinModelNames.join(', ')}, or ./my-model.js)`);
    const exportName = args.strings.get('export');
    const paths = args.positionals;
    const repeated = paths.find((p, i) => paths.indexOf(p) !== i);
    if (repeated !== undefined) {
      // A file's name namespaces its ids and clients, and standard input can be read only once.
      throw new UsageError(repeated === '-' ? '- (standard input) can be given once' : `${repeated} is given twice`);
    }
    const sources: Sources = paths.length === 1 ? { file: paths[0] ?? '-' } : { files: paths };
    const json = args.booleans.has('json');
    const timeLimitMs = args.numbers.get('timeout-ms');
    const stepsMax = args.numbers.get('steps-max');
    const fail = (message: string): number => {
      io.err(`ironfleet lin: ${message}`);
      if (json) io.out(JSON.stringify({ verdict: 'error', model: modelName, ...sources, message }));
      return exitUsage;
    };

    let model: ChosenModel;
    if (isModulePath(modelName)) {
      const loaded = await loadUserModule(modelName, process.cwd());
      const picked = loaded.ok ? pickExport(modelName, loaded.value, fileModelExport, exportName) : loaded;
      if (!picked.ok) return fail(picked.error);
      // The shape was checked above; the types of its states and operations are the module's promise.
      const fileModel = picked.value.value as FileModel<unknown, unknown, unknown>;
      model = { name: fileModel.name, file: modelName, use: (f) => f(fileModel) };
    } else {
      if (exportName !== undefined) throw new UsageError('--export goes with --model PATH (a module), not a built-in model');
      const builtin = builtinModelNames.find((m) => m === modelName);
      if (builtin === undefined) {
        throw new UsageError(`unknown model '${modelName}' (models: ${builtinModelNames.join(', ')}, or the path of a module such as ./my-model.js)`);
      }
      model = { name: builtin, file: null, use: (f) => withBuiltinModel(builtin, f) };
    }

    const files: HistoryFile[] = [];
    for (const path of paths) {
      const text = readHistory(path);
      if (!text.ok) return fail(`cannot read ${path}: ${text.error}`);
      files.push({ name: path, text: text.value });
    }
    const limits = { ...(timeLimitMs === undefined ? {} : { timeLimitMs }), ...(stepsMax === undefined ? {} : { stepsMax }) };
    // One file is checked as it always was: its times are optional and its ids are not namespaced.
    const [only] = files;
    const result = files.length === 1 && only !== undefined
      ? model.use((m) => checkHistoryText(only.text, m, limits))
      : model.use((m) => checkHistoryTexts(files, m, limits));
    return report(io, json, sources, model, timeLimitMs, result);
  });
}

/** The model a history is checked against: a built-in one or one loaded from a module file. */
interface ChosenModel {
  /** The model's own name, as reports show it. */
  readonly name: string;
  /** The module it came from, as given on the command line; null for a built-in model. */
  readonly file: string | null;
  /** Runs `f` with the model (a callback because each model has its own types). */
  use<R>(f: <S, I, O>(model: FileModel<S, I, O>) => R): R;
}

/** The history's text, or why it cannot be read. */
function readHistory(path: string): Result<string, string> {
  try {
    if (path !== '-' && statSync(path).size > historyCharsMax) return err(`it is larger than ${historyCharsMax} bytes`);
    return ok(readFileSync(path === '-' ? 0 : path, 'utf8'));
  } catch (e) {
    return err(errorText(e));
  }
}

function reportMalformed(io: CommandIo, json: boolean, head: JsonHead, error: MalformedHistory): number {
  // Among several files the error names its own; one file's error is in that file.
  const path = error.file ?? head.file ?? '-';
  const where = error.line > 0 ? `${path}:${error.line}` : path;
  io.err(`ironfleet lin: malformed history: ${where}: ${error.message}`);
  if (json) io.out(JSON.stringify({ verdict: 'malformed', ...head, ...error }));
  return exitUsage;
}

/** The history files checked: one (`file`, as JSON verdicts have always named it) or several. */
type Sources = { readonly file: string; readonly files?: never } | { readonly files: readonly string[]; readonly file?: never };

/** The fields every JSON verdict starts with. */
type JsonHead = { readonly model: string; readonly modelFile?: string } & Sources;

function report(
  io: CommandIo, json: boolean, sources: Sources, chosen: ChosenModel, timeLimitMs: number | undefined, result: CheckResult,
): number {
  const model = chosen.name;
  const head: JsonHead = { model, ...(chosen.file !== null ? { modelFile: chosen.file } : {}), ...sources };
  if (result.kind === 'malformed') return reportMalformed(io, json, head, result.error);
  const { stats } = result;
  const size = `${stats.operations} operations${stats.partitions > 1 ? ` in ${stats.partitions} independent parts` : ''}` +
    (sources.files === undefined ? '' : `, from ${sources.files.length} files`);
  const cost = `${Math.round(stats.elapsedMs)} ms, ${stats.steps} search steps`;
  switch (result.kind) {
    case 'linearizable':
      if (json) io.out(JSON.stringify({ verdict: 'linearizable', ...head, stats }));
      else io.out(`linearizable: ${size} (model ${model}; ${cost})`);
      return exitLinearizable;
    case 'notLinearizable':
      if (json) io.out(JSON.stringify({ verdict: 'notLinearizable', ...head, stats, violation: result.violation }));
      else {
        io.out(`not linearizable: ${size} (model ${model}; ${cost})`);
        for (const line of formatViolation(result.violation)) io.out(line);
      }
      return exitNotLinearizable;
    case 'unknown': {
      if (json) {
        io.out(JSON.stringify({ verdict: 'unknown', ...head, stats, reason: result.reason, partitionsDecided: result.partitionsDecided }));
      } else {
        const limit = result.reason === 'timeLimit'
          ? `the time limit (${timeLimitMs ?? 0} ms) came first`
          : result.reason === 'stepLimit' ? 'the budget of search steps came first' : 'the memory limit on configurations explored came first';
        const decided = stats.partitions > 1 ? `; ${result.partitionsDecided} of ${stats.partitions} parts were linearizable` : '';
        io.out(`unknown: ${limit}${decided} (${size}, model ${model}; ${cost})`);
      }
      return exitUnknown;
    }
  }
}
