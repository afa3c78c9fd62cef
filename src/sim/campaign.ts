import type { AnySimSystem } from './entry.js';
import type { SimRunOptions } from './simulator.js';
import type { FaultCounts, SimReport } from './report.js';
import { zeroFaultCounts } from './report.js';

/**
 * Many seeds of one system: runs them in order and totals what they did. The CLI, `verify` and
 * the benchmark all run seeds through this.
 */

/** Totals over the seeds of a campaign. */
export interface CampaignSummary {
  readonly system: string;
  readonly seeds: number;
  readonly failures: number;
  readonly hostSteps: number;
  readonly clientSteps: number;
  readonly events: number;
  readonly simulatedMs: number;
  readonly faults: FaultCounts;
  /** The seeds that failed, in order. */
  readonly failedSeeds: readonly number[];
}

/** Runs `system` for each of `seeds` with `options`, calling `onReport` after each run. */
export function runCampaign(
  system: AnySimSystem, seeds: Iterable<number>, options: Omit<SimRunOptions, 'seed'>,
  onReport: (report: SimReport) => void = () => undefined,
): CampaignSummary {
  const faults = zeroFaultCounts();
  let runs = 0;
  let hostSteps = 0;
  let clientSteps = 0;
  let events = 0;
  let simulatedMs = 0;
  const failedSeeds: number[] = [];
  for (const seed of seeds) {
    const report = system.run({ ...options, seed });
    runs++;
    hostSteps += report.hostSteps;
    clientSteps += report.clientSteps;
    events += report.events;
    simulatedMs += report.simulatedMs;
    for (const k of Object.keys(faults) as (keyof FaultCounts)[]) faults[k] += report.faults[k];
    if (!report.ok) failedSeeds.push(seed);
    onReport(report);
  }
  return {
    system: system.name, seeds: runs, failures: failedSeeds.length, hostSteps, clientSteps, events, simulatedMs, faults, failedSeeds,
  };
}

/** Seeds first..first+count-1. */
export function seedRange(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}
