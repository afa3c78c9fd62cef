import { errorText } from '../core/errors.js';
import { readFileSync, statSync } from 'node:fs';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { CommandIo, CommandSpec } from './args.js';
import { exitUsage, runCommand, UsageError } from './args.js';
import type { CheckResult } from '../lin/check.js';
import { checkHistoryText } from '../lin/check.js';
import { formatViolation } from '../lin/explain.js';
import { historyCharsMax } from '../lin/format.js';
import type { BuiltinModelName } from '../lin/models/index.js';
import { builtinModelNames, withBuiltinModel } from '../lin/models/index.js';
import type { MalformedHistory } from '../lin/types.js';

/** Exit code: the history is linearizable. */
export const exitLinearizable = 0;
/** Exit code: the history is not linearizable. */
export const exitNotLinearizable = 1;
/** Exit code: the check gave up at its time (or memory) limit. */
export const exitUnknown = 3;

const spec: CommandSpec = {
  name: 'ironfleet lin',
  summary: 'Checks a client history (JSON lines: one call or return per line, see docs/lin.md) for ' +
    'linearizability against a sequential model. Exit status: 0 linearizable; 1 not linearizable ' +
    '(an explanation is printed); 3 unknown (the time limit came first); 2 usage error or malformed ' +
    'history (the reason and line are printed).',
  positionals: [{ name: 'HISTORY', help: 'the history file, or - for standard input' }],
  flags: {
    model: { type: 'string', value: 'MODEL', help: `the sequential model: ${builtinModelNames.join(', ')}` },
    json: { type: 'boolean', help: 'print the verdict as one JSON object' },
    'timeout-ms': {
      type: 'number', value: 'N', min: 1, integer: true,
      help: 'give up with verdict unknown (exit 3) after N milliseconds (default: no limit)',
    },
  },
};

/** `ironfleet lin HISTORY --model MODEL [--json] [--timeout-ms N]`. */
export function run(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(spec, argv, io, (args) => {
    const modelName = args.strings.get('model');
    if (modelName === undefined) throw new UsageError(`--model is required (${builtinModelNames.join(', ')})`);
    const model = builtinModelNames.find((m) => m === modelName);
    if (model === undefined) throw new UsageError(`unknown model '${modelName}' (models: ${builtinModelNames.join(', ')})`);
    const path = args.positionals[0] ?? '-';
    const json = args.booleans.has('json');
    const timeLimitMs = args.numbers.get('timeout-ms');

    const text = readHistory(path);
    if (!text.ok) {
      io.err(`ironfleet lin: cannot read ${path}: ${text.error}`);
      if (json) io.out(JSON.stringify({ verdict: 'error', model, file: path, message: text.error }));
      return exitUsage;
    }
    const limits = timeLimitMs === undefined ? {} : { timeLimitMs };
    const result = withBuiltinModel(model, (m) => checkHistoryText(text.value, m, limits));
    return report(io, json, path, model, timeLimitMs, result);
  });
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

function reportMalformed(io: CommandIo, json: boolean, path: string, model: BuiltinModelName, error: MalformedHistory): number {
  const where = error.line > 0 ? `${path}:${error.line}` : path;
  io.err(`ironfleet lin: malformed history: ${where}: ${error.message}`);
  if (json) io.out(JSON.stringify({ verdict: 'malformed', model, file: path, ...error }));
  return exitUsage;
}

function report(
  io: CommandIo, json: boolean, path: string, model: BuiltinModelName, timeLimitMs: number | undefined, result: CheckResult,
): number {
  if (result.kind === 'malformed') return reportMalformed(io, json, path, model, result.error);
  const { stats } = result;
  const size = `${stats.operations} operations${stats.partitions > 1 ? ` in ${stats.partitions} independent parts` : ''}`;
  const cost = `${Math.round(stats.elapsedMs)} ms, ${stats.steps} search steps`;
  switch (result.kind) {
    case 'linearizable':
      if (json) io.out(JSON.stringify({ verdict: 'linearizable', model, file: path, stats }));
      else io.out(`linearizable: ${size} (model ${model}; ${cost})`);
      return exitLinearizable;
    case 'notLinearizable':
      if (json) io.out(JSON.stringify({ verdict: 'notLinearizable', model, file: path, stats, violation: result.violation }));
      else {
        io.out(`not linearizable: ${size} (model ${model}; ${cost})`);
        for (const line of formatViolation(result.violation)) io.out(line);
      }
      return exitNotLinearizable;
    case 'unknown': {
      if (json) {
        io.out(JSON.stringify({ verdict: 'unknown', model, file: path, stats, reason: result.reason, partitionsDecided: result.partitionsDecided }));
      } else {
        const limit = result.reason === 'timeLimit'
          ? `the time limit (${timeLimitMs ?? 0} ms) came first`
          : 'the memory limit on configurations explored came first';
        const decided = stats.partitions > 1 ? `; ${result.partitionsDecided} of ${stats.partitions} parts were linearizable` : '';
        io.out(`unknown: ${limit}${decided} (${size}, model ${model}; ${cost})`);
      }
      return exitUnknown;
    }
  }
}
