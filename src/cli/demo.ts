import { errorText } from '../core/errors.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandIo, CommandSpec } from './args.js';
import { runCommand } from './args.js';
import { spawnIronfleet, type ServerProcess } from './cluster.js';
import { RslWorkload, formatSummary } from './rsl.js';
import { makeLocalService } from './local-service.js';
import { checkHistory } from '../lin/check.js';
import { kvModel } from '../lin/models/kv.js';
import type { Model } from '../lin/model.js';

/**
 * `ironfleet demo lock`: a live IronLock ring of three server processes on loopback, over TLS with
 * pinned keys, every step under the refinement monitor. Partway through, one server is killed
 * and restarted from its disk; the ring carries on. It stops by itself and says what happened.
 */

const spec: CommandSpec = {
  name: 'ironfleet demo lock',
  summary: 'Starts a local IronLock ring of three TLS server processes (in a scrambled order), lets the lock go ' +
    'round, kills one server and restarts it from its disk halfway, stops after the given number of ' +
    'accepts, then checks and prints what happened: every epoch accepted once, by the right host, in order.',
  positionals: [],
  flags: {
    accepts: { type: 'number', value: 'N', help: 'stop after this many accepts (default 300)', integer: true, min: 10, max: 1_000_000 },
    'timeout-s': { type: 'number', value: 'S', help: 'give up after this many seconds (default 60)', min: 1, max: 3600 },
    'no-crash': { type: 'boolean', help: 'do not kill and restart a server' },
    keep: { type: 'boolean', help: 'keep the working directory (certificates, data, logs)' },
  },
};

interface Accept {
  readonly server: string;
  readonly epoch: number;
}

/** `ironfleet demo [rsl|lock]`: IronRSL by default. */
export function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'lock') return runLock(rest, io);
  if (first === 'rsl') return runRsl(rest, io);
  return runRsl(argv, io);
}

/** `ironfleet demo lock`. */
function runLock(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const target = args.numbers.get('accepts') ?? 300;
    const timeoutMs = (args.numbers.get('timeout-s') ?? 60) * 1000;
    const crash = !args.booleans.has('no-crash');
    const dir = mkdtempSync(join(tmpdir(), 'ironfleet-demo-'));
    const started = Date.now();
    const accepts: Accept[] = [];
    const servers = new Map<string, ServerProcess>();
    const say = (line: string): void => io.out(`[${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s] ${line}`);
    let shown = 0;
    let wake: (() => void) | null = null;

    const onLine = (label: string, line: string): void => {
      const m = /^accept (\d+)$/.exec(line);
      if (m !== null) accepts.push({ server: label, epoch: Number(m[1]) });
      if (shown < 12 || line.startsWith('ready')) {
        say(`${label}: ${line}`);
        shown++;
        if (shown === 12) say('... (one line a second from here on)');
      }
      wake?.();
    };

    try {
      const { ports, servicePath, privatePath } = await makeLocalService(dir, 'demo', 'lock');
      io.out(`IronLock demo: 3 servers on 127.0.0.1 ports ${ports.join(', ')}, TLS 1.3 with pinned Ed25519 keys,`);
      io.out(`every step checked by the refinement monitor; files in ${dir}`);
      const start = (i: number): ServerProcess => {
        const name = `server${i}`;
        const p = spawnIronfleet(name, ['lock', 'serve', servicePath, privatePath(name),
          '--data-dir', join(dir, `${name}.data`), '--checked'], onLine);
        servers.set(name, p);
        return p;
      };
      // Any start order works: start them backwards, the lock holder last.
      for (const i of [3, 2, 1]) {
        start(i);
        await sleep(150);
      }

      let crashed = false;
      let lastReport = Date.now();
      while (accepts.length < target) {
        if (Date.now() - started > timeoutMs) throw new Error(`only ${accepts.length} of ${target} accepts within ${timeoutMs / 1000} s`);
        for (const [name, p] of servers) {
          if (p.child.exitCode !== null && !(crashed && name === 'server2')) {
            throw new Error(`${name} exited with code ${p.child.exitCode}: ${p.errLines.slice(-3).join(' | ')}`);
          }
        }
        if (crash && !crashed && accepts.length >= target / 2) {
          crashed = true;
          const victim = servers.get('server2');
          say(`killing server2 (SIGKILL) at epoch ${maxEpoch(accepts)}; restarting it from its disk`);
          victim?.child.kill('SIGKILL');
          await victim?.exited;
          start(2);
        }
        if (Date.now() - lastReport >= 1000 && shown >= 12) {
          lastReport = Date.now();
          say(`epoch ${maxEpoch(accepts)}: ${accepts.length} accepts so far`);
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
        wake = null;
      }
      const elapsedS = (Date.now() - started) / 1000;
      await Promise.all([...servers.values()].map((p) => p.stop()));
      const verdict = checkAccepts(accepts);
      io.out('');
      io.out(`stopped after ${accepts.length} accepts in ${elapsedS.toFixed(1)} s (${Math.round(accepts.length / elapsedS)} accepts/s), ` +
        `epochs ${verdict.first}..${verdict.last}`);
      for (const name of [...servers.keys()].sort()) {
        io.out(`  ${name}: ${accepts.filter((a) => a.server === name).length} accepts`);
      }
      if (verdict.problems.length > 0) {
        for (const p of verdict.problems) io.out(`  PROBLEM: ${p}`);
        return 1;
      }
      io.out('  every epoch was accepted exactly once, by the host whose turn it was, with no epoch skipped');
      if (crash) io.out('  server2 was killed and restarted from its disk; the ring carried on');
      io.out('  every step of every server passed the refinement monitor');
      return 0;
    } catch (e) {
      io.err(`ironfleet demo: ${errorText(e)}`);
      for (const [name, p] of servers) for (const l of p.errLines.slice(-3)) io.err(`  ${name}: ${l}`);
      return 1;
    } finally {
      await Promise.all([...servers.values()].map((p) => p.stop()));
      if (!args.booleans.has('keep')) rmSync(dir, { recursive: true, force: true });
    }
  });
}

