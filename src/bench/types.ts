/**
 * The benchmark contract: each benchmark module measures figures and returns them; the `bench`
 * command prints them and writes the report. Speed goals live here, never in tests.
 */

/** One measured figure. */
export interface BenchFigure {
  /** What was measured, e.g. 'twophase --rms 8 distinct states/s'. */
  readonly name: string;
  readonly value: number;
  /** Unit, e.g. 'states/s', 'ms', 'bytes/state'. */
  readonly unit: string;
  /** The goal the figure is held to, if any, and whether higher or lower is better. */
  readonly goal?: { readonly value: number; readonly better: 'higher' | 'lower' };
  /** Anything a reader needs to interpret the figure (sizes, counts, configuration). */
  readonly detail?: string;
}

/** Options every benchmark receives. */
export interface BenchOptions {
  /** A shorter run, for smoke-testing the benchmark itself. */
  readonly quick: boolean;
  /** Progress lines for a person watching. */
  readonly progress: (line: string) => void;
}

/** A benchmark module. */
export interface Benchmark {
  readonly name: string;
  readonly summary: string;
  run(options: BenchOptions): Promise<BenchFigure[]>;
}
