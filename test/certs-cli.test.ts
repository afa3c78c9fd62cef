import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { run } from '../src/cli/certs.js';
import { loadServerIdentity, loadServiceFile } from '../src/net/service-file.js';

/** Runs `ironfleet certs` in this process; returns its exit code and output lines. */
async function certs(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'ironfleet-certs-'));

describe('ironfleet certs', () => {
  it('writes a service file and one private key file per server, mode 0600, that load back', async () => {
    const dir = join(tempDir(), 'keys');
    const r = await certs(['--out', dir, '--name', 'demo', '--type', 'lock',
      '--server', '127.0.0.1:4001', '--server', 'localhost:4002', '--server', '[::1]:4003']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(`wrote ${join(dir, 'demo.lock.service.json')} (3 servers)`);
    const service = loadServiceFile(join(dir, 'demo.lock.service.json'));
    expect(service.ok).toBe(true);
    if (!service.ok) return;
    expect(service.value.servers.map((s) => `${s.name} ${s.host} ${s.port}`)).toEqual([
      'server1 127.0.0.1 4001', 'server2 localhost 4002', 'server3 ::1 4003',
    ]);
    for (let i = 1; i <= 3; i++) {
      const privatePath = join(dir, `demo.lock.server${i}.private.json`);
      expect(statSync(privatePath).mode & 0o777).toBe(0o600);
      const loaded = loadServerIdentity(join(dir, 'demo.lock.service.json'), privatePath);
      expect(loaded.ok ? loaded.value.server.name : loaded.error.problem).toBe(`server${i}`);
    }
    const doc = JSON.parse(readFileSync(join(dir, 'demo.lock.service.json'), 'utf8')) as { servers: { id: string }[] };
    expect(new Set(doc.servers.map((s) => s.id)).size).toBe(3);
  });

  it('refuses bad arguments with a usage message and exit code 2', async () => {
    const dir = tempDir();
    const base = ['--out', dir, '--name', 'demo', '--type', 'lock'];
    const cases: [string[], string][] = [
      [base, 'at least one --server HOST:PORT is required'],
      [['--out', dir, '--name', 'demo', '--server', '127.0.0.1:1'], '--type is required'],
      [[...base, '--server', '127.0.0.1'], "--server '127.0.0.1' is not HOST:PORT"],
      [[...base, '--server', '127.0.0.1:0'], "--server '127.0.0.1:0': port must be in 1..65535"],
      [[...base, '--server', '127.0.0.1:65536'], "--server '127.0.0.1:65536': port must be in 1..65535"],
      [[...base, '--server', 'bad host:80'], "'bad host' is not a host name or IP address"],
      [[...base, '--server', '::1:80'], "--server '::1:80' is not HOST:PORT"],
      [[...base, '--server', '[fe80::1::2]:80'], 'is not an IPv6 address'],
      [[...base, '--server', 'a:1', '--server', 'A:1'], '--server a:1 is given twice'],
      [['--out', dir, '--name', 'my.service', '--type', 'lock', '--server', 'a:1'], "--name 'my.service' must match"],
      [[...base, '--server', 'a:1', '--colour', 'red'], 'unknown option --colour'],
    ];
    for (const [argv, message] of cases) {
      const r = await certs(argv);
      expect(r.code).toBe(2);
      expect(r.err[0]).toContain(message);
      expect(r.err.join('\n')).toContain('usage: ironfleet certs');
    }
  });

  it('will not overwrite existing files without --force', async () => {
    const dir = tempDir();
    const argv = ['--out', dir, '--name', 'demo', '--type', 'kv', '--server', '127.0.0.1:5000'];
    expect((await certs(argv)).code).toBe(0);
    const before = readFileSync(join(dir, 'demo.kv.service.json'), 'utf8');
    const again = await certs(argv);
    expect(again.code).toBe(1);
    expect(again.err[0]).toContain('already exist');
    expect(readFileSync(join(dir, 'demo.kv.service.json'), 'utf8')).toBe(before);
    writeFileSync(join(dir, 'demo.kv.server1.private.json'), 'old', { mode: 0o644 });
    expect((await certs([...argv, '--force'])).code).toBe(0);
    expect(readFileSync(join(dir, 'demo.kv.service.json'), 'utf8')).not.toBe(before);
    expect(statSync(join(dir, 'demo.kv.server1.private.json')).mode & 0o777).toBe(0o600);
  });

  it('runs as a process from the build', async () => {
    const dir = tempDir();
    const exec = promisify(execFile);
    const ok = await exec(process.execPath, ['bin/ironfleet.js', 'certs', '--out', dir, '--name', 'p', '--type', 'lock',
      '--server', '127.0.0.1:4001', '--server', '127.0.0.1:4002']);
    expect(ok.stdout.split('\n').filter((l) => l.startsWith('wrote ')).length).toBe(3);
    expect(loadServerIdentity(join(dir, 'p.lock.service.json'), join(dir, 'p.lock.server2.private.json')).ok).toBe(true);
    const bad = await exec(process.execPath, ['bin/ironfleet.js', 'certs', '--out', dir]).then(
      () => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('usage: ironfleet certs');
  });
});
