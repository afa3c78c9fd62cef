/**
 * Service files and private key files: who the servers of a service are, and which of them this
 * process is. Both are JSON (formats in docs/net.md). Loading validates everything and returns a
 * Result whose error names the file and the problem, so a misconfigured server stops with a
 * sentence rather than a stack trace.
 */
import { errorText } from '../core/errors.js';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { HostId } from '../framework/types.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { LocalIdentity } from './identity.js';
import {
  generateIdentity, hostIdOfPublicKey, identityOfPrivateKey, parseEd25519PrivateKey, parseEd25519PublicKey,
  pkcs8DerOf,
} from './identity.js';
import { formatAddress } from './log.js';

/** The `kind` field of a service file. */
export const serviceFileKind = 'ironfleet-service';
/** The `kind` field of a private key file. */
export const privateFileKind = 'ironfleet-private-key';
/** Files larger than this are refused before parsing. */
export const configFileBytesMax = 1024 * 1024;
/** Most servers one service may list. */
export const serversMax = 256;

/** One server of a service, as the service file lists it. */
export interface ServerEntry {
  /** Unique within the service, e.g. 'server1'. */
  readonly name: string;
  /** Address to connect to: a host name, an IPv4 address or an IPv6 address (no brackets). */
  readonly host: string;
  /** TCP port, 1..65535. */
  readonly port: number;
  /** SubjectPublicKeyInfo DER of the server's Ed25519 public key. */
  readonly publicKeyDer: Buffer;
  /** SHA-256 of `publicKeyDer` in hex: the server's HostId. */
  readonly id: HostId;
}

/** A validated service: its name, its type (e.g. 'lock', 'rsl', 'kv') and its servers. */
export interface ServiceConfig {
  readonly name: string;
  readonly type: string;
  /** In file order. Invariant: names, ids and host:port addresses are distinct. */
  readonly servers: readonly ServerEntry[];
  /** The same servers by id. */
  readonly byId: ReadonlyMap<HostId, ServerEntry>;
}

/** A server process's view: the service, which server it is, and that server's key material. */
export interface ServerIdentity {
  readonly service: ServiceConfig;
  readonly server: ServerEntry;
  readonly identity: LocalIdentity;
}

/** Why a file was refused: the file's path and one sentence on what is wrong with it. */
export interface FileError {
  readonly file: string;
  readonly problem: string;
}

/** A FileError as one line: `<file>: <problem>`. */
export function describeFileError(e: FileError): string {
  return `${e.file}: ${e.problem}`;
}

/** The service file name for a service: `NAME.TYPE.service.json`. */
export function serviceFileName(name: string, type: string): string {
  return `${name}.${type}.service.json`;
}

/** The private key file name of the i-th server (from 1): `NAME.TYPE.server<i>.private.json`. */
export function privateFileName(name: string, type: string, index: number): string {
  return `${name}.${type}.server${index}.private.json`;
}

/** Names of services, types and servers: a letter or digit, then letters, digits, '_' or '-'. */
export const namePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Whether `host` is acceptable as a server address; null if so, else what is wrong. */
export function hostProblem(host: string): string | null {
  if (host.length === 0) return 'host is empty';
  if (host.length > 253) return 'host is longer than 253 characters';
  if (host.includes(':')) return isIP(host) === 6 ? null : `'${host}' is not an IPv6 address`;
  if (!/^[A-Za-z0-9.-]+$/.test(host)) return `'${host}' is not a host name or IP address`;
  return null;
}

/** Whether `port` is a TCP port a server can listen on (1..65535). */
export function isPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Builds a ServiceConfig from entries, checking that names, ids and addresses are distinct. */
export function makeServiceConfig(name: string, type: string, servers: readonly ServerEntry[]): Result<ServiceConfig, string> {
  if (!namePattern.test(name)) return err(`name: '${name}' must match ${String(namePattern)}`);
  if (!namePattern.test(type)) return err(`type: '${type}' must match ${String(namePattern)}`);
  if (servers.length === 0) return err('servers: a service needs at least one server');
  if (servers.length > serversMax) return err(`servers: ${servers.length} servers, more than serversMax ${serversMax}`);
  const byId = new Map<HostId, ServerEntry>();
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  for (let i = 0; i < servers.length; i++) {
    const s = servers[i];
    if (s === undefined) continue;
    const address = formatAddress(s.host.toLowerCase(), s.port);
    const sameName = names.get(s.name);
    if (sameName !== undefined) return err(`servers[${i}]: duplicate server name '${s.name}' (also servers[${sameName}])`);
    const sameAddress = addresses.get(address);
    if (sameAddress !== undefined) return err(`servers[${i}]: duplicate address ${address} (also servers[${sameAddress}])`);
    const sameKey = byId.get(s.id);
    if (sameKey !== undefined) return err(`servers[${i}]: duplicate public key (also server '${sameKey.name}')`);
    names.set(s.name, i);
    addresses.set(address, i);
    byId.set(s.id, s);
  }
  return ok({ name, type, servers, byId });
}

