import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPorts } from '../src/net/testkit.js';
import { spawnIronfleet, type ServerProcess } from '../src/cli/cluster.js';
import { RslWorkload } from '../src/cli/rsl.js';
import { RslClient } from '../src/rsl/client.js';
import { describeFileError, loadServiceFile, type ServiceConfig } from '../src/net/service-file.js';
import { checkHistory } from '../src/lin/check.js';
import { kvModel } from '../src/lin/models/kv.js';
import type { Model } from '../src/lin/model.js';
import { kvGet, kvReplyCodec, kvSet } from '../src/apps/kv.js';

// IronRSL as a user runs it: `ironfleet certs --type rsl`, three `ironfleet rsl serve` processes
// over TLS on loopback started in a scrambled order, clients with their own ephemeral keys. Faults
// are real: SIGSTOP/SIGCONT and SIGKILL. Every wait is for a condition, with the test's timeout as
// the only limit: a slow machine makes these tests slower, never failing. `npm test` builds dist/.

/** Time a test of real processes may take: generous, so that load slows it down but never fails it. */
const processTestTimeoutMs = 240_000;

let dir = '';

/** A fresh service of three replicas on free loopback ports: its file and the private key files. */
async function makeService(name: string): Promise<{ servicePath: string; privatePath: (i: number) => string; service: ServiceConfig }> {
  const ports = await freeLoopbackPorts(3);
  const certs = spawnIronfleet('certs', ['certs', '--out', dir, '--name', name, '--type', 'rsl',
    ...ports.flatMap((p) => ['--server', `127.0.0.1:${p}`])]);
  expect(await certs.exited, certs.errLines.join('\n')).toBe(0);
  const servicePath = join(dir, `${name}.rsl.service.json`);
  const service = loadServiceFile(servicePath);
  if (!service.ok) throw new Error(describeFileError(service.error));
  return { servicePath, privatePath: (i) => join(dir, `${name}.rsl.server${i}.private.json`), service: service.value };
}

