import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPorts } from '../src/net/testkit.js';
import { spawnIronfleet, type ServerProcess } from '../src/cli/cluster.js';

// IronLock as a user runs it: `ironfleet certs`, then three `ironfleet lock serve` processes over
// TLS on loopback, started in a scrambled order. `npm test` builds dist/ before running these.

/** Time a test of real processes may take: generous, so that load slows it down but never fails it. */
const processTestTimeoutMs = 240_000;

let dir = '';
let servicePath = '';
const privatePath = (i: number): string => join(dir, `ring.lock.server${i}.private.json`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ironfleet-lock-test-'));
  const ports = await freeLoopbackPorts(3);
  const certs = spawnIronfleet('certs', ['certs', '--out', dir, '--name', 'ring', '--type', 'lock',
    ...ports.flatMap((p) => ['--server', `127.0.0.1:${p}`])]);
  expect(await certs.exited).toBe(0);
  servicePath = join(dir, 'ring.lock.service.json');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('three lock servers over TLS', () => {
  it('pass the lock around: 100+ accepts, epochs strictly increasing, each accepted by exactly one host', async () => {
    const servers: ServerProcess[] = [];
    try {
      for (const i of [2, 3, 1]) {
        servers.push(spawnIronfleet(`server${i}`, ['lock', 'serve', servicePath, privatePath(i), '--checked', '--hold-ms', '2']));
      }
      const epochsOf = (p: ServerProcess): number[] =>
        p.lines.filter((l) => l.startsWith('accept ')).map((l) => Number(l.slice('accept '.length)));
      const total = (): number => servers.reduce((n, p) => n + epochsOf(p).length, 0);
      // No deadline of its own: a slow or loaded machine only takes longer, up to the test's timeout.
      while (total() < 120) {
        for (const p of servers) expect(p.child.exitCode, `${p.label} exited: ${p.errLines.join(' | ')}`).toBeNull();
        await new Promise((r) => setTimeout(r, 100));
      }
      const codes = await Promise.all(servers.map((p) => p.stop()));
      expect(codes).toEqual([0, 0, 0]);
      for (const p of servers) expect(p.lines[0]).toMatch(/^ready server\d 127\.0\.0\.1:\d+$/);
      const owner = new Map<number, string>();
      for (const p of servers) {
        const epochs = epochsOf(p);
        // Each host's epochs strictly increase...
        for (let k = 1; k < epochs.length; k++) expect(epochs[k]).toBeGreaterThan(epochs[k - 1] ?? 0);
        // ...and no epoch is accepted by two hosts.
        for (const e of epochs) {
          expect(owner.get(e), `epoch ${e} accepted by ${owner.get(e) ?? ''} and ${p.label}`).toBeUndefined();
          owner.set(e, p.label);
        }
      }
      expect(owner.size).toBeGreaterThanOrEqual(100);
      // Across the ring, the accepted epochs are 2, 3, 4, ... with none skipped, in ring order.
      const all = [...owner.keys()].sort((a, b) => a - b);
      all.forEach((e, k) => {
        expect(e).toBe(k + 2);
        expect(owner.get(e)).toBe(`server${((e - 1) % 3) + 1}`);
      });
    } finally {
      await Promise.all(servers.map((p) => p.stop()));
    }
  }, processTestTimeoutMs);

  it('refuses a bad service file or key file with an error naming the file', async () => {
    const bad = join(dir, 'bad.service.json');
    writeFileSync(bad, '{"kind": "ironfleet-service", "name": 3}');
    const p = spawnIronfleet('bad', ['lock', 'serve', bad, privatePath(1)]);
    expect(await p.exited).toBe(1);
    expect(p.errLines.join('\n')).toContain(bad);
    const q = spawnIronfleet('missing', ['lock', 'serve', servicePath, join(dir, 'nope.private.json')]);
    expect(await q.exited).toBe(1);
    expect(q.errLines.join('\n')).toContain('nope.private.json');
  });

  it('answers bad arguments with usage and exit code 2', async () => {
    const p = spawnIronfleet('usage', ['lock', 'serve', servicePath]);
    expect(await p.exited).toBe(2);
    expect(p.errLines.join('\n')).toContain('usage: ironfleet lock serve SERVICE PRIVATE');
  });
});

describe('ironfleet demo lock', () => {
  it('runs a ring with a crash and restart, checks it and exits 0', async () => {
    // The demo's own limit stays below the test's, so a slow machine fails with the demo's message.
    const p = spawnIronfleet('demo', ['demo', 'lock', '--accepts', '60', '--timeout-s', String(processTestTimeoutMs / 1000 - 30)]);
    expect(await p.exited, p.errLines.join('\n')).toBe(0);
    const out = p.lines.join('\n');
    expect(out).toContain('killing server2 (SIGKILL)');
    expect(out).toContain('every epoch was accepted exactly once');
    expect(out).toMatch(/stopped after \d+ accepts/);
  }, processTestTimeoutMs);
});
