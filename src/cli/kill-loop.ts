import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../core/prng.js';
import { errorText } from '../core/errors.js';
import type { ServiceConfig } from '../net/service-file.js';
import { RslClient } from '../rsl/client.js';
import { kvGet, kvLinInput, kvLinOutput } from '../apps/kv.js';
import { checkHistory } from '../lin/check.js';
import type { CheckResult } from '../lin/check.js';
import { kvModel } from '../lin/models/kv.js';
import type { Model } from '../lin/model.js';
import type { HistoryEvent } from '../lin/types.js';
import { spawnIronfleet, type ServerProcess } from './cluster.js';
import { makeLocalService } from './local-service.js';
import { RslWorkload, formatSummary, type RslWorkloadSummary } from './rsl.js';

/**
 * The kill loop: three `ironfleet rsl serve --data-dir` replicas of the kv store over TLS on
 * loopback under a closed-loop write-heavy load, and every few seconds one of them, the leader
 * half of the time, is killed with SIGKILL (no chance to flush anything) and restarted from its
 * data directory. Each restart must rejoin and the service must complete requests again before
 * the next kill. At the end all three are killed at once and restarted, every key is read back,
 * and the whole history, those reads included, must be linearizable: an acknowledged write that a
 * crash lost would make a read of its key return something no order of the operations explains.
 */

/** What a kill loop does. */
export interface KillLoopOptions {
  /** How long the load and the kills run, in ms. */
  readonly durationMs: number;
  /** The mean time between kills, in ms (each gap is drawn from half to one and a half of it). */
  readonly killEveryMs: number;
  /** Client sessions, each with one request outstanding. */
  readonly threads: number;
  /** Keys the load writes (and the final reads read). */
  readonly keys: number;
  /** Run the replicas with `--checked` (every step under the refinement monitor). */
  readonly checked: boolean;
  /** How long any one wait (a restart, progress after it, the drain) may take before the loop gives up, in ms. */
  readonly waitMs: number;
  /** The seed of the victims and gaps (printed, so that a run can be repeated). */
  readonly seed: number;
  /** Progress lines. */
  readonly say: (line: string) => void;
  /**
   * 'restart-empty' is a deliberately broken variant that the loop must catch: every restart
   * begins from an emptied data directory, as if the replica kept nothing (default 'correct').
   */
  readonly variant?: 'correct' | 'restart-empty';
}

/** What a kill loop found. */
export interface KillLoopReport {
  readonly kills: number;
  readonly leaderKills: number;
  readonly summary: RslWorkloadSummary;
  /** Keys read back at the end. */
  readonly finalReads: number;
  readonly verdict: CheckResult;
  /** Everything that went wrong; empty when the run passed. */
  readonly problems: readonly string[];
}

/** How long a killed replica stays down before its restart, at most, in ms. */
const downMsMax = 500;

/** How often the loop looks at the processes and the load while it waits, in ms. */
const pollMs = 50;

/** The replica the latest `view`/`leading` line of any live server names as leader, or null. */
function currentLeader(servers: ReadonlyMap<string, ServerProcess>): string | null {
  let best: { seqno: number; leader: string } | null = null;
  for (const p of servers.values()) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
    for (const line of p.lines) {
      const m = /^(?:view|leading) (\d+)\.(\S+)$/.exec(line);
      if (m === null) continue;
      const seqno = Number(m[1]);
      if (best === null || seqno > best.seqno) best = { seqno, leader: m[2] ?? '' };
    }
  }
  return best?.leader ?? null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Appends to `history` a read of every key, one after another by one more client, each call
 * after every operation before it returned; returns how many were read.
 */
