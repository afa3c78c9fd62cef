import { errorText } from '../core/errors.js';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandIo, CommandSpec } from './args.js';
import { runCommand, UsageError } from './args.js';
import {
  generateService, hostProblem, namePattern, privateFileName, renderPrivateFile, renderServiceFile, serviceFileName,
} from '../net/service-file.js';
import { formatAddress } from '../net/log.js';

const spec: CommandSpec = {
  name: 'ironfleet certs',
  summary: 'Generates an Ed25519 key per server and writes DIR/NAME.TYPE.service.json (every server: name, ' +
    'address, port, public key, id) and DIR/NAME.TYPE.server<i>.private.json (server i\'s private key, mode 0600), ' +
    'i counting from 1 in the order of --server. A host\'s id is the SHA-256 of its public key. Formats: docs/net.md.',
  positionals: [],
  flags: {
    out: { type: 'string', value: 'DIR', help: 'directory to write the files to (created if missing)' },
    name: { type: 'string', value: 'NAME', help: 'service name (letters, digits, _ and -)' },
    type: { type: 'string', value: 'TYPE', help: 'service type, e.g. lock, rsl, kv (letters, digits, _ and -)' },
    server: { type: 'list', value: 'HOST:PORT', help: 'a server\'s address; IPv6 as [ADDR]:PORT' },
    force: { type: 'boolean', help: 'overwrite existing files' },
  },
};

/** Parses `HOST:PORT` (or `[IPV6]:PORT`); throws UsageError naming what is wrong. */
function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (m === null) throw new UsageError(`--server '${text}' is not HOST:PORT`);
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  const problem = hostProblem(host);
  if (problem !== null) throw new UsageError(`--server '${text}': ${problem}`);
  if (m[1] !== undefined && !host.includes(':')) throw new UsageError(`--server '${text}': brackets are for IPv6 addresses`);
  if (port < 1 || port > 65535) throw new UsageError(`--server '${text}': port must be in 1..65535`);
  return { host, port };
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`--${flag} is required`);
  return value;
}

/** `ironfleet certs --out DIR --name NAME --type TYPE --server HOST:PORT [--server HOST:PORT ...]`. */
export function run(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(spec, argv, io, (args) => {
    const out = required(args.strings.get('out'), 'out');
    const name = required(args.strings.get('name'), 'name');
    const type = required(args.strings.get('type'), 'type');
    if (!namePattern.test(name)) throw new UsageError(`--name '${name}' must match ${String(namePattern)}`);
    if (!namePattern.test(type)) throw new UsageError(`--type '${type}' must match ${String(namePattern)}`);
    const servers = (args.lists.get('server') ?? []).map(parseHostPort);
    if (servers.length === 0) throw new UsageError('at least one --server HOST:PORT is required');
    const seen = new Set<string>();
    for (const s of servers) {
      const address = formatAddress(s.host.toLowerCase(), s.port);
      if (seen.has(address)) throw new UsageError(`--server ${address} is given twice`);
      seen.add(address);
    }
    const generated = generateService(name, type, servers);
    if (!generated.ok) throw new UsageError(generated.error);
    const { service, identities } = generated.value;
    const files: { path: string; text: string; mode: number; what: string }[] = [
      { path: join(out, serviceFileName(name, type)), text: renderServiceFile(service), mode: 0o644, what: `${service.servers.length} servers` },
    ];
    service.servers.forEach((server, i) => {
      const identity = identities[i];
      if (identity === undefined) return;
      files.push({
        path: join(out, privateFileName(name, type, i + 1)),
        text: renderPrivateFile(service, server, identity),
        mode: 0o600,
        what: `${server.name} ${formatAddress(server.host, server.port)} id ${server.id}`,
      });
    });
    // Exclusive creation unless --force, so a deployment's keys are never replaced by accident.
    const force = args.booleans.has('force');
    const flag = force ? 'w' : 'wx';
    const existing = force ? [] : files.filter((f) => existsSync(f.path)).map((f) => f.path);
    if (existing.length > 0) {
      io.err(`ironfleet certs: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} (use --force to overwrite)`);
      return 1;
    }
    try {
      mkdirSync(out, { recursive: true });
      for (const f of files) {
        // An existing file keeps its old mode: tighten it before the key goes in, not after.
        if (force && existsSync(f.path)) chmodSync(f.path, f.mode);
        writeFileSync(f.path, f.text, { mode: f.mode, flag });
      }
    } catch (e) {
      const exists = (e as NodeJS.ErrnoException).code === 'EEXIST';
      io.err(`ironfleet certs: ${errorText(e)}${exists ? ' (use --force to overwrite)' : ''}`);
      return 1;
    }
    for (const f of files) io.out(`wrote ${f.path} (${f.what})`);
    return 0;
  });
}
