import type { HostId } from '../framework/types.js';
import type { FaultPlan } from './faults.js';
import { describePlan } from './faults.js';
import type { CrashOutcome, DiskOp } from './disk.js';
import { describeCrashOutcome, describeDiskOp } from './disk.js';
import type { LinVerdict } from './history.js';

/**
 * What a simulation run reports: whether it passed, the first failure, the trace hash, what the
 * faults did, and (for a failure) the last events before it. Plain data, so `--json` prints it.
 */

/** Which check failed. */
export type SimFailureKind =
  /** A host step (or the wrapper around it, such as the refinement monitor) threw. */
  | 'exception'
  /** A step's IO was not receives, then one clock read, then sends. */
  | 'reduction'
  | 'safety'
  /** The hosts' abstraction did not take a spec step or stutter, or a sent packet broke the spec's correspondence. */
  | 'spec'
  | 'liveness'
  | 'linearizability'
  /** A packet did not survive encode, decode, encode unchanged. */
  | 'codec'
  /** The run took more steps than allowed (a host that never stops stepping). */
  | 'stepLimit';

/** The first failure of a run. */
export interface SimFailure {
  readonly kind: SimFailureKind;
  readonly message: string;
  /** Simulated time of the failure, in ms. */
  readonly atMs: number;
  /** The host (or client) involved, when there is one. */
  readonly host: HostId | null;
}

/** A fault that happened, as it happened. */
export type FaultEvent =
  | { readonly kind: 'clock'; readonly atMs: number; readonly host: HostId; readonly offsetMs: number; readonly driftPpm: number }
  | { readonly kind: 'crash'; readonly atMs: number; readonly host: HostId; readonly disk: readonly CrashOutcome[] }
  | { readonly kind: 'restart'; readonly atMs: number; readonly host: HostId }
  /** A crashed host could not start (the binding's factory reported a disk error); it is tried again. */
  | { readonly kind: 'startRefused'; readonly atMs: number; readonly host: HostId; readonly error: string }
  | {
    readonly kind: 'partition'; readonly atMs: number; readonly id: number;
    readonly from: readonly HostId[]; readonly to: readonly HostId[]; readonly oneWay: boolean;
  }
  | { readonly kind: 'heal'; readonly atMs: number; readonly id: number }
  | { readonly kind: 'diskError'; readonly atMs: number; readonly host: HostId; readonly op: DiskOp; readonly name: string };

/** How many faults of each kind a run injected. */
export interface FaultCounts {
  lost: number;
  duplicated: number;
  reordered: number;
  partitionDrops: number;
  partitions: number;
  oneWayPartitions: number;
  crashes: number;
  restarts: number;
  /** Times every host of the service was down at once. */
  allDown: number;
  unsyncedLost: number;
  unsyncedKept: number;
  tornWrites: number;
  diskErrors: number;
}

/** Fault counts that are all zero, to count up from. */
export function zeroFaultCounts(): FaultCounts {
  return {
    lost: 0, duplicated: 0, reordered: 0, partitionDrops: 0, partitions: 0, oneWayPartitions: 0,
    crashes: 0, restarts: 0, allDown: 0, unsyncedLost: 0, unsyncedKept: 0, tornWrites: 0, diskErrors: 0,
  };
}

/** Packet counts that are not faults. */
export interface PacketCounts {
  sent: number;
  delivered: number;
  downDrops: number;
  overflowDrops: number;
  unknownDst: number;
  /** Packets sent by outsiders (hosts outside the service), included in `sent`. */
  fromOutsiders: number;
}

