import type { Benchmark, BenchFigure, BenchOptions } from './types.js';
import { simSystems } from '../cli/systems.js';
import { runCampaign, seedRange } from '../sim/campaign.js';

/**
 * The simulator benchmark: simulated host steps per second of wall time, for every registered
 * system except the deliberately buggy variants, each run over a range of seeds with the faults
 * the seeds pick (so the figure includes crashes, partitions, codec round trips, journaling, the
 * trace hash and the system's checks, as a real campaign does).
 */

/** The goal for systems without clients: host steps per second. */
const hostStepsPerSecGoal = 100_000;

async function measure(options: BenchOptions): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  for (const [name, entry] of Object.entries(simSystems)) {
    if (entry.deliberatelyBuggy === true) continue;
    const system = entry.build(new Map());
    // Warm the JIT on seeds outside the measured range.
    runCampaign(system, seedRange(1_000_001, options.quick ? 3 : 20), {});
    const seeds = seedRange(1, options.quick ? 20 : 300);
    const started = performance.now();
    const s = runCampaign(system, seeds, {});
    const wallMs = performance.now() - started;
    const hostPerSec = (s.hostSteps / wallMs) * 1000;
    const allPerSec = ((s.hostSteps + s.clientSteps) / wallMs) * 1000;
    options.progress(`${name}: ${s.seeds} seeds, ${s.hostSteps} host steps, ${s.clientSteps} client steps, ` +
      `${s.failures} failed, ${wallMs.toFixed(0)} ms`);
    const detail = `${s.seeds} seeds with seed-picked faults (${system.hostCount} hosts` +
      `${system.clientCount > 0 ? `, ${system.clientCount} clients` : ''}), ${(s.simulatedMs / 1000).toFixed(0)} s simulated ` +
      `in ${(wallMs / 1000).toFixed(2)} s, ${Math.round((s.events / wallMs) * 1000).toLocaleString('en-US')} trace events/s, ` +
      `${s.failures} failures`;
    figures.push({
      name: `sim ${name} host steps/s`,
      value: Math.round(hostPerSec),
      unit: 'steps/s',
      // With clients, wall time also goes to client steps; the goal is set for host-only systems.
      ...(system.clientCount === 0 ? { goal: { value: hostStepsPerSecGoal, better: 'higher' as const } } : {}),
      detail,
    });
    if (system.clientCount > 0) {
      figures.push({ name: `sim ${name} host+client steps/s`, value: Math.round(allPerSec), unit: 'steps/s', detail });
    }
    // Let the event loop breathe between systems (progress lines flush).
    await Promise.resolve();
  }
  return figures;
}

/** The sim benchmark. */
export const benchmark: Benchmark = {
  name: 'sim',
  summary: 'deterministic simulator: simulated host steps per second on each registered system',
  run: measure,
};