function maxEpoch(accepts: readonly Accept[]): number {
  return accepts.reduce((m, a) => Math.max(m, a.epoch), 1);
}

/**
 * What the accepts must show: each epoch from 2 up accepted exactly once, by server ((e-1) mod 3)+1
 * (the ring's order), and no epoch skipped.
 */
function checkAccepts(accepts: readonly Accept[]): { first: number; last: number; problems: string[] } {
  const problems: string[] = [];
  const byEpoch = new Map<number, string[]>();
  for (const a of accepts) byEpoch.set(a.epoch, [...(byEpoch.get(a.epoch) ?? []), a.server]);
  const last = maxEpoch(accepts);
  for (let e = 2; e <= last; e++) {
    const who = byEpoch.get(e) ?? [];
    if (who.length === 0) problems.push(`epoch ${e} was never accepted`);
    if (who.length > 1) problems.push(`epoch ${e} was accepted ${who.length} times (${who.join(', ')})`);
    const expected = `server${((e - 1) % 3) + 1}`;
    if (who.length === 1 && who[0] !== expected) problems.push(`epoch ${e} was accepted by ${who[0] ?? '?'}, not ${expected}`);
  }
  return { first: 2, last, problems };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const rslSpec: CommandSpec = {
  name: 'ironfleet demo',
  summary: 'Starts three IronRSL replicas of a key-value store as TLS server processes on loopback (in a scrambled ' +
    'order, every step under the refinement monitor), drives a client workload with a live one-line readout, kills ' +
    'the leader (SIGKILL) a third of the way through and shows the two others carrying on under a new leader, then ' +
    'stops everything, checks the recorded client history for linearizability and prints a summary. ' +
    '"ironfleet demo lock" runs the IronLock ring instead.',
  positionals: [],
  flags: {
    seconds: { type: 'number', value: 'S', help: 'how long the workload runs (default 12)', min: 3, max: 3600 },
    threads: { type: 'number', value: 'N', help: 'client sessions, each with one request outstanding (default 8)', integer: true, min: 1, max: 256 },
    'timeout-s': { type: 'number', value: 'S', help: 'give up if a new leader has not taken over after this many seconds (default 120)', min: 1, max: 3600 },
    'no-crash': { type: 'boolean', help: 'do not kill the leader' },
    keep: { type: 'boolean', help: 'keep the working directory (certificates, data)' },
  },
};

/** The view a server last said it leads, e.g. '1.server1', or null. */
function leadingView(p: ServerProcess): string | null {
  for (let i = p.lines.length - 1; i >= 0; i--) {
    const line = p.lines[i] ?? '';
    if (line.startsWith('leading ')) return line.slice('leading '.length);
  }
  return null;
}

/** `ironfleet demo` (or `ironfleet demo rsl`): IronRSL with a leader crash. */
function runRsl(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(rslSpec, argv, io, async (args) => {
    const durationMs = (args.numbers.get('seconds') ?? 12) * 1000;
    const threads = args.numbers.get('threads') ?? 8;
    const timeoutMs = (args.numbers.get('timeout-s') ?? 120) * 1000;
    const crash = !args.booleans.has('no-crash');
    const dir = mkdtempSync(join(tmpdir(), 'ironfleet-demo-'));
    const started = Date.now();
    const servers = new Map<string, ServerProcess>();
    const tty = process.stdout.isTTY;
    const stamp = (): string => `[${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s]`;
    let live = false;
    const say = (line: string): void => {
      if (live) process.stdout.write('\n');
      live = false;
      io.out(`${stamp()} ${line}`);
    };
    const onLine = (label: string, line: string): void => {
      if (line.startsWith('ready') || line.startsWith('leading') || line.startsWith('disk-error')) say(`${label}: ${line}`);
    };
    let workload: RslWorkload | null = null;
    try {
      const { ports, servicePath, service, privatePath } = await makeLocalService(dir, 'demo', 'rsl');
      io.out(`IronRSL demo: 3 replicas of a key-value store on 127.0.0.1 ports ${ports.join(', ')}, TLS 1.3 with pinned`);
      io.out(`Ed25519 keys, every step checked by the refinement monitor; ${threads} client sessions; files in ${dir}`);
      for (const i of [3, 1, 2]) {
        const name = `server${i}`;
        servers.set(name, spawnIronfleet(name, ['rsl', 'serve', servicePath, privatePath(name),
          '--app', 'kv', '--checked', '--data-dir', join(dir, `${name}.data`)], onLine));
      }
      const deadline = Date.now() + timeoutMs;
      const waitUntil = async (condition: () => boolean, what: string, watched: readonly ServerProcess[]): Promise<void> => {
        while (!condition()) {
          if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
          for (const p of watched) if (p.child.exitCode !== null) throw new Error(`${p.label} exited with code ${p.child.exitCode}`);
          await sleep(100);
        }
      };
      const all = [...servers.values()];
      await waitUntil(() => all.every((p) => p.lines.some((l) => l.startsWith('ready'))), 'the replicas to start', all);
      const w = new RslWorkload({ service, app: 'kv', threads, setFraction: 0.3, deleteFraction: 0.05, keys: 32 });
      workload = w;
      w.start();
      const workStart = Date.now();
      let killed: { name: string; view: string | null; atMs: number; ops: number } | null = null;
      let recovered: { name: string; afterMs: number } | null = null;
      let lastOps = 0;
      let lastAt = Date.now();
      let rate = 0;
      // With a crash, it runs on (up to the deadline) until the crash happened and a new leader took over.
      while (Date.now() - workStart < durationMs || (crash && (killed === null || recovered === null))) {
        if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s: no new leader took over`);
        for (const [name, p] of servers) {
          if (p.child.exitCode !== null && killed?.name !== name) throw new Error(`${name} exited with code ${p.child.exitCode}: ${p.errLines.slice(-3).join(' | ')}`);
        }
        if (crash && killed === null && Date.now() - workStart >= durationMs / 3) {
          const leader = [...servers].find(([, p]) => leadingView(p) !== null);
          if (leader !== undefined) {
            const [name, p] = leader;
            say(`killing the leader ${name} (SIGKILL) after ${w.ops} requests`);
            killed = { name, view: leadingView(p), atMs: Date.now(), ops: w.ops };
            p.child.kill('SIGKILL');
          }
        }
        if (killed !== null && recovered === null) {
          const k = killed;
          const next = [...servers].find(([name, p]) => name !== k.name && leadingView(p) !== null && leadingView(p) !== k.view);
          if (next !== undefined && w.ops > k.ops + threads) {
            recovered = { name: next[0], afterMs: Date.now() - k.atMs };
            say(`${next[0]} leads view ${leadingView(next[1]) ?? '?'}; requests complete again ${(recovered.afterMs / 1000).toFixed(1)} s after the crash`);
          }
        }
        const now = Date.now();
        if (now - lastAt >= 500) {
          rate = ((w.ops - lastOps) * 1000) / (now - lastAt);
          lastOps = w.ops;
          lastAt = now;
          const line = `${stamp()} ${w.ops} requests, ${rate.toFixed(0)} req/s, ${w.errors} errors`;
          if (tty === true) {
            process.stdout.write(`\r${line}   `);
            live = true;
          } else if (Math.floor((now - workStart) / 2000) !== Math.floor((now - workStart - 500) / 2000)) {
            io.out(line);
          }
        }
        await sleep(100);
      }
      const summary = await w.stop(timeoutMs);
      workload = null;
      say(`stopped the clients; stopping the replicas`);
      await Promise.all(all.map((p) => p.stop()));
      const verdict = checkHistory(w.history, kvModel as unknown as Model<unknown, unknown, unknown>, { timeLimitMs: timeoutMs });
      io.out('');
      io.out(formatSummary(summary));
      if (killed !== null && recovered !== null) {
        io.out(`  the leader ${killed.name} was killed; ${recovered.name} took over and requests completed again ` +
          `${(recovered.afterMs / 1000).toFixed(1)} s later`);
      }
      const problems: string[] = [];
      if (verdict.kind === 'linearizable') {
        io.out(`  the history of ${summary.ops} requests is linearizable (checked by the kv model): no acknowledged write was lost`);
      } else {
        problems.push(`the history is ${verdict.kind}: ${JSON.stringify(verdict).slice(0, 400)}`);
      }
      if (summary.errors > 0) problems.push(`${summary.errors} requests were refused`);
      for (const [name, p] of servers) {
        if (name !== killed?.name && p.child.exitCode !== 0) problems.push(`${name} exited with code ${String(p.child.exitCode)}`);
      }
      if (problems.length > 0) {
        for (const p of problems) io.out(`  PROBLEM: ${p}`);
        return 1;
      }
      io.out('  every step of every replica passed the refinement monitor');
      return 0;
    } catch (e) {
      if (live) process.stdout.write('\n');
      io.err(`ironfleet demo: ${errorText(e)}`);
      for (const [name, p] of servers) for (const l of p.errLines.slice(-3)) io.err(`  ${name}: ${l}`);
      return 1;
    } finally {
      await workload?.stop(0);
      await Promise.all([...servers.values()].map((p) => p.stop()));
      if (!args.booleans.has('keep')) rmSync(dir, { recursive: true, force: true });
    }
  });
}
