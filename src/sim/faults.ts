import type { Prng } from '../core/prng.js';
import { assert, unreachable } from '../core/assert.js';

/**
 * The simulator's fault model, as one value: what the network, the disks and the clocks may do
 * to the hosts during a run's fault window. A seed picks a plan (see `pickFaultPlan`); a user may
 * set any part of it. Nothing here draws randomness at run time; the simulator does, from the
 * run's seed, using the rates in the plan.
 */

/** How long a packet takes from send to delivery. Always on, also after the fault window. */
export type DelayModel =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** `minMs` plus an exponential tail with mean `meanMs`, cut at `maxMs`. */
  | { readonly kind: 'exponential'; readonly minMs: number; readonly meanMs: number; readonly maxMs: number };

/** Per-packet faults, drawn independently for every packet sent during the fault window. */
export interface NetworkFaults {
  /** Probability that a packet is lost. */
  readonly lossRate: number;
  /** Probability that a packet is delivered twice (the copy gets its own delay). */
  readonly dupRate: number;
  /** Probability that a packet is held back by up to `reorderDelayMsMax` extra, so later ones overtake it. */
  readonly reorderRate: number;
  readonly reorderDelayMsMax: number;
  /** Latency of every packet. */
  readonly delay: DelayModel;
}

/**
 * Network partitions: they start as a Poisson process and heal after a drawn duration (at the
 * latest when the fault window ends). A partition splits the endpoints in two sides; a symmetric
 * one cuts both directions, a one-way one only packets from the first side to the second.
 */
export interface PartitionFaults {
  /** New partitions per simulated second, for the whole system. */
  readonly ratePerSec: number;
  /** The fraction of partitions that are one-way. */
  readonly oneWayFraction: number;
  readonly durationMsMin: number;
  readonly durationMsMax: number;
}

/**
 * Host crashes: a Poisson process per host, and one for the whole system in which every host
 * crashes at the same instant (a power cut); a crashed host restarts after its own drawn downtime.
 */
export interface CrashFaults {
  /** Crashes per host per simulated second. */
  readonly ratePerHostPerSec: number;
  /** Crashes of every host at once per simulated second. */
  readonly allAtOnceRatePerSec: number;
  readonly downMsMin: number;
  readonly downMsMax: number;
}

/**
 * Disk faults. At a crash, the writes not yet synced are lost with `unsyncedLossRate`; otherwise
 * one of them (per blob) survives, torn with `tornWriteRate` (a prefix of the new bytes over the
 * old). During the fault window every read, write and sync fails with `errorRate`.
 */
export interface DiskFaults {
  readonly unsyncedLossRate: number;
  readonly tornWriteRate: number;
  readonly errorRate: number;
}

/**
 * Per-host clocks: each host's clock is offset by up to `skewMsMax` either way and runs fast or
 * slow by up to `driftPpmMax` parts per million. Clocks never go backwards.
 */
export interface ClockFaults {
  readonly skewMsMax: number;
  readonly driftPpmMax: number;
}

/** The whole fault model of a run. */
export interface FaultPlan {
  readonly network: NetworkFaults;
  readonly partitions: PartitionFaults;
  readonly crashes: CrashFaults;
  readonly disk: DiskFaults;
  readonly clocks: ClockFaults;
}

/** Parts of a fault plan a user sets; everything left out is picked by the seed (or none). */
export interface FaultOverrides {
  readonly network?: Partial<NetworkFaults>;
  readonly partitions?: Partial<PartitionFaults>;
  readonly crashes?: Partial<CrashFaults>;
  readonly disk?: Partial<DiskFaults>;
  readonly clocks?: Partial<ClockFaults>;
}

/** The latency used when a plan has no faults: 0.1 to 1 ms, uniform. */
export const defaultDelay: DelayModel = { kind: 'uniform', minMs: 0.1, maxMs: 1 };

/**
 * A plan with no faults at all: every rate is zero, so packets only take time. The other
 * parameters (hold-back, durations) have ordinary values, so setting just a rate on top of this
 * plan gives a working fault.
 */
