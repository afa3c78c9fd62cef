import type { CommandIo } from './args.js';
import { exitUsage } from './args.js';

/**
 * The `ironfleet` command: one binary, a subcommand per job. Each subcommand lives in its own
 * module exporting `run(argv, io)` and is loaded only when used, so starting a server does not
 * load the model checker.
 */

/** A subcommand: its one-line description and how to load it. */
interface Subcommand {
  readonly summary: string;
  readonly load: () => Promise<{ run(argv: readonly string[], io: CommandIo): Promise<number> }>;
}

const subcommands: Readonly<Record<string, Subcommand>> = {
  certs: { summary: 'write a service file and private key files for a set of servers', load: () => import('./certs.js') },
  lock: { summary: 'IronLock: serve one host of a lock ring', load: () => import('./lock.js') },
  rsl: { summary: 'IronRSL: serve one replica of a replicated service, or run clients against one', load: () => import('./rsl.js') },
  check: { summary: 'model-check a protocol (twophase, lock, ..., or a model module ./model.js)', load: () => import('./check.js') },
  sim: { summary: 'run real host code in the deterministic simulator under faults', load: () => import('./sim.js') },
  lin: { summary: 'check a client history for linearizability', load: () => import('./lin.js') },
  demo: { summary: 'run a live local cluster that stops by itself and says what happened', load: () => import('./demo.js') },
  bench: { summary: 'run benchmarks and write a report', load: () => import('./bench.js') },
  verify: { summary: 'run the long checking campaigns (bigger bounds, more seeds)', load: () => import('./verify.js') },
};

/** The top-level help text. */
export function topUsage(): string {
  const lines = ['usage: ironfleet COMMAND [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(subcommands)) lines.push(`  ${name.padEnd(8)} ${c.summary}`);
  lines.push('', "Run 'ironfleet COMMAND --help' for a command's options.");
  return lines.join('\n');
}

const stdio: CommandIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** Runs the `ironfleet` command with `argv` (without the node and script paths); returns the exit code. */
export async function main(argv: readonly string[], io: CommandIo = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(topUsage());
    return name === undefined ? exitUsage : 0;
  }
  const sub = subcommands[name];
  if (sub === undefined) {
    io.err(`ironfleet: unknown command '${name}'`);
    io.err(topUsage());
    return exitUsage;
  }
  const module = await sub.load();
  return module.run(rest, io);
}