/** The outcome of one run. */
export interface SimReport {
  readonly system: string;
  readonly seed: number;
  readonly ok: boolean;
  readonly failure: SimFailure | null;
  /** The hash of every event of the run: equal for equal seeds and options. */
  readonly traceHash: string;
  readonly plan: FaultPlan;
  /** Fault window and quiet period, in simulated ms. */
  readonly durationMs: number;
  readonly quietMs: number;
  /** Simulated time reached, in ms. */
  readonly simulatedMs: number;
  readonly hostSteps: number;
  readonly clientSteps: number;
  /** Trace events recorded (and hashed). */
  readonly events: number;
  readonly faults: FaultCounts;
  readonly packets: PacketCounts;
  /** The faults as they happened, oldest first (at most `scheduleKeptMax`). */
  readonly schedule: readonly FaultEvent[];
  readonly scheduleTruncated: boolean;
  /** The last events before the end or the failure, rendered (empty for a passing run unless asked). */
  readonly trace: readonly string[];
  /** Client operations called and returned, and the linearizability verdict, when there is a workload. */
  readonly history: { readonly calls: number; readonly returns: number; readonly verdict: LinVerdict | null } | null;
}

/** The most fault events a report lists. */
export const scheduleKeptMax = 1_000;

/** One line for a fault event. */
export function describeFault(f: FaultEvent): string {
  const t = `${f.atMs.toFixed(3)}ms`.padStart(13);
  switch (f.kind) {
    case 'clock':
      return `${t}  ${f.host} clock offset ${f.offsetMs.toFixed(1)}ms drift ${f.driftPpm.toFixed(0)}ppm`;
    case 'crash': {
      const disk = f.disk.map(describeCrashOutcome);
      return `${t}  ${f.host} CRASH${disk.length > 0 ? ` (unsynced writes: ${disk.join(', ')})` : ''}`;
    }
    case 'restart':
      return `${t}  ${f.host} restart`;
    case 'startRefused':
      return `${t}  ${f.host} refused to start (${f.error}); tried again later`;
    case 'partition': {
      const [kind, sides] = describePartition(f.oneWay, f.from, f.to);
      return `${t}  partition #${f.id} ${kind}: ${sides}`;
    }
    case 'heal':
      return `${t}  heal partition #${f.id}`;
    case 'diskError':
      return `${t}  ${f.host} disk error on ${describeDiskOp(f.op, f.name)}`;
    default: {
      const never: never = f;
      return JSON.stringify(never);
    }
  }
}

/** A partition in words: 'one-way' or 'symmetric', and its sides, e.g. `{a,b} -/-> {c}`. */
export function describePartition(oneWay: boolean, from: readonly string[], to: readonly string[]): [kind: string, sides: string] {
  return [oneWay ? 'one-way' : 'symmetric', `{${from.join(',')}} ${oneWay ? '-/->' : '<-/->'} {${to.join(',')}}`];
}

/** Fault counts in one line. */
export function describeCounts(c: FaultCounts): string {
  return `${c.lost} lost, ${c.duplicated} duplicated, ${c.reordered} reordered, ${c.partitionDrops} cut by partitions; ` +
    `${c.partitions} partitions (${c.oneWayPartitions} one-way); ${c.crashes} crashes, ${c.restarts} restarts, ` +
    `${c.allDown} times all down; ` +
    `disk: ${c.unsyncedLost} unsynced lost, ${c.unsyncedKept} kept, ${c.tornWrites} torn, ${c.diskErrors} errors`;
}

/** One line for a failed run. */
export function failureLine(r: SimReport): string {
  const f = r.failure;
  if (f === null) return `seed ${r.seed}: ok (trace ${r.traceHash})`;
  return `FAIL seed ${r.seed}: ${f.kind} at ${f.atMs.toFixed(3)}ms${f.host !== null ? ` on ${f.host}` : ''}: ${f.message} ` +
    `(trace ${r.traceHash})`;
}

/**
 * The full account of a run: the failure, the plan, the faults as they happened, and the last
 * events. `replay` is the command line that reproduces it.
 */
export function describeRun(r: SimReport, replay: string): string[] {
  const lines = [failureLine(r), `  replay: ${replay}`, `  plan: ${describePlan(r.plan)}`,
    `  faults: ${describeCounts(r.faults)}`, `  fault schedule (${r.schedule.length}${r.scheduleTruncated ? '+, truncated' : ''}):`];
  for (const f of r.schedule) lines.push(`  ${describeFault(f)}`);
  if (r.trace.length > 0) {
    lines.push(`  last ${r.trace.length} events:`);
    for (const t of r.trace) lines.push(`  ${t}`);
  }
  return lines;
}
