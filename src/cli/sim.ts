import type { CommandIo, CommandSpec, FlagSpec, ParsedArgs } from './args.js';
import { exitUsage, runCommand, usage, UsageError } from './args.js';
import { simSystems } from './systems.js';
import type { SimSystemEntry, SystemOptionValues } from './systems.js';
import type { FaultOverrides } from '../sim/faults.js';
import type { SimRunOptions } from '../sim/simulator.js';
import { simDefaults } from '../sim/simulator.js';
import { runCampaign, seedRange } from '../sim/campaign.js';
import type { SimReport } from '../sim/report.js';
import { describeCounts, describeRun, failureLine } from '../sim/report.js';

/**
 * `ironfleet sim SYSTEM`: runs a system's real host code in the deterministic simulator for a
 * range of seeds (or one), under faults the seed picks or the flags set. Prints a line per
 * failure, the full account (fault schedule and last events) of the first, and a summary.
 */

const seedsDefault = 100;

const baseFlags: Readonly<Record<string, FlagSpec>> = {
  seeds: { type: 'number', value: 'N', help: `run seeds 1..N (default ${seedsDefault})`, min: 1, integer: true },
  seed: { type: 'number', value: 'S', help: 'run only seed S (replays a failure exactly)', min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
  'no-faults': { type: 'boolean', help: 'start from no faults (fault flags still apply on top)' },
  loss: { type: 'number', value: 'P', help: 'probability that a packet is lost', min: 0, max: 1 },
  dup: { type: 'number', value: 'P', help: 'probability that a packet is duplicated', min: 0, max: 1 },
  reorder: { type: 'number', value: 'P', help: 'probability that a packet is held back (reordered)', min: 0, max: 1 },
  'partition-rate': { type: 'number', value: 'R', help: 'partitions per simulated second', min: 0 },
  'crash-rate': { type: 'number', value: 'R', help: 'crashes per host per simulated second', min: 0 },
  'crash-all-rate': { type: 'number', value: 'R', help: 'crashes of every host at once per simulated second', min: 0 },
  'unsynced-loss': { type: 'number', value: 'P', help: 'at a crash, probability that unsynced writes are lost', min: 0, max: 1 },
  'torn-rate': { type: 'number', value: 'P', help: 'at a crash, probability that a surviving unsynced write is torn', min: 0, max: 1 },
  'disk-error-rate': { type: 'number', value: 'P', help: 'probability that a disk operation fails', min: 0, max: 1 },
  'skew-ms': { type: 'number', value: 'MS', help: 'largest clock offset of a host', min: 0 },
  'drift-ppm': { type: 'number', value: 'PPM', help: 'largest clock rate error of a host', min: 0, max: 499_999 },
  'duration-ms': { type: 'number', value: 'MS', help: 'fault window, in simulated ms (default: the system\'s)', min: 0 },
  'quiet-ms': { type: 'number', value: 'MS', help: 'quiet period after it, in simulated ms (default: the system\'s)', min: 0 },
  'no-codec': { type: 'boolean', help: 'pass messages as objects instead of through the codec' },
  'no-spec': { type: 'boolean', help: 'skip the spec check (the abstraction to the spec after every host step, and the packets against it)' },
  outsiders: {
    type: 'number', value: 'N', min: 0, max: simDefaults.outsidersMax, integer: true,
    help: 'hosts outside the service sending it protocol messages during the fault window (default: the system\'s, 1 for IronLock and IronRSL; ' +
      'systems without an outsider generator have none)',
  },
  'trace-events': { type: 'number', value: 'N', help: 'events shown before a failure (default 60)', min: 0, max: 100_000, integer: true },
  json: { type: 'boolean', help: 'print the results as JSON' },
  verbose: { type: 'boolean', help: 'a line per seed, and the full account of every failure' },
};

/** Flags that select what runs, not how: left out of a replay command. */
const notReplayed = new Set(['seeds', 'seed', 'json', 'verbose']);

function spec(system: string | null, entry: SimSystemEntry | null): CommandSpec {
  const width = Math.max(...Object.keys(simSystems).map((name) => name.length));
  const systems = Object.entries(simSystems).map(([name, e]) => `  ${name.padEnd(width)}  ${e.summary}`).join('\n');
  const flags: Record<string, FlagSpec> = { ...baseFlags };
  for (const [name, o] of Object.entries(entry?.options ?? {})) {
    if (flags[name] === undefined) flags[name] = { ...o, help: `(${system ?? ''}) ${o.help}` };
  }
  return {
    name: 'ironfleet sim',
    summary: 'Runs a system\'s real host code in the deterministic simulator: simulated network, clocks and ' +
      'disks, all driven by one seed. Faults (loss, duplication, reordering, partitions, crashes, torn and ' +
      'failing disks, clock skew and drift, hosts outside the service) happen in a fault window, then stop; ' +
      'liveness is checked in the quiet period after. After every host step the spec is checked (the hosts\' ' +
      'abstraction takes a spec step or stutters; every packet sent corresponds to it), with the system\'s safety ' +
      'check. The same seed replays the same run bit for bit.\n\nsystems:\n' + systems,
    positionals: [{ name: 'SYSTEM', help: `one of: ${Object.keys(simSystems).join(', ')}` }],
    flags,
  };
}

/** The first positional argument, skipping the values of flags that take one. */
function findSystemName(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) return a;
    if (a.includes('=')) continue;
    const flag = baseFlags[a.slice(2)];
    // Boolean flags take no value; any other flag (including a system's own) takes the next argument.
    if (flag?.type !== 'boolean' && a !== '--help') i++;
  }
  return null;
}

