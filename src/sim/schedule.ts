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
 * `windowUs`. Every restart and heal happens by the end of the window. A crash of all hosts at
 * once takes down each host that is up (each restarts after its own downtime); one already down
 * stays down until the later of its restarts.
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
  // Its own stream, forked after the others, so adding it moved no other fault.
  const allPrng = prng.fork();
  const allRate = plan.crashes.allAtOnceRatePerSec;
  if (allRate > 0 && hosts > 0) {
    let t = 0;
    for (let k = 0; k < plannedFaultsMax; k++) {
      t += exponentialUs(allPrng, allRate);
      if (t >= windowUs) break;
      for (let h = 0; h < hosts; h++) {
        const downUs = Math.round(1000 * (plan.crashes.downMsMin + allPrng.nextFloat() * (plan.crashes.downMsMax - plan.crashes.downMsMin)));
        crashes.push({ host: h, crashUs: t, restartUs: Math.min(t + Math.max(1, downUs), windowUs) });
      }
    }
  }
  return { crashes: mergeDowntimes(crashes), partitions };
}

/**
 * The crashes with each host's overlapping downtimes merged (a host down already is not crashed
 * again, and restarts at the later restart), sorted by time and host.
 */
function mergeDowntimes(crashes: readonly PlannedCrash[]): PlannedCrash[] {
  const byHost = [...crashes].sort((a, b) => a.host - b.host || a.crashUs - b.crashUs);
  const out: PlannedCrash[] = [];
  for (const c of byHost) {
    const last = out[out.length - 1];
    if (last !== undefined && last.host === c.host && c.crashUs <= last.restartUs) {
      out[out.length - 1] = { ...last, restartUs: Math.max(last.restartUs, c.restartUs) };
    } else {
      out.push(c);
    }
  }
  return out.sort((a, b) => a.crashUs - b.crashUs || a.host - b.host);
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
