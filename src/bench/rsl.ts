/**
 * Benchmark of IronRSL as deployed: three `ironfleet rsl serve --app kv` processes on loopback over
 * TLS, and a closed-loop client in this process, IronFleet's throughput-latency curve. For each
 * number of outstanding requests (one client session each, one request at a time per session, all
 * sessions over one client host: one key, one connection per replica) it measures ops/s, p50 and
 * p99 latency, and each process's CPU share over the measured window; then
 * the same with `--checked` replicas, and with `--data-dir` (every vote fsynced before its 2b,
 * group commit). The knee is the highest throughput whose p99 is under `kneeP99MsMax`.
 */
import { mkdtempSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchFigure, BenchOptions } from './types.js';
import { run as certs } from '../cli/certs.js';
import { spawnIronfleet, type ServerProcess } from '../cli/cluster.js';
import { kvGet, kvSet } from '../apps/kv.js';
import { Prng } from '../core/prng.js';
import { freeLoopbackPorts } from '../net/testkit.js';
import { loadServiceFile, type ServiceConfig } from '../net/service-file.js';
import { RslClient, RslClientClosedError } from '../rsl/client.js';

/** Key and value sizes of the workload, in bytes (IronFleet's kv figures). */
const keyBytes = 16;
const valueBytes = 128;
/** Fraction of requests that are sets; the rest are gets. */
const setFraction = 0.5;
/** How many distinct keys the requests use. */
const keysCount = 1000;
/** The knee: the highest throughput whose p99 latency is under this, in ms. */
const kneeP99MsMax = 10;
/** The throughput goal at the knee, in ops/s. */
const kneeOpsGoal = 100_000;
/** The goal for checked / unchecked throughput at the knee. */
const checkedRatioGoal = 0.5;
/** The goal for durable (`--data-dir`, fsync on) / in-memory throughput at the knee. */
const durableRatioGoal = 0.5;

/** How the replicas of a curve run: in memory, in memory under the monitor, or with a data directory. */
type CurveMode = 'unchecked' | 'checked' | 'durable';
/** Most latency samples kept per point. */
const latencySamplesMax = 5_000_000;
/** Longest wait for the replicas to elect a leader, in ms. */
const leaderWaitMsMax = 30_000;
/** Longest wait for the requests outstanding at the end of a window, in ms. */
const drainMsMax = 5_000;
/** Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux). */
const clockTicksPerSecond = 100;

/** One point of the curve. */
interface Point {
  readonly outstanding: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU share of each process over the window, as a fraction of one core, by label. */
  readonly cpu: ReadonlyMap<string, number>;
  readonly ops: number;
  readonly resends: number;
}

/** User plus system CPU time of a process so far, in seconds (0 if it has gone). */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) are at 11 and 12 counting from field 3.
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return 0;
  }
}

/** This process's user plus system CPU time so far, in seconds. */
function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** The workload's requests: 16-byte keys, 128-byte values, half sets. */
class RequestSource {
  private readonly prng = new Prng(20151004);
  private readonly keys: string[] = Array.from({ length: keysCount }, (_, i) => `k${String(i).padStart(keyBytes - 1, '0')}`);
  private readonly values: Uint8Array[] = Array.from({ length: 64 }, () =>
    Uint8Array.from({ length: valueBytes }, () => this.prng.nextInt(256)));

  next(): Uint8Array {
    const key = this.keys[this.prng.nextInt(this.keys.length)] ?? 'k';
    const built = this.prng.nextFloat() < setFraction
      ? kvSet(key, this.values[this.prng.nextInt(this.values.length)] ?? new Uint8Array(valueBytes))
      : kvGet(key);
    if (!built.ok) throw new RangeError(`the kv request builder refused a benchmark request: ${built.error.reason}`);
    return built.value;
  }
}

/**
 * Runs `outstanding` closed-loop loops over one client with as many sessions: warms them up
 * (connections, first requests), then measures for `windowMs`, reading every process's CPU time at
 * the start and end of the window.
 */