/** `ironfleet sim SYSTEM [options]`. */
export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const name = findSystemName(argv);
  const entry = name === null ? null : simSystems[name] ?? null;
  if (name !== null && entry === null && !argv.includes('--help') && !argv.includes('-h')) {
    io.err(`ironfleet sim: unknown system '${name}' (known: ${Object.keys(simSystems).join(', ')})`);
    io.err(usage(spec(null, null)));
    return exitUsage;
  }
  const commandSpec = spec(name, entry);
  return runCommand(commandSpec, argv, io, (args) => {
    if (entry === null || name === null) throw new UsageError('missing argument: SYSTEM');
    return simulateCommand(name, entry, commandSpec, args, argv, io);
  });
}

function simulateCommand(
  name: string, entry: SimSystemEntry, commandSpec: CommandSpec, args: ParsedArgs, argv: readonly string[], io: CommandIo,
): number {
  const n = args.numbers;
  const b = args.booleans;
  if (n.has('seed') && n.has('seeds')) throw new UsageError('give --seeds N or --seed S, not both');
  const values = new Map<string, number | string | boolean>();
  for (const o of Object.keys(entry.options)) {
    const v = n.get(o) ?? args.strings.get(o) ?? (b.has(o) ? true : undefined);
    if (v !== undefined) values.set(o, v);
  }
  const system = entry.build(values satisfies SystemOptionValues);
  const options = runOptions(args);
  const seed = n.get('seed');
  const seeds = seed !== undefined ? [seed] : seedRange(1, n.get('seeds') ?? seedsDefault);
  const json = b.has('json');
  const verbose = b.has('verbose');
  const replayBase = ['ironfleet', 'sim', name, ...replayFlags(argv, commandSpec)].join(' ');
  const failed: SimReport[] = [];
  const all: { seed: number; ok: boolean; traceHash: string; hostSteps: number; simulatedMs: number }[] = [];
  const started = performance.now();
  const summary = runCampaign(system, seeds, options, (r) => {
    all.push({ seed: r.seed, ok: r.ok, traceHash: r.traceHash, hostSteps: r.hostSteps, simulatedMs: r.simulatedMs });
    if (r.ok) {
      if (verbose && !json) io.out(failureLine(r));
      return;
    }
    failed.push(r);
    if (json) return;
    if (failed.length === 1 || verbose) for (const line of describeRun(r, `${replayBase} --seed ${r.seed}`)) io.out(line);
    else io.out(failureLine(r));
  });
  const wallMs = performance.now() - started;
  if (json) {
    io.out(JSON.stringify({ summary: { ...summary, wallMs }, failures: failed, runs: verbose ? all : undefined }));
  } else {
    const first = seeds[0] ?? 0;
    const last = seeds[seeds.length - 1] ?? 0;
    io.out(`sim ${name}: ${summary.seeds} seed${summary.seeds === 1 ? '' : 's'} (${first === last ? first : `${first}..${last}`}), ` +
      `${summary.failures} failed${summary.failures > 0 ? ` (seeds ${summary.failedSeeds.slice(0, 20).join(', ')}` +
        `${summary.failedSeeds.length > 20 ? ', ...' : ''})` : ''}; ` +
      `${summary.hostSteps.toLocaleString('en-US')} host steps, ${(summary.simulatedMs / 1000).toFixed(1)} s simulated, ` +
      `${(wallMs / 1000).toFixed(1)} s wall`);
    io.out(`  faults: ${describeCounts(summary.faults)}`);
    if (seeds.length === 1 && seed !== undefined) io.out(`  trace ${all[0]?.traceHash ?? ''}`);
  }
  return summary.failures > 0 ? 1 : 0;
}

