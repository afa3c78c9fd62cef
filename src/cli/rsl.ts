import { writeFileSync } from 'node:fs';
import { errorText } from '../core/errors.js';
import { Prng } from '../core/prng.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { CommandIo, CommandSpec } from './args.js';
import { exitUsage, runCommand, UsageError } from './args.js';
import { serveUntilStopped } from './serve.js';
import { isModulePath, loadUserModule, pickExport } from './user-module.js';
import type { ExportKind } from './user-module.js';
import { counterLinInput, counterLinOutput, counterRequest, counterService } from '../apps/counter.js';
import { kvDelete, kvGet, kvLinInput, kvLinOutput, kvService, kvSet } from '../apps/kv.js';
import { formatHistory } from '../lin/format.js';
import type { HistoryEvent } from '../lin/types.js';
import { describeFileError, loadServiceFile, type ServiceConfig } from '../net/service-file.js';
import { shortId } from '../net/identity.js';
import type { Logger } from '../net/log.js';
import { RslClient, RslClientClosedError, rslClientSessionsMax } from '../rsl/client.js';
import { rslServerParams, startRslServer } from '../rsl/server.js';
import type { RslParams } from '../rsl/protocol/types.js';
import { rslBatchLengthMax, rslVotesLengthMax } from '../rsl/wire.js';
import type { ServiceFactory } from '../rsl/service.js';
import { checkDeterministic, serviceFactoryProblems, serviceShape, validateService } from '../rsl/service.js';

/**
 * `ironfleet rsl serve` and `ironfleet rsl client`: an IronRSL replica process, and IronFleet's
 * client programs (closed-loop threads, one request outstanding each, over the sessions of one
 * client host).
 * The workload runner is exported for `ironfleet demo`.
 */

/** What `--app ./module.js` looks for among the module's exports. */
export const serviceExport: ExportKind = {
  noun: 'service',
  shape: serviceShape,
  problems: serviceFactoryProblems,
};

/** How many sample requests a user's service is run on before it is replicated. */
export const serviceSampleRequests = 64;

/** The sample requests a user's service must handle deterministically: a few fixed, the rest pseudo-random. */
function sampleRequests(): Uint8Array[] {
  const prng = new Prng(20150904);
  const fixed = [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(1), new TextEncoder().encode('hello')];
  const random = Array.from({ length: serviceSampleRequests - fixed.length }, () =>
    Uint8Array.from({ length: prng.nextInt(24) }, () => prng.nextInt(256)));
  return [...fixed, ...random];
}

/**
 * The service `--app` names: `counter`, `kv`, or a user's ES module (its default export if that is
 * a service, else its only export that is one, or `exportName`), checked with `validateService`
 * and `checkDeterministic` on sample requests. An error sentence when it is none of those.
 */
export async function resolveService(app: string, cwd: string, exportName?: string): Promise<Result<ServiceFactory, string>> {
  if (app === 'counter') return ok(counterService as unknown as ServiceFactory);
  if (app === 'kv') return ok(kvService as unknown as ServiceFactory);
  if (!isModulePath(app)) return err(`--app '${app}' is neither counter, kv nor a module path (./service.js)`);
  const loaded = await loadUserModule(app, cwd);
  if (!loaded.ok) return loaded;
  const picked = pickExport(app, loaded.value, serviceExport, exportName);
  if (!picked.ok) return picked;
  const valid = validateService(picked.value.value);
  if (!valid.ok) return err(`${app}: ${valid.error}`);
  const deterministic = checkDeterministic(valid.value, sampleRequests());
  if (!deterministic.ok) return err(`${app}: ${deterministic.error}; a replicated service must be deterministic`);
  return valid;
}

/**
 * The protocol parameters a server takes as flags, by flag name: every replica of a service must
 * be given the same values. Defaults are `rslServerParams`; the wire's limits bound them.
 */
