import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandIo, CommandSpec } from './args.js';
import { runCommand, UsageError } from './args.js';
import type { Benchmark, BenchFigure } from '../bench/types.js';

/** Every benchmark, by name, loaded only when run. */
const benchmarks: Readonly<Record<string, () => Promise<{ benchmark: Benchmark }>>> = {
  codec: () => import('../bench/codec.js'),
  check: () => import('../bench/check.js'),
  lin: () => import('../bench/lin.js'),
  sim: () => import('../bench/sim.js'),
  monitor: () => import('../bench/monitor.js'),
  net: () => import('../bench/net.js'),
  rsl: () => import('../bench/rsl.js'),
};

const spec: CommandSpec = {
  name: 'ironfleet bench',
  summary: `Runs benchmarks (all, or the ones named: ${Object.keys(benchmarks).join(', ')}), prints each ` +
    'figure with its goal, and writes bench-report/report.json and bench-report/report.md.',
  positionals: [{ name: 'NAME', help: 'benchmarks to run (default: all)', optional: true, variadic: true }],
  flags: {
    quick: { type: 'boolean', help: 'short runs, to smoke-test the benchmarks themselves' },
    out: { type: 'string', value: 'DIR', help: 'report directory (default: bench-report)' },
    json: { type: 'boolean', help: 'print the figures as JSON' },
  },
};

/** `ironfleet bench [NAME...]`. */
export function run(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const outDir = args.strings.get('out') ?? 'bench-report';
    const selected = args.positionals;
    for (const n of selected) if (benchmarks[n] === undefined) throw new UsageError(`unknown benchmark '${n}'`);
    const toRun = selected.length > 0 ? selected : Object.keys(benchmarks);
    const figures: (BenchFigure & { benchmark: string })[] = [];
    for (const name of toRun) {
      const load = benchmarks[name];
      if (load === undefined) continue;
      const { benchmark } = await load();
      io.err(`bench ${name}: ${benchmark.summary}`);
      const results = await benchmark.run({ quick: args.booleans.has('quick'), progress: (l) => io.err(`  ${l}`) });
      for (const f of results) {
        figures.push({ ...f, benchmark: name });
        if (!args.booleans.has('json')) io.out(formatFigure(name, f));
      }
    }
    mkdirSync(outDir, { recursive: true });
    const report = { date: new Date().toISOString(), node: process.version, figures };
    writeFileSync(join(outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(join(outDir, 'report.md'), markdown(figures));
    if (args.booleans.has('json')) io.out(JSON.stringify(report));
    io.err(`wrote ${join(outDir, 'report.json')} and ${join(outDir, 'report.md')}`);
    return 0;
  });
}

function goalText(f: BenchFigure): string {
  if (f.goal === undefined) return '';
  const met = f.goal.better === 'higher' ? f.value >= f.goal.value : f.value <= f.goal.value;
  return `goal ${f.goal.better === 'higher' ? '>=' : '<='} ${fmt(f.goal.value)} ${met ? '(met)' : '(NOT met)'}`;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function formatFigure(bench: string, f: BenchFigure): string {
  return `${bench.padEnd(8)} ${f.name.padEnd(52)} ${fmt(f.value).padStart(14)} ${f.unit.padEnd(12)} ${goalText(f)}` +
    (f.detail !== undefined ? `\n${' '.repeat(9)}${f.detail}` : '');
}

function markdown(figures: readonly (BenchFigure & { benchmark: string })[]): string {
  const rows = figures.map((f) => `| ${f.benchmark} | ${f.name} | ${fmt(f.value)} ${f.unit} | ${goalText(f)} | ${f.detail ?? ''} |`);
  return ['| benchmark | figure | value | goal | detail |', '| --- | --- | --- | --- | --- |', ...rows, ''].join('\n');
}
