import type { Prng } from '../core/prng.js';
import type { FaultPlan } from './faults.js';

/**
 * The timed faults of a run (crashes with their restarts, partitions with their heals), drawn
 * from the plan's rates before the run starts. Drawing them up front from their own random
 * stream keeps them independent of everything else: changing the loss rate does not move a crash.
 */

/** A planned crash of host `host` (an endpoint index) and its restart. */
export interface PlannedCrash {
  readonly host: number;
  readonly crashUs: number;
  readonly restartUs: number;
}

/** A planned partition: packets from `from` to `to` (and back, unless one-way) are cut. */
export interface PlannedPartition {
  readonly id: number;
  readonly startUs: number;
  readonly endUs: number;
  readonly from: readonly number[];
  readonly to: readonly number[];
  readonly oneWay: boolean;
}

/** The timed faults of a run. */
export interface FaultSchedule {
  readonly crashes: readonly PlannedCrash[];
  readonly partitions: readonly PlannedPartition[];
}

/** At most this many crashes per host, and partitions per run, are planned (a limit on absurd rates). */
export const plannedFaultsMax = 10_000;

/**
 * Draws the timed faults for `hosts` hosts (endpoint indexes 0..hosts-1, the ones that may crash)
 * and `endpoints` endpoints in all (partitions may separate clients too), within a fault window of
 * `windowUs`. Every restart and heal happens by the end of the window.
 */
export function planFaults(plan: FaultPlan, prng: Prng, hosts: number, endpoints: number, windowUs: number): FaultSchedule {
  const crashes: PlannedCrash[] = [];
  const crashRate = plan.crashes.ratePerHostPerSec;
  for (let h = 0; h < hosts; h++) {
    const hostPrng = prng.fork();
    if (crashRate <= 0) continue;
    let t = 0;
    for (let k = 0; k < plannedFaultsMax; k++) {
      t += exponentialUs(hostPrng, crashRate);
      if (t >= windowUs) break;
      const downUs = Math.round(1000 * (plan.crashes.downMsMin + hostPrng.nextFloat() * (plan.crashes.downMsMax - plan.crashes.downMsMin)));
      const restartUs = Math.min(t + Math.max(1, downUs), windowUs);
      crashes.push({ host: h, crashUs: t, restartUs });
      t = restartUs;
    }
  }
  crashes.sort((a, b) => a.crashUs - b.crashUs || a.host - b.host);

  const partitions: PlannedPartition[] = [];
  const partitionPrng = prng.fork();
  const p = plan.partitions;
  if (p.ratePerSec > 0 && endpoints >= 2) {
    let t = 0;
    for (let k = 0; k < plannedFaultsMax; k++) {
      t += exponentialUs(partitionPrng, p.ratePerSec);
      if (t >= windowUs) break;
      const durationUs = Math.round(1000 * (p.durationMsMin + partitionPrng.nextFloat() * (p.durationMsMax - p.durationMsMin)));
      const sides = splitSides(partitionPrng, endpoints);
      partitions.push({
        id: partitions.length + 1,
        startUs: t,
        endUs: Math.min(t + Math.max(1, durationUs), windowUs),
        from: sides.a,
        to: sides.b,
        oneWay: partitionPrng.chance(p.oneWayFraction),
      });
    }
  }
  return { crashes, partitions };
}

/** A gap of a Poisson process with `ratePerSec` events per second, in whole microseconds (at least 1). */
function exponentialUs(prng: Prng, ratePerSec: number): number {
  return Math.max(1, Math.round((-Math.log(1 - prng.nextFloat()) / ratePerSec) * 1_000_000));
}

/** Two non-empty sides of `n` endpoints, each endpoint on either side with even odds. */
function splitSides(prng: Prng, n: number): { a: number[]; b: number[] } {
  const onA: boolean[] = Array.from({ length: n }, () => prng.chance(0.5));
  if (onA.every((x) => x) || onA.every((x) => !x)) {
    const k = prng.nextInt(n);
    onA[k] = !onA[k];
  }
  const a: number[] = [];
  const b: number[] = [];
  onA.forEach((x, i) => (x ? a : b).push(i));
  return { a, b };
}
