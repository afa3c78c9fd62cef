import type { SimSystem } from './system.js';
import type { SimRunOptions } from './simulator.js';
import { simulate } from './simulator.js';
import type { SimReport } from './report.js';

/**
 * What the registry of simulated systems holds: per system, its command-line options and how to
 * build its binding from them. Bindings are generic in their states and messages; the registry
 * keeps them behind `AnySimSystem`, which only runs seeds.
 */

/** A system's own command-line option (the same shape as the CLI's flags). */
export interface SystemOptionSpec {
  readonly type: 'number' | 'string' | 'boolean';
  readonly help: string;
  /** Shown in --help as the value's name, e.g. N. */
  readonly value?: string;
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/** The values given for a system's options, by name (options not given are absent). */
export type SystemOptionValues = ReadonlyMap<string, number | string | boolean>;

/** A binding with its types hidden: all the CLI and the benchmark need. */
export interface AnySimSystem {
  readonly name: string;
  readonly hostCount: number;
  readonly clientCount: number;
  /** Runs one seed. */
  run(options: SimRunOptions): SimReport;
}

/** A registry entry. */
export interface SimSystemEntry {
  /** One line for `ironfleet sim --help`. */
  readonly summary: string;
  readonly options: Readonly<Record<string, SystemOptionSpec>>;
  /** A variant with a planted bug, for showing that the simulator finds it (benchmarks skip it). */
  readonly deliberatelyBuggy?: boolean;
  /** Builds the binding from the option values. */
  build(values: SystemOptionValues): AnySimSystem;
}

/** Hides a binding's types behind `AnySimSystem`. */
export function anySystem<P, M, C, O, R, S>(system: SimSystem<P, M, C, O, R, S>): AnySimSystem {
  return {
    name: system.name,
    hostCount: system.hostIds.length,
    clientCount: system.workload?.clientIds.length ?? 0,
    run: (options) => simulate(system, options),
  };
}

/** The number given for option `name`, or undefined. */
export function numberOption(values: SystemOptionValues, name: string): number | undefined {
  const v = values.get(name);
  return typeof v === 'number' ? v : undefined;
}