/**
 * A new service with a fresh key per server: the config and each server's identity, in the same
 * order as `addresses`. Servers are named server1, server2, ...
 */
export function generateService(
  name: string, type: string, addresses: readonly { readonly host: string; readonly port: number }[],
): Result<{ service: ServiceConfig; identities: LocalIdentity[] }, string> {
  const identities = addresses.map(() => generateIdentity());
  const entries: ServerEntry[] = [];
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i];
    const identity = identities[i];
    if (a === undefined || identity === undefined) continue;
    const problem = hostProblem(a.host) ?? (isPort(a.port) ? null : `port ${a.port} is not in 1..65535`);
    if (problem !== null) return err(`servers[${i}]: ${problem}`);
    entries.push({ name: `server${i + 1}`, host: a.host, port: a.port, publicKeyDer: identity.publicKeyDer, id: identity.id });
  }
  const service = makeServiceConfig(name, type, entries);
  return service.ok ? ok({ service: service.value, identities }) : service;
}

/** The JSON text of a service file. */
export function renderServiceFile(service: ServiceConfig): string {
  const doc = {
    kind: serviceFileKind,
    name: service.name,
    type: service.type,
    servers: service.servers.map((s) => ({
      name: s.name, host: s.host, port: s.port, publicKey: s.publicKeyDer.toString('base64'), id: s.id,
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The JSON text of the private key file of `server` (whose private key is `identity`). */
export function renderPrivateFile(service: ServiceConfig, server: ServerEntry, identity: LocalIdentity): string {
  const doc = {
    kind: privateFileKind,
    service: service.name,
    type: service.type,
    server: server.name,
    id: identity.id,
    privateKey: pkcs8DerOf(identity.privateKey).toString('base64'),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Parses and validates the text of a service file; `file` names it in errors. */
export function parseServiceFile(text: string, file: string): Result<ServiceConfig, FileError> {
  const fail = (problem: string) => err({ file, problem });
  const doc = parseJsonObject(text);
  if (!doc.ok) return fail(doc.error);
  const o = doc.value;
  if (o['kind'] === privateFileKind) return fail('this is a private key file, not a service file');
  const problem = checkFields(o, '', { kind: 'string', name: 'string', type: 'string', servers: 'array' });
  if (problem !== null) return fail(problem);
  if (o['kind'] !== serviceFileKind) return fail(`kind: expected "${serviceFileKind}", got ${JSON.stringify(o['kind'])}`);
  const servers: ServerEntry[] = [];
  const list = o['servers'] as unknown[];
  for (let i = 0; i < list.length; i++) {
    const entry = parseServerEntry(list[i], `servers[${i}]`);
    if (!entry.ok) return fail(entry.error);
    servers.push(entry.value);
  }
  const service = makeServiceConfig(o['name'] as string, o['type'] as string, servers);
  return service.ok ? service : fail(service.error);
}

function parseServerEntry(value: unknown, path: string): Result<ServerEntry, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return err(`${path}: expected an object`);
  const o = value as Record<string, unknown>;
  const problem = checkFields(o, `${path}.`, { name: 'string', host: 'string', port: 'number', publicKey: 'string', id: 'string' });
  if (problem !== null) return err(problem);
  const name = o['name'] as string;
  const host = o['host'] as string;
  if (!namePattern.test(name)) return err(`${path}.name: '${name}' must match ${String(namePattern)}`);
  const hostIssue = hostProblem(host);
  if (hostIssue !== null) return err(`${path}.host: ${hostIssue}`);
  if (!isPort(o['port'])) return err(`${path}.port: expected an integer in 1..65535, got ${JSON.stringify(o['port'])}`);
  const der = decodeBase64(o['publicKey'] as string);
  if (der === null) return err(`${path}.publicKey: not canonical base64`);
  const key = parseEd25519PublicKey(der);
  if (!key.ok) return err(`${path}.publicKey: ${key.error}`);
  const id = hostIdOfPublicKey(der);
  if (o['id'] !== id) return err(`${path}.id: does not match the public key (SHA-256 of the key is ${id})`);
  return ok({ name, host, port: o['port'], publicKeyDer: der, id });
}

/**
 * Parses and validates the text of a private key file against `service`: the key must be a valid
 * Ed25519 private key whose public key is the one `service` lists for the named server.
 */
export function parsePrivateFile(text: string, file: string, service: ServiceConfig): Result<ServerIdentity, FileError> {
  const fail = (problem: string) => err({ file, problem });
  const doc = parseJsonObject(text);
  if (!doc.ok) return fail(doc.error);
  const o = doc.value;
  if (o['kind'] === serviceFileKind) return fail('this is a service file, not a private key file');
  const problem = checkFields(o, '', { kind: 'string', service: 'string', type: 'string', server: 'string', id: 'string', privateKey: 'string' });
  if (problem !== null) return fail(problem);
  if (o['kind'] !== privateFileKind) return fail(`kind: expected "${privateFileKind}", got ${JSON.stringify(o['kind'])}`);
  const der = decodeBase64(o['privateKey'] as string);
  if (der === null) return fail('privateKey: not canonical base64');
  const key = parseEd25519PrivateKey(der);
  if (!key.ok) return fail(`privateKey: ${key.error}`);
  const identity = identityOfPrivateKey(key.value);
  if (o['id'] !== identity.id) return fail(`id: does not match the private key (its public key's SHA-256 is ${identity.id})`);
  const server = service.byId.get(identity.id);
  const where = `service ${service.name}.${service.type}`;
  if (server === undefined) return fail(`the private key does not match any server in ${where}`);
  if (o['service'] !== service.name || o['type'] !== service.type) {
    return fail(`belongs to service ${String(o['service'])}.${String(o['type'])}, not ${where}`);
  }
  if (o['server'] !== server.name) {
    return fail(`server: says '${String(o['server'])}' but the key is that of '${server.name}' in ${where}`);
  }
  return ok({ service, server, identity });
}

/** Reads and validates a service file. */
export function loadServiceFile(path: string): Result<ServiceConfig, FileError> {
  const text = readConfigFile(path);
  return text.ok ? parseServiceFile(text.value, path) : text;
}

/**
 * Reads and validates a service file and a private key file together: what a server needs to
 * start. The error names whichever file is at fault.
 */
export function loadServerIdentity(servicePath: string, privatePath: string): Result<ServerIdentity, FileError> {
  const service = loadServiceFile(servicePath);
  if (!service.ok) return service;
  const text = readConfigFile(privatePath);
  return text.ok ? parsePrivateFile(text.value, privatePath, service.value) : text;
}

function readConfigFile(path: string): Result<string, FileError> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return err({ file: path, problem: 'no such file' });
    if (code === 'EISDIR') return err({ file: path, problem: 'is a directory, not a file' });
    return err({ file: path, problem: `cannot read: ${errorText(e)}` });
  }
  if (bytes.length > configFileBytesMax) return err({ file: path, problem: `larger than ${configFileBytesMax} bytes` });
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return ok(text.decode(bytes));
  } catch {
    return err({ file: path, problem: 'not UTF-8 text' });
  }
}

function parseJsonObject(text: string): Result<Record<string, unknown>, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return err(`not valid JSON (${errorText(e)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return err('expected a JSON object');
  return ok(value as Record<string, unknown>);
}

type FieldType = 'string' | 'number' | 'array';

/** Checks that `o` has exactly the `fields`, each of its type; the first problem, or null. */
function checkFields(o: Record<string, unknown>, prefix: string, fields: Readonly<Record<string, FieldType>>): string | null {
  for (const [name, type] of Object.entries(fields)) {
    if (!(name in o)) return `${prefix}${name}: missing`;
    const v = o[name];
    const good = type === 'array' ? Array.isArray(v) : typeof v === type;
    if (!good) return `${prefix}${name}: expected ${type === 'array' ? 'an' : 'a'} ${type}, got ${describeJson(v)}`;
  }
  for (const name of Object.keys(o)) {
    if (!(name in fields)) return `${prefix}${name}: unknown field`;
  }
  return null;
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return `${typeof v} ${text.length > 40 ? `${text.slice(0, 40)}..` : text}`;
}

/** Decodes base64 that is in canonical form; null otherwise (Buffer.from alone ignores junk). */
function decodeBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}