async function measurePoint(
  service: ServiceConfig, servers: readonly ServerProcess[], outstanding: number, warmupMs: number, windowMs: number,
): Promise<Point> {
  const source = new RequestSource();
  const client = new RslClient({ service, sessions: outstanding });
  const latencies = new Float64Array(latencySamplesMax);
  let samples = 0;
  let measuring = false;
  let stopping = false;
  let ops = 0;
  const loop = async (): Promise<void> => {
    while (!stopping) {
      const t0 = performance.now();
      const counted = measuring;
      try {
        await client.submit(source.next());
      } catch (e) {
        if (e instanceof RslClientClosedError) return;
        throw e;
      }
      // Only requests both started and finished inside the window are counted.
      if (counted && measuring) {
        ops++;
        if (samples < latencySamplesMax) latencies[samples++] = performance.now() - t0;
      }
    }
  };
  const loops = Array.from({ length: outstanding }, () => loop());
  try {
    await sleep(warmupMs);
    const cpuBefore = servers.map((s) => cpuSecondsOf(s.child.pid ?? 0));
    const ownBefore = ownCpuSeconds();
    const start = performance.now();
    measuring = true;
    await sleep(windowMs);
    measuring = false;
    const elapsedS = (performance.now() - start) / 1000;
    const cpuAfter = servers.map((s) => cpuSecondsOf(s.child.pid ?? 0));
    const ownAfter = ownCpuSeconds();
    stopping = true;
    await Promise.race([Promise.all(loops), sleep(drainMsMax)]);
    const cpu = new Map<string, number>();
    servers.forEach((s, i) => cpu.set(s.label, ((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)) / elapsedS));
    cpu.set('client', (ownAfter - ownBefore) / elapsedS);
    const sorted = latencies.subarray(0, samples).sort();
    return {
      outstanding, opsPerSecond: ops / elapsedS, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), cpu, ops,
      resends: client.totalResends,
    };
  } finally {
    stopping = true;
    await client.close();
    await Promise.allSettled(loops);
  }
}

/** Bytes appended to each file before each sync of the disk benchmark: about one vote of a small batch. */
const diskAppendBytes = 200;

/**
 * What one fdatasync costs on the disk the durable curve runs on, as the three replicas meet it:
 * three files in `dir` (one per replica), each appended `diskAppendBytes` and synced, the three
 * syncs at once, `rounds` times. Returns the p50 and p99 of one round, in ms: a floor under every
 * durable request's latency (a quorum's votes are synced before the request is decided).
 */