export const noFaults: FaultPlan = {
  network: { lossRate: 0, dupRate: 0, reorderRate: 0, reorderDelayMsMax: 20, delay: defaultDelay },
  partitions: { ratePerSec: 0, oneWayFraction: 0.5, durationMsMin: 10, durationMsMax: 300 },
  crashes: { ratePerHostPerSec: 0, allAtOnceRatePerSec: 0, downMsMin: 5, downMsMax: 200 },
  disk: { unsyncedLossRate: 0.5, tornWriteRate: 0, errorRate: 0 },
  clocks: { skewMsMax: 0, driftPpmMax: 0 },
};

/**
 * A fault plan picked by `prng`: each kind of fault is off or on at one of a few rates, so that
 * across seeds the simulator sees quiet runs, runs with one kind of fault, and runs with many
 * (the approach of FoundationDB's simulator). Then `overrides` replace whatever the user set.
 */
export function pickFaultPlan(prng: Prng, overrides: FaultOverrides = {}): FaultPlan {
  const delays: readonly DelayModel[] = [
    defaultDelay,
    { kind: 'uniform', minMs: 0.5, maxMs: 5 },
    { kind: 'exponential', minMs: 0.2, meanMs: 2, maxMs: 30 },
  ];
  const picked: FaultPlan = {
    network: {
      lossRate: prng.pick([0, 0, 0.01, 0.05, 0.2]),
      dupRate: prng.pick([0, 0, 0.01, 0.05, 0.1]),
      reorderRate: prng.pick([0, 0, 0.02, 0.1]),
      reorderDelayMsMax: prng.pick([5, 20, 50]),
      delay: prng.pick(delays),
    },
    partitions: {
      ratePerSec: prng.pick([0, 0, 0.5, 2]),
      oneWayFraction: 0.5,
      durationMsMin: 10,
      durationMsMax: prng.pick([100, 500]),
    },
    crashes: {
      ratePerHostPerSec: prng.pick([0, 0, 0.2, 1]),
      allAtOnceRatePerSec: 0,
      downMsMin: 5,
      downMsMax: prng.pick([50, 300]),
    },
    disk: {
      unsyncedLossRate: prng.pick([0.2, 0.5]),
      tornWriteRate: prng.pick([0, 0.3, 0.6]),
      errorRate: prng.pick([0, 0, 0.001, 0.01]),
    },
    clocks: {
      skewMsMax: prng.pick([0, 100, 10_000]),
      driftPpmMax: prng.pick([0, 100, 2_000]),
    },
  };
  // Drawn last, so that every other choice a seed made before crashes of all at once existed stays.
  const allAtOnce = prng.pick([0, 0, 0, 0.5, 2]);
  return withOverrides({ ...picked, crashes: { ...picked.crashes, allAtOnceRatePerSec: allAtOnce } }, overrides);
}

/** `plan` with the parts set in `overrides` replaced, then checked for sane values. */
export function withOverrides(plan: FaultPlan, overrides: FaultOverrides): FaultPlan {
  const out: FaultPlan = {
    network: { ...plan.network, ...overrides.network },
    partitions: { ...plan.partitions, ...overrides.partitions },
    crashes: { ...plan.crashes, ...overrides.crashes },
    disk: { ...plan.disk, ...overrides.disk },
    clocks: { ...plan.clocks, ...overrides.clocks },
  };
  const problem = planProblem(out);
  assert(problem === null, () => `invalid fault plan: ${problem ?? ''}`);
  return out;
}