/** Resolves when `condition()` holds, checking every 50 ms; fails early if a server exited unexpectedly. */
async function until(condition: () => boolean, servers: readonly ServerProcess[] = []): Promise<void> {
  while (!condition()) {
    for (const p of servers) {
      if (p.child.exitCode !== null) throw new Error(`${p.label} exited with ${p.child.exitCode}: ${p.errLines.slice(-5).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The view a server last said it leads, e.g. '2.server2', or null. */
function leadingView(p: ServerProcess): string | null {
  const lines = p.lines.filter((l) => l.startsWith('leading '));
  return lines.length === 0 ? null : (lines[lines.length - 1] ?? '').slice('leading '.length);
}

/**
 * Flips a payload byte of record 1 (the first change after the checkpoint) in the newest
 * generation of the replica log in `dataDir` (records: magic, generation, index, length, payload,
 * CRC-32C; src/framework/durable-log.ts); returns the blob's name.
 */
function damageSecondRecord(dataDir: string): string {
  const blobs = ['rsl-replica-log.a', 'rsl-replica-log.b'].map((name) => {
    try {
      return { name, bytes: readFileSync(join(dataDir, name)) };
    } catch {
      return { name, bytes: Buffer.alloc(0) };
    }
  }).filter((b) => b.bytes.length >= 16);
  blobs.sort((x, y) => y.bytes.readUInt32BE(4) - x.bytes.readUInt32BE(4));
  const newest = blobs[0];
  if (newest === undefined) throw new Error(`no replica log in ${dataDir}`);
  const second = 16 + newest.bytes.readUInt32BE(12) + 4;
  expect(newest.bytes.length).toBeGreaterThan(second + 3 * 24);
  newest.bytes[second + 16] = (newest.bytes[second + 16] ?? 0) ^ 0x01;
  writeFileSync(join(dataDir, newest.name), newest.bytes);
  return newest.name;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ironfleet-rsl-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('three IronRSL replicas over TLS', () => {
  it('serve a kv workload through a paused replica and a killed leader, and lose no acknowledged write', async () => {
    const { servicePath, privatePath, service } = await makeService('kv');
    const servers = new Map<number, ServerProcess>();
    let workload: RslWorkload | null = null;
    try {
      for (const i of [3, 1, 2]) {
        servers.set(i, spawnIronfleet(`server${i}`, ['rsl', 'serve', servicePath, privatePath(i), '--app', 'kv', '--checked',
          '--data-dir', join(dir, `kv-server${i}.data`)]));
      }
      const all = [...servers.values()];
      await until(() => all.every((p) => p.lines.some((l) => l.startsWith('ready '))), all);
      workload = new RslWorkload({ service, app: 'kv', threads: 4, setFraction: 0.4, deleteFraction: 0.1, keys: 8 });
      const w = workload;
      w.start();
      await until(() => w.ops >= 100, all);
      const leader = [...servers].find(([, p]) => leadingView(p) !== null);
      expect(leader, 'a replica leads once requests are answered').toBeDefined();
      const [leaderIndex, leaderProcess] = leader ?? [0, all[0]];
      const followers = [...servers].filter(([i]) => i !== leaderIndex);

      // Pause a follower: the other two are a quorum, so requests keep completing.
      const [pausedIndex, paused] = followers[followers.length - 1] ?? [0, all[0]];
      paused?.child.kill('SIGSTOP');
      const beforePause = w.ops;
      await until(() => w.ops >= beforePause + 100, all);
      paused?.child.kill('SIGCONT');
      const afterResume = w.ops;
      await until(() => w.ops >= afterResume + 50, all);

      // Kill the leader under load: the two others elect a new one and requests complete again.
      const oldView = leadingView(leaderProcess as ServerProcess);
      leaderProcess?.child.kill('SIGKILL');
      await leaderProcess?.exited;
      const alive = followers.map(([, p]) => p);
      const atKill = w.ops;
      await until(() => alive.some((p) => { const v = leadingView(p); return v !== null && v !== oldView; }), alive);
      await until(() => w.ops >= atKill + 200, alive);
      const newLeader = alive.find((p) => leadingView(p) !== null && leadingView(p) !== oldView);
      expect(newLeader?.label).not.toBe(leaderProcess?.label);
      expect(pausedIndex).not.toBe(leaderIndex);

      const summary = await w.stop(processTestTimeoutMs);
      workload = null;
      expect(summary.errors).toBe(0);
      expect(summary.unfinished).toBe(0);
      // No acknowledged write lost, no read of a value never written: the history is linearizable.
      const verdict = checkHistory(w.history, kvModel as unknown as Model<unknown, unknown, unknown>, { timeLimitMs: processTestTimeoutMs });
      expect(verdict.kind, JSON.stringify(verdict).slice(0, 2000)).toBe('linearizable');

      const codes = await Promise.all(alive.map((p) => p.stop()));
      expect(codes).toEqual([0, 0]);
      for (const p of alive) {
        expect(p.lines[0]).toMatch(/^ready server\d 127\.0\.0\.1:\d+$/);
        expect(p.errLines.join('\n')).not.toContain('BUG');
      }
    } finally {
      await workload?.stop(0);
      for (const p of servers.values()) p.child.kill('SIGCONT');
      await Promise.all([...servers.values()].map((p) => p.stop()));
    }
  }, processTestTimeoutMs);

  it('keeps every acknowledged write when all three replicas are killed at once and restarted, a torn log tail included', async () => {
    const { servicePath, privatePath, service } = await makeService('durable');
    const dataDir = (i: number): string => join(dir, `durable-server${i}.data`);
    const serve = (i: number): ServerProcess => spawnIronfleet(`server${i}`, ['rsl', 'serve', servicePath, privatePath(i), '--app', 'kv', '--data-dir', dataDir(i)]);
    let servers: ServerProcess[] = [];
    const clients: RslClient[] = [];
    try {
      servers = [1, 2, 3].map(serve);
      await until(() => servers.every((p) => p.lines.some((l) => l.startsWith('ready '))), servers);
      const client = new RslClient({ service, sessions: 8 });
      clients.push(client);
      const value = (k: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (k * 31 + i) & 0xff);
      const keys = Array.from({ length: 400 }, (_, k) => k);
      const set = (k: number): Uint8Array => {
        const r = kvSet(`key-${k}`, value(k));
        if (!r.ok) throw new Error('kvSet refused');
        return r.value;
      };
      // Every write is acknowledged before the kill; none of them may be lost.
      for (let at = 0; at < keys.length; at += 8) await Promise.all(keys.slice(at, at + 8).map((k) => client.submit(set(k))));
      await client.close();
      for (const p of servers) p.child.kill('SIGKILL');
      await Promise.all(servers.map((p) => p.exited));
      // A crash mid-append leaves a partial record at the end of a log: recovery cuts it off and says so.
      appendFileSync(join(dataDir(2), 'rsl-replica-log.a'), Buffer.from('IFWL torn'));
      appendFileSync(join(dataDir(2), 'rsl-replica-log.b'), Buffer.from('IFWL torn'));
      servers = [3, 2, 1].map(serve);
      await until(() => servers.every((p) => p.lines.some((l) => l.startsWith('ready '))), servers);
      expect(servers.find((p) => p.label === 'server2')?.errLines.join('\n')).toMatch(/server2: recovered, dropping \d+ byte\(s\) of a torn record at the end of rsl-replica-log\.[ab]/);
      const reader = new RslClient({ service, sessions: 8 });
      clients.push(reader);
      for (let at = 0; at < keys.length; at += 8) {
        const replies = await Promise.all(keys.slice(at, at + 8).map(async (k) => {
          const get = kvGet(`key-${k}`);
          if (!get.ok) throw new Error('kvGet refused');
          return { k, reply: kvReplyCodec.decode(await reader.submit(get.value)) };
        }));
        for (const { k, reply } of replies) expect(reply.ok ? reply.value : reply.error, `key-${k}`).toEqual({ type: 'found', value: value(k) });
      }
      const codes = await Promise.all(servers.map((p) => p.stop()));
      expect(codes).toEqual([0, 0, 0]);
      for (const p of servers) expect(p.errLines.join('\n')).not.toContain('BUG');

      // A flipped bit in a record with intact records after it is damage to what may have been
      // synced: the replica refuses to start rather than vote from a state it may have promised past.
      const damaged = damageSecondRecord(dataDir(3));
      const refused = serve(3);
      expect(await refused.exited).toBe(1);
      expect(refused.errLines.join('\n')).toMatch(
        new RegExp(`cannot recover the replica state: corrupt: the replica log: record 1 of ${damaged.replace('.', '\\.')} .* is damaged but record \\d+ after it is intact; the disk cannot be trusted`));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all(servers.map((p) => p.stop()));
    }
  }, processTestTimeoutMs);

  it('rsl client writes a counter history that ironfleet lin checks, with #req lines and a summary', async () => {
    const { servicePath, privatePath } = await makeService('counter');
    const servers: ServerProcess[] = [];
    try {
      for (const i of [2, 1, 3]) servers.push(spawnIronfleet(`server${i}`, ['rsl', 'serve', servicePath, privatePath(i), '--app', 'counter']));
      await until(() => servers.every((p) => p.lines.some((l) => l.startsWith('ready '))), servers);
      const history = join(dir, 'counter.history.jsonl');
      const client = spawnIronfleet('client', ['rsl', 'client', servicePath, '--app', 'counter', '--threads', '3', '--duration', '1',
        '--print', '--history', history]);
      expect(await client.exited, client.errLines.join('\n')).toBe(0);
      const summary = client.lines.find((l) => l.startsWith('summary '));
      const m = /^summary ops (\d+), [\d.]+ ops\/s, latency p50 [\d.]+ ms p99 [\d.]+ ms, errors 0, unfinished (\d+), resends \d+$/.exec(summary ?? '');
      expect(m, client.lines.join('\n')).not.toBeNull();
      const ops = Number(m?.[1]);
      expect(client.lines.filter((l) => /^#req [1-3] \d+ [\d.]+$/.test(l)).length).toBe(ops);
      // Every return is in the history: two lines per completed operation, one per unfinished one.
      const lines = readFileSync(history, 'utf8').trim().split('\n').filter((l) => l !== '');
      expect(lines.length).toBe(2 * ops + Number(m?.[2]));
      const lin = spawnIronfleet('lin', ['lin', history, '--model', 'counter']);
      expect(await lin.exited, lin.lines.join('\n') + lin.errLines.join('\n')).toBe(0);
      // --json: the summary as the only line on stdout.
      const jsonClient = spawnIronfleet('json-client', ['rsl', 'client', servicePath, '--app', 'counter', '--threads', '2', '--duration', '0.5', '--json']);
      expect(await jsonClient.exited, jsonClient.errLines.join('\n')).toBe(0);
      expect(jsonClient.lines.length, jsonClient.lines.join('\n')).toBe(1);
      const parsed = JSON.parse(jsonClient.lines[0] ?? '') as Record<string, unknown>;
      expect(Object.keys(parsed).sort()).toEqual(['elapsedMs', 'errors', 'ops', 'opsPerSecond', 'p50Ms', 'p99Ms', 'resends', 'unfinished']);
      expect(parsed['errors']).toBe(0);
      expect(Number.isInteger(parsed['ops'])).toBe(true);
    } finally {
      await Promise.all(servers.map((p) => p.stop()));
    }
  }, processTestTimeoutMs);

  it('--app ./module.js replicates a user\'s service: every request executes exactly once', async () => {
    const { servicePath, privatePath, service } = await makeService('user');
    // A service of the user's: it appends each request's first byte and replies with its length.
    const modulePath = join(dir, 'append-service.mjs');
    writeFileSync(modulePath, [
      'class Log { constructor(b) { this.bytes = b; }',
      '  handleRequest(r) { const n = new Uint8Array(this.bytes.length + 1); n.set(this.bytes); n[this.bytes.length] = r[0] ?? 0;',
      '    this.bytes = n; return Uint8Array.of(n.length >> 8, n.length & 255); }',
      '  serialize() { return this.bytes.slice(); } }',
      "export const appendService = { name: 'append', initialize: () => new Log(new Uint8Array(0)),",
      '  deserialize: (b) => ({ ok: true, value: new Log(b.slice()) }) };',
    ].join('\n'));
    const servers: ServerProcess[] = [];
    let client: RslClient | null = null;
    try {
      for (const i of [3, 2, 1]) servers.push(spawnIronfleet(`server${i}`, ['rsl', 'serve', servicePath, privatePath(i), '--app', modulePath, '--checked']));
      await until(() => servers.every((p) => p.lines.some((l) => l.startsWith('ready '))), servers);
      client = new RslClient({ service, sessions: 3 });
      const c = client;
      const replies = await Promise.all(Array.from({ length: 30 }, (_, k) => c.submit(Uint8Array.of(k))));
      const lengths = replies.map((r) => ((r[0] ?? 0) << 8) | (r[1] ?? 0)).sort((a, b) => a - b);
      expect(lengths).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
    } finally {
      await client?.close();
      await Promise.all(servers.map((p) => p.stop()));
    }
  }, processTestTimeoutMs);
});

describe('ironfleet rsl errors', () => {
  it('refuses a bad service file with an error naming it (exit 1)', async () => {
    const bad = join(dir, 'bad.service.json');
    writeFileSync(bad, '{"kind": "ironfleet-service", "name": 3}');
    const p = spawnIronfleet('bad', ['rsl', 'serve', bad, join(dir, 'nope.private.json'), '--app', 'kv']);
    expect(await p.exited).toBe(1);
    expect(p.errLines.join('\n')).toContain(bad);
    const q = spawnIronfleet('bad-client', ['rsl', 'client', bad, '--app', 'kv']);
    expect(await q.exited).toBe(1);
    expect(q.errLines.join('\n')).toContain(bad);
  });

  it('refuses a bad --app module with a sentence saying why (exit 2)', async () => {
    const { servicePath, privatePath } = await makeService('badapp');
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const x = 1;\n');
    const random = join(dir, 'random.mjs');
    writeFileSync(random, [
      'class S { handleRequest() { return Uint8Array.of(Math.floor(Math.random() * 256)); } serialize() { return new Uint8Array(0); } }',
      "export default { name: 'random', initialize: () => new S(), deserialize: () => ({ ok: true, value: new S() }) };",
    ].join('\n'));
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.mjs'), /cannot find/],
      [empty, /exports no service/],
      [random, /deterministic|differently/],
      ['postgres', /neither counter, kv nor a module path/],
    ];
    for (const [app, message] of cases) {
      const p = spawnIronfleet('badapp', ['rsl', 'serve', servicePath, privatePath(1), '--app', app]);
      expect(await p.exited, p.errLines.join('\n')).toBe(2);
      expect(p.errLines.join('\n')).toMatch(message);
    }
  });

  it('answers bad arguments with usage and exit code 2', async () => {
    const cases: [string[], string][] = [
      [['rsl', 'serve', 'x.json'], 'usage: ironfleet rsl serve SERVICE PRIVATE'],
      [['rsl', 'serve', 'x.json', 'y.json'], '--app is required'],
      [['rsl', 'client', 'x.json', '--app', 'lock'], "--app 'lock' is not counter or kv"],
      [['rsl', 'client', 'x.json', '--app', 'kv', '--threads', '0'], '--threads must be at least 1'],
      [['rsl', 'client', 'x.json', '--app', 'kv', '--set-fraction', '0.8', '--delete-fraction', '0.5'], 'add up to more than 1'],
      [['rsl', 'serve', 'x.json', 'y.json', '--app', 'kv', '--log-length-max', '65'], '--log-length-max must be at most 64'],
      [['rsl', 'serve', 'x.json', 'y.json', '--app', 'kv', '--heartbeat-period-ms', '0'], '--heartbeat-period-ms must be at least 1'],
      [['rsl', 'frobnicate'], "unknown subcommand 'frobnicate'"],
    ];
    for (const [args, message] of cases) {
      const p = spawnIronfleet('usage', args);
      expect(await p.exited, args.join(' ')).toBe(2);
      expect(p.errLines.join('\n')).toContain(message);
    }
  });
});

describe('ironfleet demo', () => {
  it('runs IronRSL with a leader crash, checks the history and exits 0', async () => {
    // The demo's own limit stays below the test's, so a slow machine fails with the demo's message.
    const p = spawnIronfleet('demo', ['demo', '--seconds', '6', '--threads', '4', '--timeout-s', String(processTestTimeoutMs / 1000 - 40)]);
    expect(await p.exited, p.lines.join('\n') + p.errLines.join('\n')).toBe(0);
    const out = p.lines.join('\n');
    expect(out).toMatch(/killing the leader server\d \(SIGKILL\)/);
    expect(out).toMatch(/server\d took over and requests completed again/);
    expect(out).toContain('is linearizable');
    expect(out).toMatch(/^summary ops \d+/m);
  }, processTestTimeoutMs);
});