const serveParams = {
  'batch-size-max': { param: 'batchSizeMax', help: 'most requests in one slot', min: 1, max: rslBatchLengthMax },
  'batch-delay-ms': { param: 'batchDelayMs', help: 'how long an incomplete batch may wait to fill, in ms', min: 0, max: 60_000 },
  'eager-slots-max': { param: 'eagerSlotsMax', help: 'an incomplete batch is proposed at once while fewer slots than this are in flight', min: 0, max: rslVotesLengthMax },
  'heartbeat-period-ms': { param: 'heartbeatPeriodMs', help: 'time between two heartbeats of a replica, in ms', min: 1, max: 60_000 },
  'view-timeout-baseline-ms': { param: 'viewTimeoutBaselineMs', help: 'how long requests may stay unexecuted before a replica suspects the leader, in ms (doubles per view change)', min: 1, max: 3_600_000 },
  'log-length-max': { param: 'logLengthMax', help: 'most slots of votes an acceptor keeps (the leader\'s window)', min: 1, max: rslVotesLengthMax },
} as const satisfies Record<string, { param: keyof RslParams; help: string; min: number; max: number }>;

function paramFlags(): CommandSpec['flags'] {
  const flags: Record<string, CommandSpec['flags'][string]> = {};
  for (const [flag, { param, help, min, max }] of Object.entries(serveParams)) {
    flags[flag] = { type: 'number', value: 'N', help: `${help} (default ${rslServerParams[param]})`, integer: true, min, max };
  }
  return flags;
}

/** `base` with the values of the parameter flags given. */
function paramsOf(numbers: ReadonlyMap<string, number>, base: RslParams): RslParams {
  const given = Object.entries(serveParams).flatMap(([flag, { param }]) => {
    const value = numbers.get(flag);
    return value === undefined ? [] : [[param, value] as const];
  });
  return { ...base, ...Object.fromEntries(given) };
}

const serveSpec: CommandSpec = {
  name: 'ironfleet rsl serve',
  summary: 'Serves one replica of an IronRSL service over TLS. Prints "ready NAME ADDRESS:PORT" once it accepts ' +
    'traffic, then "view SEQNO.NAME" when it sees a new view and "leading SEQNO.NAME" when it starts to lead one. ' +
    'The replicas may start in any order. Stops on SIGINT or SIGTERM. --app names the replicated service: counter, ' +
    'kv, or the path of an ES module (starting with ./, ../ or /, or ending in .js or .mjs) whose default export, or ' +
    'only export of that shape, is a service: ' + serviceShape + ' (see docs/rsl.md §9). A module\'s service is ' +
    'checked on sample requests before serving: it must be deterministic and restore from its own snapshots.',
  positionals: [
    { name: 'SERVICE', help: 'the service file written by ironfleet certs' },
    { name: 'PRIVATE', help: "this server's private key file" },
  ],
  flags: {
    app: { type: 'string', value: 'APP', help: 'the replicated service: counter, kv, or ./module.js' },
    export: { type: 'string', value: 'NAME', help: 'with --app PATH: the export to use' },
    'data-dir': { type: 'string', value: 'DIR', help: "keep the replica's promises, votes and executed state here in write-ahead logs, synced before what depends on them is sent, to survive restarts (default: memory only)" },
    checked: { type: 'boolean', help: 'check every step against the protocol with the refinement monitor' },
    ...paramFlags(),
  },
};

/** Longest time a client waits, after its duration, for requests still outstanding, in ms. */
export const clientDrainMsMax = 10_000;

