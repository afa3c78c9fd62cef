/**
 * `npm run fuzz -- [--inputs N] [--seed S] [--json]`, or `node dist/cli/fuzz.js ...`: fuzzes every
 * grammar of src/cli/grammars.ts with the codec fuzzer (src/marshal/fuzzer.ts), prints progress
 * and a summary, and exits 1 if any input made a decoder throw or broke a round trip.
 */
import type { CommandIo, CommandSpec } from './args.js';
import { runCommand } from './args.js';
import type { FuzzReport } from '../marshal/fuzzer.js';
import { fuzz } from '../marshal/fuzzer.js';
import { allGrammars } from './grammars.js';

/** Inputs fuzzed when --inputs is not given. */
export const defaultInputs = 1_000_000;

const spec: CommandSpec = {
  name: 'fuzz',
  summary: 'Fuzzes the decoder of every registered message grammar with encodings of random values, ' +
    'mutations of them and random bytes; checks that decoding never throws, that values round-trip, ' +
    'that every accepted input re-encodes to the same bytes, and that every refusal points inside ' +
    'the input. Exits 1 on any failure.',
  positionals: [],
  flags: {
    inputs: { type: 'number', integer: true, min: 1, value: 'N', help: `how many inputs (default ${defaultInputs})` },
    seed: { type: 'number', integer: true, min: 0, max: Number.MAX_SAFE_INTEGER, value: 'S', help: 'the Prng seed (default: drawn from the clock, and printed)' },
    json: { type: 'boolean', help: 'print the report as JSON' },
  },
};

/** The fuzz command with `argv`; returns the exit code. */
export function runFuzzCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(spec, argv, io, (args) => {
    const inputs = args.numbers.get('inputs') ?? defaultInputs;
    const seed = args.numbers.get('seed') ?? Date.now() % 0x1_0000_0000;
    const names = allGrammars.map((g) => g.name).join(', ');
    io.err(`fuzzing ${inputs} inputs over ${allGrammars.length} grammars (${names}) with --seed ${seed}`);
    const startMs = performance.now();
    const report = fuzz({
      inputs, seed, grammars: allGrammars,
      progress: (line) => io.err(`  ${line} (${Math.round((performance.now() - startMs) / 1000)} s)`),
    });
    const seconds = (performance.now() - startMs) / 1000;
    if (args.booleans.has('json')) io.out(JSON.stringify(report));
    else summarize(report, seconds, io);
    return report.failureCount === 0 ? 0 : 1;
  });
}

function summarize(report: FuzzReport, seconds: number, io: CommandIo): void {
  for (const f of report.failures) {
    io.out(`FAIL input ${f.input} (${f.grammar}): ${f.property}: ${f.detail}`);
    io.out(`     bytes ${f.bytesHex}`);
  }
  const rejected = Object.entries(report.rejected).map(([k, n]) => `${k} ${n}`).join(', ');
  io.out(`${report.inputs} inputs in ${seconds.toFixed(1)} s (${Math.round(report.inputs / seconds)} inputs/s), seed ${report.seed}`);
  io.out(`  ${report.roundTrips} round trips, ${report.mutated} mutated encodings, ${report.randomBytes} random byte strings`);
  io.out(`  ${report.accepted} mutated or random inputs decoded (all re-encoded identically unless listed above)`);
  io.out(`  refused: ${rejected}`);
  io.out(report.failureCount === 0
    ? `passed: no decoder threw, every round trip held (seed ${report.seed})`
    : `FAILED: ${report.failureCount} of ${report.inputs} inputs broke a property; replay with --seed ${report.seed} --inputs ${report.inputs}`);
}

// Run as a script (not when imported by a test).
if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  process.exitCode = await runFuzzCommand(process.argv.slice(2), {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
  });
}
