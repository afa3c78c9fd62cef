import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeFileError, generateService, loadServerIdentity, loadServiceFile, parsePrivateFile, parseServiceFile,
  renderPrivateFile, renderServiceFile, type ServiceConfig,
} from './service-file.js';
import { generateIdentity, type LocalIdentity } from './identity.js';

function twoServers(): { service: ServiceConfig; identities: LocalIdentity[] } {
  const g = generateService('demo', 'lock', [{ host: '127.0.0.1', port: 4001 }, { host: '::1', port: 4002 }]);
  if (!g.ok) throw new Error(g.error);
  return g.value;
}

type Json = Record<string, unknown>;
const serviceJson = (service: ServiceConfig): Json => JSON.parse(renderServiceFile(service)) as Json;
const serverAt = (doc: Json, i: number): Json => (doc['servers'] as Json[])[i] as Json;

/** The error text of parsing a service file whose JSON was changed by `edit`. */
function serviceError(edit: (doc: Json) => unknown): string {
  const doc = serviceJson(twoServers().service);
  const edited = edit(doc) ?? doc;
  const r = parseServiceFile(typeof edited === 'string' ? edited : JSON.stringify(edited), 'svc.json');
  return r.ok ? 'accepted' : describeFileError(r.error);
}

describe('service file', () => {
  it('round-trips through its JSON text', () => {
    const { service } = twoServers();
    const parsed = parseServiceFile(renderServiceFile(service), 'svc.json');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.servers.map((s) => [s.name, s.host, s.port, s.id])).toEqual(
      service.servers.map((s) => [s.name, s.host, s.port, s.id]));
    expect(parsed.value.byId.size).toBe(2);
  });

  it('names the file and the problem for every kind of mistake', () => {
    const cases: [string, (doc: Json) => unknown][] = [
      ['svc.json: not valid JSON', () => '{"kind": '],
      ['svc.json: expected a JSON object', () => '[1, 2]'],
      ['svc.json: name: missing', (d) => { delete d['name']; }],
      ['svc.json: servers: expected an array, got string "x"', (d) => { d['servers'] = 'x'; }],
      ['svc.json: kind: expected "ironfleet-service", got "other"', (d) => { d['kind'] = 'other'; }],
      ['svc.json: colour: unknown field', (d) => { d['colour'] = 'red'; }],
      ['svc.json: servers: a service needs at least one server', (d) => { d['servers'] = []; }],
      ['svc.json: servers[1]: expected an object', (d) => { (d['servers'] as unknown[])[1] = 7; }],
      ['svc.json: servers[0].port: expected a number, got string "4001"', (d) => { serverAt(d, 0)['port'] = '4001'; }],
      ['svc.json: servers[0].port: expected an integer in 1..65535, got 70000', (d) => { serverAt(d, 0)['port'] = 70000; }],
      ['svc.json: servers[1].host: \'1::2::3\' is not an IPv6 address', (d) => { serverAt(d, 1)['host'] = '1::2::3'; }],
      ['svc.json: servers[0].publicKey: not canonical base64', (d) => { serverAt(d, 0)['publicKey'] = 'a*b'; }],
      ['svc.json: servers[0].publicKey: not a SubjectPublicKeyInfo public key', (d) => { serverAt(d, 0)['publicKey'] = 'AAAA'; }],
      ['svc.json: servers[1].id: does not match the public key', (d) => { serverAt(d, 1)['id'] = 'ab'.repeat(32); }],
      ['svc.json: servers[1]: duplicate server name \'server1\'', (d) => { serverAt(d, 1)['name'] = 'server1'; }],
      ['svc.json: servers[1]: duplicate public key', (d) => {
        serverAt(d, 1)['publicKey'] = serverAt(d, 0)['publicKey'];
        serverAt(d, 1)['id'] = serverAt(d, 0)['id'];
      }],
      ['svc.json: servers[1]: duplicate address 127.0.0.1:4001', (d) => {
        serverAt(d, 1)['host'] = '127.0.0.1';
        serverAt(d, 1)['port'] = 4001;
      }],
      ['svc.json: name: \'my service\' must match', (d) => { d['name'] = 'my service'; }],
    ];
    for (const [expected, edit] of cases) expect(serviceError(edit)).toContain(expected);
  });

  it('reports a missing file, a directory, and a private key file given in its place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ironfleet-svc-'));
    const missing = loadServiceFile(join(dir, 'nope.json'));
    expect(missing.ok ? '' : describeFileError(missing.error)).toBe(`${join(dir, 'nope.json')}: no such file`);
    const isDir = loadServiceFile(dir);
    expect(isDir.ok ? '' : describeFileError(isDir.error)).toBe(`${dir}: is a directory, not a file`);
    const { service, identities } = twoServers();
    const [server] = service.servers;
    const [identity] = identities;
    if (server === undefined || identity === undefined) throw new Error('no server');
    const privatePath = join(dir, 'p.json');
    writeFileSync(privatePath, renderPrivateFile(service, server, identity));
    const swapped = loadServiceFile(privatePath);
    expect(swapped.ok ? '' : swapped.error.problem).toBe('this is a private key file, not a service file');
  });
});