const clientSpec: CommandSpec = {
  name: 'ironfleet rsl client',
  summary: 'Runs IronFleet\'s client program against an IronRSL service: THREADS closed-loop threads, each with one ' +
    'request outstanding in a client session of its own, all sessions over one client host (one key, one connection ' +
    'per replica), for DURATION seconds (then up to ' +
    `${clientDrainMsMax / 1000} s more for requests still outstanding). The counter client increments; the kv client ` +
    'gets, sets and deletes on --keys keys. Prints "#req THREAD N MS" per request with --print, and always a final ' +
    'summary line: ops, ops/s, latency p50 and p99, errors (refused or unreadable replies) and unfinished requests. ' +
    '--history writes the calls and returns (JSON lines, wall-clock milliseconds) for "ironfleet lin FILE --model ' +
    'kv|counter"; the histories of several clients or runs are checked together with "ironfleet lin A B ..." (a counter history must ' +
    'cover every client since the service started, at 0).',
  positionals: [{ name: 'SERVICE', help: 'the service file written by ironfleet certs' }],
  flags: {
    app: { type: 'string', value: 'APP', help: 'the service the replicas run: counter or kv' },
    threads: { type: 'number', value: 'N', help: 'client threads, each its own session (default 4)', integer: true, min: 1, max: rslClientSessionsMax },
    duration: { type: 'number', value: 'S', help: 'seconds to send requests for (default 10)', min: 0.1, max: 86_400 },
    'set-fraction': { type: 'number', value: 'F', help: 'kv: fraction of requests that are sets (default 0.25)', min: 0, max: 1 },
    'delete-fraction': { type: 'number', value: 'F', help: 'kv: fraction of requests that are deletes (default 0.05)', min: 0, max: 1 },
    keys: { type: 'number', value: 'N', help: 'kv: how many keys the requests use (default 16)', integer: true, min: 1, max: 1_000_000 },
    print: { type: 'boolean', help: 'print "#req THREAD N MS" for every completed request' },
    history: { type: 'string', value: 'FILE', help: 'write the history of calls and returns here (JSON lines)' },
    json: { type: 'boolean', help: 'print the summary as one JSON object (the only line on stdout; other lines go to stderr)' },
  },
};

const usageText = [
  'usage: ironfleet rsl serve SERVICE PRIVATE --app counter|kv|./module.js [options]',
  '       ironfleet rsl client SERVICE --app counter|kv [options]',
  '',
  'Subcommands:',
  '  serve    serve one replica of an IronRSL service',
  '  client   run client threads against an IronRSL service and print a summary',
].join('\n');

/** `ironfleet rsl SUBCOMMAND`. */
export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    io.out(usageText);
    return 0;
  }
  if (sub === 'serve') return serve(rest, io);
  if (sub === 'client') return client(rest, io);
  io.err(sub === undefined ? 'ironfleet rsl: missing subcommand' : `ironfleet rsl: unknown subcommand '${sub}'`);
  io.err(usageText);
  return exitUsage;
}

function serve(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(serveSpec, argv, io, async (args) => {
    const [servicePath, privatePath] = args.positionals;
    if (servicePath === undefined || privatePath === undefined) throw new UsageError('missing SERVICE or PRIVATE');
    const app = args.strings.get('app');
    if (app === undefined) throw new UsageError('--app is required (counter, kv or ./module.js)');
    const factory = await resolveService(app, process.cwd(), args.strings.get('export'));
    if (!factory.ok) {
      io.err(`ironfleet rsl serve: ${factory.error}`);
      return exitUsage;
    }
    const dataDir = args.strings.get('data-dir');
    const server = await startRslServer({
      servicePath,
      privatePath,
      factory: factory.value,
      ...(dataDir !== undefined ? { dataDir } : {}),
      checked: args.booleans.has('checked'),
      params: paramsOf(args.numbers, rslServerParams),
      out: io.out,
      log: io.err,
    });
    if (!server.ok) {
      io.err(`ironfleet rsl serve: ${server.error}`);
      return 1;
    }
    return serveUntilStopped('ironfleet rsl serve', server.value, io);
  });
}

// ---------------------------------------------------------------------------------------------
// The workload.

/** Which client program: the counter's or the key-value store's. */
export type RslClientApp = 'counter' | 'kv';

/** Options of a workload. */
export interface RslWorkloadOptions {
  readonly service: ServiceConfig;
  readonly app: RslClientApp;
  /** Closed-loop threads, so sessions of the one client host: 1 to `rslClientSessionsMax`. */
  readonly threads: number;
  /** kv: fraction of sets, of deletes (the rest are gets), and how many keys. */
  readonly setFraction: number;
  readonly deleteFraction: number;
  readonly keys: number;
  /** Called per completed request with its thread, number (from 1) and latency in ms. */
  readonly onRequest?: (thread: number, n: number, latencyMs: number) => void;
  /** Transport diagnostics (lost connections); default: dropped. */
  readonly logger?: Logger;
}

/** The most latencies kept for percentiles; later requests are counted but not sampled. */
export const workloadLatencySamplesMax = 10_000_000;