function runOptions(args: ParsedArgs): Omit<SimRunOptions, 'seed'> {
  const n = args.numbers;
  const network: Record<string, number> = {};
  const partitions: Record<string, number> = {};
  const crashes: Record<string, number> = {};
  const disk: Record<string, number> = {};
  const clocks: Record<string, number> = {};
  const set = (target: Record<string, number>, key: string, flag: string): void => {
    const v = n.get(flag);
    if (v !== undefined) target[key] = v;
  };
  set(network, 'lossRate', 'loss');
  set(network, 'dupRate', 'dup');
  set(network, 'reorderRate', 'reorder');
  set(partitions, 'ratePerSec', 'partition-rate');
  set(crashes, 'ratePerHostPerSec', 'crash-rate');
  set(crashes, 'allAtOnceRatePerSec', 'crash-all-rate');
  set(disk, 'unsyncedLossRate', 'unsynced-loss');
  set(disk, 'tornWriteRate', 'torn-rate');
  set(disk, 'errorRate', 'disk-error-rate');
  set(clocks, 'skewMsMax', 'skew-ms');
  set(clocks, 'driftPpmMax', 'drift-ppm');
  const faults: FaultOverrides = { network, partitions, crashes, disk, clocks };
  const duration = n.get('duration-ms');
  const quiet = n.get('quiet-ms');
  const traceEvents = n.get('trace-events');
  const outsiders = n.get('outsiders');
  return {
    faults,
    ...(args.booleans.has('no-faults') ? { noFaults: true } : {}),
    ...(duration !== undefined ? { durationMs: duration } : {}),
    ...(quiet !== undefined ? { quietMs: quiet } : {}),
    ...(args.booleans.has('no-codec') ? { codec: false } : {}),
    ...(args.booleans.has('no-spec') ? { specCheck: false } : {}),
    ...(outsiders !== undefined ? { outsiders } : {}),
    ...(traceEvents !== undefined ? { traceEventsKept: traceEvents } : {}),
  };
}

/** The flags of `argv` that shape a run (faults, durations, system options), for a replay command. */
function replayFlags(argv: readonly string[], commandSpec: CommandSpec): string[] {
  const out: string[] = [];
  let positionalSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) {
      if (positionalSeen) out.push(a);
      positionalSeen = true;
      continue;
    }
    const eq = a.indexOf('=');
    const flagName = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const flag = commandSpec.flags[flagName];
    const takesValue = flag !== undefined && flag.type !== 'boolean' && eq < 0;
    const value = takesValue ? argv[i + 1] : undefined;
    if (takesValue) i++;
    if (notReplayed.has(flagName)) continue;
    out.push(value === undefined ? a : `${a} ${value}`);
  }
  return out;
}
