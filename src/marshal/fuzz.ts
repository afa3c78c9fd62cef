/**
 * The codec fuzzer as a script: `npm run fuzz -- [--inputs N] [--seed S] [--json]`, or
 * `node dist/marshal/fuzz.js ...`. Fuzzes every grammar in src/marshal/grammars.ts, prints
 * progress and a summary, and exits 1 if any input made a decoder throw or broke a round trip.
 */
import { runFuzzCommand } from './fuzzer.js';

process.exitCode = await runFuzzCommand(process.argv.slice(2), {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
});