/** The most history events a workload keeps. */
export const workloadHistoryEventsMax = 20_000_000;

/** What a workload did. */
export interface RslWorkloadSummary {
  readonly ops: number;
  readonly elapsedMs: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Replies the service refused with an error, or that were not a reply of the app. */
  readonly errors: number;
  /** Requests that had no reply when the workload stopped (their outcome is unknown). */
  readonly unfinished: number;
  /** Requests sent again after a timeout or a leader hint. */
  readonly resends: number;
}

/** The `p`-quantile (0..1) of sorted values, 0 for none. */
function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/**
 * A closed-loop workload against an IronRSL service: `threads` threads, each sending its next
 * request as soon as the last is answered, over one `RslClient` with a session per thread (one
 * client host: one key, one connection per replica), recording every call and return (wall-clock
 * times) for the linearizability checker. A thread is one client of the history.
 */
export class RslWorkload {
  /** The history so far: kv or counter operations, as `ironfleet lin` reads them. */
  readonly history: HistoryEvent[] = [];
  private readonly client: RslClient;
  private readonly latencies: number[] = [];
  private readonly threads: Promise<void>[] = [];
  private readonly prng = new Prng(Date.now());
  private stopping = false;
  private startedAt = 0;
  private stoppedAt = 0;
  /** Requests completed so far. */
  ops = 0;
  /** Refused or unreadable replies so far. */
  errors = 0;

  /** Opens the client (it dials the replicas); `start` sends the first requests. */
  constructor(private readonly options: RslWorkloadOptions) {
    this.client = new RslClient({
      service: options.service, sessions: options.threads, ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
  }

  /** The replica most sessions believe leads (the last a leader hint named, or a timeout moved to). */
  leaderGuess(): string {
    return this.client.leaderGuess;
  }

  /** Starts every thread. */
  start(): void {
    this.startedAt = performance.now();
    for (let i = 1; i <= this.options.threads; i++) this.threads.push(this.thread(i));
  }

  /**
   * Stops sending new requests, waits up to `drainMs` for those outstanding, then closes the
   * client (requests still unanswered stay unfinished in the history) and summarizes.
   */
  async stop(drainMs: number): Promise<RslWorkloadSummary> {
    this.stopping = true;
    this.stoppedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.threads), new Promise((resolve) => { timer = setTimeout(resolve, drainMs); })]);
    clearTimeout(timer);
    const unfinished = this.client.pending;
    const resends = this.client.totalResends;
    await this.client.close();
    await Promise.all(this.threads);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const elapsedMs = Math.max(1, this.stoppedAt - this.startedAt);
    return {
      ops: this.ops, elapsedMs, opsPerSecond: (this.ops * 1000) / elapsedMs,
      p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), errors: this.errors, unfinished, resends,
    };
  }

  private record(event: HistoryEvent): void {
    if (this.history.length < workloadHistoryEventsMax) this.history.push(event);
  }

  /** The next request of a thread, with its operation for the history. */
  private nextRequest(thread: number, n: number): { payload: Uint8Array; op: unknown } {
    if (this.options.app === 'counter') {
      const payload = counterRequest();
      return { payload, op: counterLinInput(payload) };
    }
    const key = `key${this.prng.nextInt(this.options.keys)}`;
    const roll = this.prng.nextFloat();
    const built = roll < this.options.setFraction
      // Every value written is distinct, so the checker can tell writes apart.
      ? kvSet(key, new TextEncoder().encode(`t${thread}-${n}-${this.prng.nextInt(1_000_000)}`))
      : roll < this.options.setFraction + this.options.deleteFraction ? kvDelete(key) : kvGet(key);
    if (!built.ok) throw new RangeError(`the kv workload built a request its builder refuses: ${built.error.reason}`);
    const op = kvLinInput(built.value);
    if (!op.ok) throw new RangeError(op.error);
    return { payload: built.value, op: op.value };
  }

  /** What a reply means for the history: the output, or null (refused or unreadable: an error). */
  private outputOf(op: unknown, reply: Uint8Array): unknown {
    if (this.options.app === 'counter') {
      const out = counterLinOutput(reply);
      return out.ok ? out.value : null;
    }
    const out = kvLinOutput(op as Parameters<typeof kvLinOutput>[0], reply);
    return out.ok && out.value.kind === 'returned' ? out.value.output : null;
  }

  private async thread(thread: number): Promise<void> {
    // Unique across client processes (the host's key) and threads, so histories can be concatenated.
    const client = `${shortId(this.client.hostId)}.${thread}`;
    for (let n = 1; !this.stopping; n++) {
      const { payload, op } = this.nextRequest(thread, n);
      const id = `${client}-${n}`;
      this.record({ type: 'call', id, client, op, time: Date.now() });
      const t0 = performance.now();
      let reply: Uint8Array;
      try {
        reply = await this.client.submit(payload);
      } catch (e) {
        if (e instanceof RslClientClosedError) return;
        throw e;
      }
      const latencyMs = performance.now() - t0;
      const output = this.outputOf(op, reply);
      // A refused request had no effect the model can express: its return is left out.
      if (output === null) this.errors++;
      else this.record({ type: 'return', id, output, time: Date.now() });
      this.ops++;
      if (this.latencies.length < workloadLatencySamplesMax) this.latencies.push(latencyMs);
      this.options.onRequest?.(thread, n, latencyMs);
    }
  }
}

