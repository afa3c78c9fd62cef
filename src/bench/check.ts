import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { count } from '../check/report.js';
import type { Benchmark, BenchFigure, BenchOptions } from './types.js';

/**
 * The model checker's speed and memory on TwoPhase commit: distinct states per second and bytes
 * per distinct state. Each run is a separate `ironfleet check ... --json` process, so its RSS
 * figures are its own and runs do not warm each other up.
 */

const run = promisify(execFile);

/** Goals from the project's issue. */
const distinctPerSecondGoal = 400_000;
const bytesPerStateGoal = 16;

/** The fields of `ironfleet check --json` this benchmark reads. */
interface CheckJson {
  readonly distinctStates: number;
  readonly statesGenerated: number;
  readonly elapsedMs: number;
  readonly distinctStatesPerSecond: number;
  readonly fingerprints: { readonly tableBytes: number; readonly bytesPerState: number };
  readonly checkerBytes: number;
  readonly violation: unknown;
  readonly memory: { readonly rssStartBytes: number; readonly rssEndBytes: number; readonly rssPeakBytes: number };
}

async function checkJson(args: readonly string[]): Promise<CheckJson> {
  const bin = fileURLToPath(new URL('../../bin/ironfleet.js', import.meta.url));
  const { stdout } = await run(process.execPath, [bin, 'check', ...args, '--json'], { maxBuffer: 64 * 2 ** 20 });
  const parsed = JSON.parse(stdout) as CheckJson;
  if (parsed.violation !== null) throw new Error(`ironfleet check ${args.join(' ')} reported a violation`);
  return parsed;
}

async function measure(rms: number, options: BenchOptions, refinement: boolean): Promise<BenchFigure[]> {
  const args = ['twophase', '--rms', String(rms), ...(refinement ? [] : ['--no-refinement'])];
  options.progress(`ironfleet check ${args.join(' ')}`);
  const r = await checkJson(args);
  const what = `twophase --rms ${rms}${refinement ? ' + refinement' : ''}`;
  const counts = `${count(r.distinctStates)} distinct states, ${count(r.statesGenerated)} generated, ` +
    `${(r.elapsedMs / 1000).toFixed(2)} s; checks TCConsistent${refinement ? ' and refinement of TCommit on every step' : ''}`;
  options.progress(`  ${counts}`);
  const figures: BenchFigure[] = [{
    name: `${what} distinct states/s`,
    value: Math.round(r.distinctStatesPerSecond),
    unit: 'states/s',
    ...(refinement ? {} : { goal: { value: distinctPerSecondGoal, better: 'higher' as const } }),
    detail: counts,
  }];
  if (refinement) return figures;
  const rssGrowth = r.memory.rssPeakBytes - r.memory.rssStartBytes;
  figures.push(
    {
      name: `${what} fingerprint table bytes/state`,
      value: Number(r.fingerprints.bytesPerState.toFixed(2)),
      unit: 'bytes/state',
      goal: { value: bytesPerStateGoal, better: 'lower' },
      detail: `table ${(r.fingerprints.tableBytes / 2 ** 20).toFixed(1)} MiB for ${count(r.distinctStates)} states`,
    },
    {
      name: `${what} checker typed arrays bytes/state`,
      value: Number((r.checkerBytes / r.distinctStates).toFixed(2)),
      unit: 'bytes/state',
      detail: 'fingerprint table + parent index and successor ordinal per state + peak frontier',
    },
    {
      name: `${what} process RSS growth bytes/state`,
      value: Number((rssGrowth / r.distinctStates).toFixed(2)),
      unit: 'bytes/state',
      detail: `peak RSS ${(r.memory.rssPeakBytes / 2 ** 20).toFixed(0)} MiB, ${(rssGrowth / 2 ** 20).toFixed(0)} MiB above the RSS before the check`,
    },
  );
  return figures;
}

/** The check benchmark. */
export const benchmark: Benchmark = {
  name: 'check',
  summary: 'model checker: TwoPhase commit distinct states/s and bytes per state (--rms 8 and 9)',
  run: async (options) => {
    const sizes = options.quick ? [6, 7] : [8, 9];
    const figures: BenchFigure[] = [];
    for (const rms of sizes) figures.push(...await measure(rms, options, false));
    figures.push(...await measure(sizes[0] ?? 6, options, true));
    return figures;
  },
};