async function measureDiskSyncs(dir: string, rounds: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const files = await Promise.all([0, 1, 2].map((i) => open(join(dir, `disk-sync-${i}`), 'a', 0o600)));
  const chunk = new Uint8Array(diskAppendBytes).fill(1);
  const roundMs = new Float64Array(rounds);
  try {
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      // Written on this thread and synced on the thread pool, as FileStore.syncAsync does.
      for (const f of files) writeSync(f.fd, chunk);
      await Promise.all(files.map((f) => f.datasync()));
      roundMs[r] = performance.now() - t0;
    }
  } finally {
    await Promise.all(files.map((f) => f.close()));
  }
  const sorted = roundMs.sort();
  return { p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts three kv replicas in `dir` as `mode` says, waits for a leader, runs every point, stops them. */
async function runCurve(
  dir: string, mode: CurveMode, outstandings: readonly number[], warmupMs: number, windowMs: number, options: BenchOptions,
): Promise<Point[]> {
  const ports = await freeLoopbackPorts(3);
  const certErrors: string[] = [];
  const name = mode === 'unchecked' ? 'plain' : mode;
  const made = await certs(['--out', dir, '--name', name, '--type', 'rsl', ...ports.flatMap((p) => ['--server', `127.0.0.1:${p}`])],
    { out: () => undefined, err: (l) => certErrors.push(l) });
  if (made !== 0) throw new Error(`ironfleet certs failed: ${certErrors.join(' | ')}`);
  const servicePath = join(dir, `${name}.rsl.service.json`);
  const service = loadServiceFile(servicePath);
  if (!service.ok) throw new Error(`cannot read ${servicePath}`);
  const servers: ServerProcess[] = [];
  try {
    for (const i of [1, 2, 3]) {
      servers.push(spawnIronfleet(`server${i}`, ['rsl', 'serve', servicePath, join(dir, `${name}.rsl.server${i}.private.json`),
        '--app', 'kv', ...(mode === 'checked' ? ['--checked'] : []), ...(mode === 'durable' ? ['--data-dir', join(dir, `${name}.server${i}.data`)] : [])]));
    }
    const leader = await Promise.any(servers.map((s) => s.waitForLine((l) => l.startsWith('leading '), leaderWaitMsMax)));
    options.progress(`${name}: ${leader}`);
    const points: Point[] = [];
    for (const outstanding of outstandings) {
      for (const s of servers) {
        if (s.child.exitCode !== null || s.child.signalCode !== null) {
          throw new Error(`${s.label} exited (${s.child.exitCode ?? s.child.signalCode ?? ''}): ${s.errLines.slice(-3).join(' | ')}`);
        }
      }
      const p = await measurePoint(service.value, servers, outstanding, warmupMs, windowMs);
      options.progress(`${name} ${String(outstanding).padStart(3)} outstanding: ${Math.round(p.opsPerSecond)} ops/s, ` +
        `p50 ${p.p50Ms.toFixed(2)} ms, p99 ${p.p99Ms.toFixed(2)} ms, CPU ${cpuText(p.cpu)}`);
      points.push(p);
    }
    return points;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

function cpuText(cpu: ReadonlyMap<string, number>): string {
  return [...cpu].map(([label, share]) => `${label} ${Math.round(share * 100)}%`).join(', ');
}

/** The point with the highest throughput whose p99 is under `kneeP99MsMax`, if any. */
function knee(points: readonly Point[]): Point | undefined {
  let best: Point | undefined;
  for (const p of points) {
    if (p.p99Ms < kneeP99MsMax && (best === undefined || p.opsPerSecond > best.opsPerSecond)) best = p;
  }
  return best;
}

/** The point with the highest throughput. */
function peak(points: readonly Point[]): Point | undefined {
  let best: Point | undefined;
  for (const p of points) if (best === undefined || p.opsPerSecond > best.opsPerSecond) best = p;
  return best;
}

/** The IronRSL throughput-latency benchmark. */
export const benchmark: Benchmark = {
  name: 'rsl',
  summary: `IronRSL kv service, 3 replica processes over TLS on loopback: throughput-latency curve (${keyBytes}-byte keys, ` +
    `${valueBytes}-byte values, half sets), unchecked, --checked, and --data-dir (fsync on)`,
  async run(options: BenchOptions): Promise<BenchFigure[]> {
    const outstandings = options.quick ? [1, 16, 64] : [1, 4, 16, 64, 128, 192, 256, 512];
    const warmupMs = options.quick ? 500 : 1500;
    const windowMs = options.quick ? 1500 : 5000;
    const dir = mkdtempSync(join(tmpdir(), 'ironfleet-bench-rsl-'));
    const figures: BenchFigure[] = [];
    const knees = new Map<CurveMode, Point | undefined>();
    const curves = new Map<CurveMode, Point[]>();
    try {
      for (const mode of ['unchecked', 'checked', 'durable'] as const) {
        if (mode === 'durable') {
          const rounds = options.quick ? 100 : 1000;
          const disk = await measureDiskSyncs(dir, rounds);
          options.progress(`disk: three ${diskAppendBytes}-byte appends synced at once, p50 ${disk.p50Ms.toFixed(2)} ms, p99 ${disk.p99Ms.toFixed(2)} ms`);
          figures.push({
            name: 'disk: three files appended and fdatasynced at once (one per replica), p50', value: Math.round(disk.p50Ms * 100) / 100, unit: 'ms',
            detail: `p99 ${disk.p99Ms.toFixed(2)} ms over ${rounds} rounds of ${diskAppendBytes}-byte appends, in ${tmpdir()}: ` +
              'the floor under a durable request\'s latency, since a quorum\'s votes are synced before it is decided',
          });
        }
        const points = await runCurve(dir, mode, outstandings, warmupMs, windowMs, options);
        curves.set(mode, points);
        for (const p of points) {
          figures.push({
            name: `${mode} ${p.outstanding} outstanding`, value: Math.round(p.opsPerSecond), unit: 'ops/s',
            detail: `p50 ${p.p50Ms.toFixed(2)} ms, p99 ${p.p99Ms.toFixed(2)} ms; CPU (share of one core) ${cpuText(p.cpu)}; ` +
              `${p.ops} ops in ${windowMs / 1000} s, ${p.resends} resends`,
          });
        }
        const k = knee(points);
        knees.set(mode, k);
        figures.push({
          name: `${mode} knee (highest ops/s with p99 < ${kneeP99MsMax} ms)`, value: Math.round(k?.opsPerSecond ?? 0), unit: 'ops/s',
          ...(mode === 'durable' ? {} : { goal: { value: kneeOpsGoal, better: 'higher' as const } }),
          detail: k === undefined ? `no point had p99 under ${kneeP99MsMax} ms`
            : `at ${k.outstanding} outstanding: p50 ${k.p50Ms.toFixed(2)} ms, p99 ${k.p99Ms.toFixed(2)} ms`,
        });
      }
      const ratio = (mode: CurveMode, name: string, goal: number): BenchFigure => {
        // With no point under the p99 bound, the ratio compares the peaks instead, and says so.
        const [baseKnee, modeKnee] = [knees.get('unchecked'), knees.get(mode)];
        const atKnee = baseKnee !== undefined && modeKnee !== undefined;
        const base = atKnee ? baseKnee : peak(curves.get('unchecked') ?? []);
        const other = atKnee ? modeKnee : peak(curves.get(mode) ?? []);
        const r = base !== undefined && other !== undefined && base.opsPerSecond > 0 ? other.opsPerSecond / base.opsPerSecond : 0;
        return {
          name, value: Math.round(r * 100) / 100, unit: 'ratio', goal: { value: goal, better: 'higher' },
          detail: `${Math.round(other?.opsPerSecond ?? 0)} / ${Math.round(base?.opsPerSecond ?? 0)} ops/s` +
            (atKnee ? '' : `, at the peaks (${other?.outstanding ?? 0} and ${base?.outstanding ?? 0} outstanding): ` +
              `a curve has no point with p99 under ${kneeP99MsMax} ms`),
        };
      };
      figures.push(ratio('checked', 'checked / unchecked throughput at the knee', checkedRatioGoal));
      figures.push(ratio('durable', 'durable (--data-dir) / in-memory throughput at the knee', durableRatioGoal));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return figures;
  },
};