describe('private key file', () => {
  function setup(): { dir: string; servicePath: string; privatePaths: string[]; service: ServiceConfig; identities: LocalIdentity[] } {
    const dir = mkdtempSync(join(tmpdir(), 'ironfleet-key-'));
    const { service, identities } = twoServers();
    const servicePath = join(dir, 'demo.lock.service.json');
    writeFileSync(servicePath, renderServiceFile(service));
    const privatePaths = service.servers.map((server, i) => {
      const p = join(dir, `demo.lock.server${i + 1}.private.json`);
      const identity = identities[i];
      if (identity !== undefined) writeFileSync(p, renderPrivateFile(service, server, identity), { mode: 0o600 });
      return p;
    });
    return { dir, servicePath, privatePaths, service, identities };
  }

  it('loads with its service file into the server it belongs to', () => {
    const { servicePath, privatePaths, identities } = setup();
    const loaded = loadServerIdentity(servicePath, privatePaths[1] ?? '');
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.value.server.name).toBe('server2');
    expect(loaded.value.identity.id).toBe(identities[1]?.id);
    expect(loaded.value.server.id).toBe(identities[1]?.id);
  });

  it('names the file and the problem for every kind of mistake', () => {
    const { service, identities } = setup();
    const [server1] = service.servers;
    const [identity1] = identities;
    if (server1 === undefined || identity1 === undefined) throw new Error('no server');
    const good = JSON.parse(renderPrivateFile(service, server1, identity1)) as Json;
    const stranger = generateIdentity();
    const strangerDoc = JSON.parse(renderPrivateFile(service, server1, stranger)) as Json;
    const cases: [string, Json | string][] = [
      ['key.json: not valid JSON', 'nope'],
      ['key.json: this is a service file, not a private key file', serviceJson(service)],
      ['key.json: privateKey: missing', { ...good, privateKey: undefined }],
      ['key.json: privateKey: not a PKCS#8 private key', { ...good, privateKey: 'AAAA' }],
      ['key.json: id: does not match the private key', { ...good, id: 'cd'.repeat(32) }],
      ['key.json: the private key does not match any server in service demo.lock', strangerDoc],
      ['key.json: belongs to service other.lock, not service demo.lock', { ...good, service: 'other' }],
      ['key.json: server: says \'server2\' but the key is that of \'server1\'', { ...good, server: 'server2' }],
    ];
    for (const [expected, doc] of cases) {
      const r = parsePrivateFile(typeof doc === 'string' ? doc : JSON.stringify(doc), 'key.json', service);
      expect(r.ok ? 'accepted' : describeFileError(r.error)).toContain(expected);
    }
  });

  it('names whichever file is at fault when loading both', () => {
    const { dir, servicePath, privatePaths } = setup();
    const badService = join(dir, 'bad.json');
    writeFileSync(badService, '{');
    const r1 = loadServerIdentity(badService, privatePaths[0] ?? '');
    expect(r1.ok ? '' : r1.error.file).toBe(badService);
    const r2 = loadServerIdentity(servicePath, join(dir, 'missing.json'));
    expect(r2.ok ? '' : describeFileError(r2.error)).toBe(`${join(dir, 'missing.json')}: no such file`);
  });
});