/** The summary as one line. */
export function formatSummary(s: RslWorkloadSummary): string {
  return `summary ops ${s.ops}, ${s.opsPerSecond.toFixed(1)} ops/s, latency p50 ${s.p50Ms.toFixed(2)} ms p99 ${s.p99Ms.toFixed(2)} ms, ` +
    `errors ${s.errors}, unfinished ${s.unfinished}, resends ${s.resends}`;
}

function client(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(clientSpec, argv, io, async (args) => {
    const [servicePath] = args.positionals;
    if (servicePath === undefined) throw new UsageError('missing SERVICE');
    const app = args.strings.get('app');
    if (app !== 'counter' && app !== 'kv') throw new UsageError(app === undefined ? '--app is required (counter or kv)' : `--app '${app}' is not counter or kv`);
    const setFraction = args.numbers.get('set-fraction') ?? 0.25;
    const deleteFraction = args.numbers.get('delete-fraction') ?? 0.05;
    if (setFraction + deleteFraction > 1) throw new UsageError('--set-fraction and --delete-fraction add up to more than 1');
    const service = loadServiceFile(servicePath);
    if (!service.ok) {
      io.err(`ironfleet rsl client: ${describeFileError(service.error)}`);
      return 1;
    }
    const threads = args.numbers.get('threads') ?? 4;
    const durationMs = (args.numbers.get('duration') ?? 10) * 1000;
    const print = args.booleans.has('print');
    const json = args.booleans.has('json');
    // With --json, stdout carries the summary object alone.
    const say = json ? io.err : io.out;
    if (json && print) throw new UsageError('--print and --json both write to stdout: choose one');
    const historyPath = args.strings.get('history');
    const workload = new RslWorkload({
      service: service.value, app, threads, setFraction, deleteFraction, keys: args.numbers.get('keys') ?? 16,
      ...(print ? { onRequest: (t: number, n: number, ms: number) => io.out(`#req ${t} ${n} ${ms.toFixed(3)}`) } : {}),
    });
    say(`client: ${threads} thread${threads === 1 ? '' : 's'} of ${app} requests to ${service.value.name} ` +
      `(${service.value.servers.length} replicas) for ${durationMs / 1000} s`);
    let interrupted = false;
    let wake: () => void = () => {};
    const onSignal = (): void => {
      interrupted = true;
      wake();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    workload.start();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, durationMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const summary = await workload.stop(interrupted ? 0 : clientDrainMsMax);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.out(json ? JSON.stringify(summary) : formatSummary(summary));
    if (historyPath !== undefined) {
      try {
        writeFileSync(historyPath, formatHistory(workload.history));
      } catch (e) {
        io.err(`ironfleet rsl client: cannot write the history to ${historyPath}: ${errorText(e)}`);
        return 1;
      }
      say(`history: ${workload.history.length} events written to ${historyPath} (check with: ironfleet lin ${historyPath} --model ${app})`);
    }
    return 0;
  });
}