/** What is wrong with a plan's values, or null when they are all in range. */
export function planProblem(plan: FaultPlan): string | null {
  // Probabilities first, then non-negative quantities: the first value out of range is reported.
  const fields: [name: string, value: number, range: 'probability' | 'nonNegative'][] = [
    ['network.lossRate', plan.network.lossRate, 'probability'],
    ['network.dupRate', plan.network.dupRate, 'probability'],
    ['network.reorderRate', plan.network.reorderRate, 'probability'],
    ['partitions.oneWayFraction', plan.partitions.oneWayFraction, 'probability'],
    ['disk.unsyncedLossRate', plan.disk.unsyncedLossRate, 'probability'],
    ['disk.tornWriteRate', plan.disk.tornWriteRate, 'probability'],
    ['disk.errorRate', plan.disk.errorRate, 'probability'],
    ['network.reorderDelayMsMax', plan.network.reorderDelayMsMax, 'nonNegative'],
    ['partitions.ratePerSec', plan.partitions.ratePerSec, 'nonNegative'],
    ['partitions.durationMsMin', plan.partitions.durationMsMin, 'nonNegative'],
    ['crashes.ratePerHostPerSec', plan.crashes.ratePerHostPerSec, 'nonNegative'],
    ['crashes.allAtOnceRatePerSec', plan.crashes.allAtOnceRatePerSec, 'nonNegative'],
    ['crashes.downMsMin', plan.crashes.downMsMin, 'nonNegative'],
    ['clocks.skewMsMax', plan.clocks.skewMsMax, 'nonNegative'],
    ['clocks.driftPpmMax', plan.clocks.driftPpmMax, 'nonNegative'],
  ];
  for (const [name, x, range] of fields) {
    if (range === 'probability' && !(x >= 0 && x <= 1)) return `${name} must be in [0, 1], got ${x}`;
    if (range === 'nonNegative' && !(x >= 0 && Number.isFinite(x))) return `${name} must be >= 0, got ${x}`;
  }
  if (plan.partitions.durationMsMax < plan.partitions.durationMsMin) return 'partitions.durationMsMax < durationMsMin';
  if (plan.crashes.downMsMax < plan.crashes.downMsMin) return 'crashes.downMsMax < downMsMin';
  // A drift of a million ppm or more would stop or reverse a clock.
  if (plan.clocks.driftPpmMax >= 500_000) return `clocks.driftPpmMax must be < 500000, got ${plan.clocks.driftPpmMax}`;
  const d = plan.network.delay;
  switch (d.kind) {
    case 'fixed':
      if (!(d.ms >= 0)) return 'network.delay.ms must be >= 0';
      break;
    case 'uniform':
      if (!(d.minMs >= 0 && d.maxMs >= d.minMs)) return 'network.delay needs 0 <= minMs <= maxMs';
      break;
    case 'exponential':
      if (!(d.minMs >= 0 && d.meanMs > 0 && d.maxMs >= d.minMs)) return 'network.delay needs 0 <= minMs <= maxMs and meanMs > 0';
      break;
    default: {
      const never: never = d;
      return `unknown delay model ${JSON.stringify(never)}`;
    }
  }
  return null;
}

/** A one-line rendering of a plan, for reports. */
export function describePlan(plan: FaultPlan): string {
  const n = plan.network;
  const d = n.delay;
  const delay = d.kind === 'fixed' ? `${d.ms}ms`
    : d.kind === 'uniform' ? `${d.minMs}-${d.maxMs}ms`
      : `${d.minMs}ms+exp(${d.meanMs}ms)<=${d.maxMs}ms`;
  return [
    `loss ${n.lossRate}`, `dup ${n.dupRate}`, `reorder ${n.reorderRate} (<=${n.reorderDelayMsMax}ms)`, `delay ${delay}`,
    `partitions ${plan.partitions.ratePerSec}/s (${plan.partitions.durationMsMin}-${plan.partitions.durationMsMax}ms, ` +
      `${plan.partitions.oneWayFraction} one-way)`,
    `crashes ${plan.crashes.ratePerHostPerSec}/host/s and ${plan.crashes.allAtOnceRatePerSec}/s of all at once ` +
      `(down ${plan.crashes.downMsMin}-${plan.crashes.downMsMax}ms)`,
    `disk unsynced-loss ${plan.disk.unsyncedLossRate} torn ${plan.disk.tornWriteRate} errors ${plan.disk.errorRate}`,
    `clock skew <=${plan.clocks.skewMsMax}ms drift <=${plan.clocks.driftPpmMax}ppm`,
  ].join(', ');
}

/** A delay drawn from `model`, in whole microseconds. */
export function sampleDelayUs(model: DelayModel, prng: Prng): number {
  switch (model.kind) {
    case 'fixed':
      return Math.round(model.ms * 1000);
    case 'uniform':
      return Math.round((model.minMs + prng.nextFloat() * (model.maxMs - model.minMs)) * 1000);
    case 'exponential': {
      // Inverse CDF; 1 - u is in (0, 1], so the logarithm is finite.
      const tail = -Math.log(1 - prng.nextFloat()) * model.meanMs;
      return Math.round(Math.min(model.minMs + tail, model.maxMs) * 1000);
    }
    default:
      return unreachable(model, 'delay model');
  }
}
