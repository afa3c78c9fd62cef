import { errorText } from '../core/errors.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandIo, CommandSpec } from './args.js';
import { runCommand } from './args.js';
import { freeLoopbackPorts } from '../net/testkit.js';
import { spawnIronfleet, type ServerProcess } from './cluster.js';
import { run as certs } from './certs.js';

/**
 * `ironfleet demo`: a live IronLock ring of three server processes on loopback, over TLS with
 * pinned keys, every step under the refinement monitor. Partway through, one server is killed
 * and restarted from its disk; the ring carries on. It stops by itself and says what happened.
 */

const spec: CommandSpec = {
  name: 'ironfleet demo',
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

/** `ironfleet demo`. */
export function run(argv: readonly string[], io: CommandIo): Promise<number> {
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
      const ports = await freeLoopbackPorts(3);
      const certErrors: string[] = [];
      const made = await certs(['--out', dir, '--name', 'demo', '--type', 'lock', ...ports.flatMap((p) => ['--server', `127.0.0.1:${p}`])],
        { out: () => undefined, err: (l) => certErrors.push(l) });
      if (made !== 0) throw new Error(`ironfleet certs failed: ${certErrors.join(' | ')}`);
      const servicePath = join(dir, 'demo.lock.service.json');
      io.out(`IronLock demo: 3 servers on 127.0.0.1 ports ${ports.join(', ')}, TLS 1.3 with pinned Ed25519 keys,`);
      io.out(`every step checked by the refinement monitor; files in ${dir}`);
      const start = (i: number): ServerProcess => {
        const name = `server${i}`;
        const p = spawnIronfleet(name, ['lock', 'serve', servicePath, join(dir, `demo.lock.${name}.private.json`),
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