async function readBack(service: ServiceConfig, keys: number, history: HistoryEvent[], waitMs: number): Promise<number> {
  const reader = new RslClient({ service, sessions: 1 });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the final reads took longer than ${waitMs / 1000} s`)), waitMs);
  });
  try {
    for (let k = 0; k < keys; k++) {
      const get = kvGet(`key${k}`);
      if (!get.ok) throw new RangeError(`kvGet refused key${k}`);
      const op = kvLinInput(get.value);
      if (!op.ok) throw new RangeError(op.error);
      const id = `final-${k}`;
      history.push({ type: 'call', id, client: 'final-reader', op: op.value, time: Date.now() });
      const reply = await Promise.race([reader.submit(get.value), timeout]);
      const out = kvLinOutput(op.value, reply);
      if (!out.ok || out.value.kind !== 'returned') throw new Error(`the final read of key${k} got an unreadable or refused reply`);
      history.push({ type: 'return', id, output: out.value.output, time: Date.now() });
    }
    return keys;
  } finally {
    clearTimeout(timer);
    await reader.close();
  }
}

/** Runs a kill loop in a fresh temporary directory, removed afterwards. */
export async function rslKillLoop(o: KillLoopOptions): Promise<KillLoopReport> {
  const dir = mkdtempSync(join(tmpdir(), 'ironfleet-kill-loop-'));
  const prng = new Prng(o.seed);
  const servers = new Map<string, ServerProcess>();
  const started = Date.now();
  const stamp = (): string => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
  const say = (line: string): void => o.say(`${stamp()} ${line}`);
  let workload: RslWorkload | null = null;
  const problems: string[] = [];
  try {
    const { servicePath, service, privatePath } = await makeLocalService(dir, 'loop', 'rsl');
    const dataDir = (name: string): string => join(dir, `${name}.data`);
    const serve = (name: string, restart = false): ServerProcess => {
      if (restart && o.variant === 'restart-empty') rmSync(dataDir(name), { recursive: true, force: true });
      const p = spawnIronfleet(name, ['rsl', 'serve', servicePath, privatePath(name), '--app', 'kv',
        '--data-dir', dataDir(name), ...(o.checked ? ['--checked'] : [])]);
      servers.set(name, p);
      return p;
    };
    const names = ['server1', 'server2', 'server3'];
    /** Waits for `condition`, failing when a replica that should be up exited or the wait took longer than `waitMs`. */
    const waitFor = async (condition: () => boolean, what: string, down: string | null = null): Promise<void> => {
      const deadline = Date.now() + o.waitMs;
      while (!condition()) {
        for (const [name, p] of servers) {
          if (name !== down && p.child.exitCode !== null) {
            throw new Error(`${name} exited with code ${p.child.exitCode} while waiting for ${what}: ${p.errLines.slice(-3).join(' | ')}`);
          }
        }
        if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${o.waitMs / 1000} s`);
        await sleep(pollMs);
      }
    };
    for (const name of names) serve(name);
    await waitFor(() => [...servers.values()].every((p) => p.lines.some((l) => l.startsWith('ready '))), 'the replicas to start');
    say(`3 replicas of the kv store${o.checked ? ' (checked)' : ''} with --data-dir; ${o.threads} client sessions; ` +
      `a SIGKILL every ${(o.killEveryMs / 1000).toFixed(1)} s on average for ${(o.durationMs / 1000).toFixed(0)} s (seed ${o.seed})`);
    const w = new RslWorkload({ service, app: 'kv', threads: o.threads, setFraction: 0.6, deleteFraction: 0.05, keys: o.keys });
    workload = w;
    w.start();
    await waitFor(() => w.ops >= o.threads, 'the first requests');
    let kills = 0;
    let leaderKills = 0;
    const loopStart = Date.now();
    let nextKillAt = loopStart + Math.round(o.killEveryMs * (0.5 + prng.nextFloat()));
    while (nextKillAt < loopStart + o.durationMs) {
      await waitFor(() => Date.now() >= nextKillAt, 'the next kill');
      const leader = currentLeader(servers);
      const victim = leader !== null && prng.chance(0.5) ? leader : prng.pick(names);
      const p = servers.get(victim);
      if (p === undefined) throw new Error(`no process for ${victim}`);
      const opsAtKill = w.ops;
      p.child.kill('SIGKILL');
      await p.exited;
      kills++;
      if (victim === leader) leaderKills++;
      const downMs = prng.nextInt(downMsMax + 1);
      await waitFor(() => Date.now() >= nextKillAt + downMs, `${victim} to be down ${downMs} ms`, victim);
      const restarted = serve(victim, true);
      await waitFor(() => restarted.lines.some((l) => l.startsWith('ready ')), `${victim} to restart from its data directory`);
      const recovered = restarted.errLines.find((l) => l.includes('recovered'));
      // The service must answer again (a new leader elected if the old one died) before the next kill.
      await waitFor(() => w.ops >= opsAtKill + o.threads, 'requests to complete again after the restart');
      say(`killed ${victim}${victim === leader ? ' (the leader)' : ''} after ${opsAtKill} requests, restarted it after ${downMs} ms` +
        `${recovered !== undefined ? ` (${recovered.replace(/^[^:]*: /, '')})` : ''}; ${w.ops} requests so far`);
      nextKillAt = Math.max(Date.now(), nextKillAt + Math.round(o.killEveryMs * (0.5 + prng.nextFloat())));
    }
    await waitFor(() => Date.now() >= loopStart + o.durationMs, 'the end of the run');
    const summary = await w.stop(o.waitMs);
    workload = null;
    if (summary.unfinished > 0) problems.push(`${summary.unfinished} request(s) were never answered`);
    if (summary.errors > 0) problems.push(`${summary.errors} request(s) were refused`);
    // All at once: nothing any replica had only in memory survives.
    const all = names.map((n) => servers.get(n)).filter((p) => p !== undefined);
    for (const p of all) p.child.kill('SIGKILL');
    await Promise.all(all.map((p) => p.exited));
    for (const name of names) serve(name, true);
    await waitFor(() => [...servers.values()].every((p) => p.lines.some((l) => l.startsWith('ready '))), 'the replicas to restart after killing all three');
    say('killed all three replicas at once and restarted them; reading every key back');
    const finalReads = await readBack(service, o.keys, w.history, o.waitMs);
    const codes = await Promise.all(names.map((n) => servers.get(n)?.stop() ?? Promise.resolve(null)));
    codes.forEach((code, i) => { if (code !== 0) problems.push(`${names[i] ?? '?'} exited with code ${String(code)} when stopped`); });
    for (const p of servers.values()) {
      const bug = p.errLines.find((l) => l.includes('BUG'));
      if (bug !== undefined) problems.push(`${p.label}: ${bug}`);
    }
    const verdict = checkHistory(w.history, kvModel as unknown as Model<unknown, unknown, unknown>, { timeLimitMs: o.waitMs });
    if (verdict.kind !== 'linearizable') problems.push(`the history is ${verdict.kind}: ${JSON.stringify(verdict).slice(0, 600)}`);
    say(`${formatSummary(summary)}; ${kills} kill(s) of one replica, ${leaderKills} of the leader, then all three; ` +
      `${finalReads} keys read back; history ${verdict.kind}`);
    return { kills, leaderKills, summary, finalReads, verdict, problems };
  } catch (e) {
    for (const [name, p] of servers) for (const l of p.errLines.slice(-3)) say(`  ${name}: ${l}`);
    throw new Error(`kill loop: ${errorText(e)}`);
  } finally {
    await workload?.stop(0);
    await Promise.all([...servers.values()].map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
