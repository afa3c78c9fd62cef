import { join } from 'node:path';
import { freeLoopbackPorts } from '../net/testkit.js';
import { loadServiceFile, type ServiceConfig } from '../net/service-file.js';
import { run as certs } from './certs.js';

/** A service of three servers on free loopback ports, its files written by `ironfleet certs`. */
export interface LocalService {
  readonly ports: readonly number[];
  readonly servicePath: string;
  readonly service: ServiceConfig;
  /** The private key file of `server` ('server1', ...). */
  privatePath(server: string): string;
}

/**
 * Writes a service `name` of `type` (three servers on free loopback ports) into `dir` with
 * `ironfleet certs`, as the demos and the kill loop run it, and reads its service file back.
 */
export async function makeLocalService(dir: string, name: string, type: 'lock' | 'rsl'): Promise<LocalService> {
  const ports = await freeLoopbackPorts(3);
  const certErrors: string[] = [];
  const made = await certs(['--out', dir, '--name', name, '--type', type, ...ports.flatMap((p) => ['--server', `127.0.0.1:${p}`])],
    { out: () => undefined, err: (l) => certErrors.push(l) });
  if (made !== 0) throw new Error(`ironfleet certs failed: ${certErrors.join(' | ')}`);
  const servicePath = join(dir, `${name}.${type}.service.json`);
  const loaded = loadServiceFile(servicePath);
  if (!loaded.ok) throw new Error(`cannot read the service file just written: ${loaded.error.file}`);
  return { ports, servicePath, service: loaded.value, privatePath: (server) => join(dir, `${name}.${type}.${server}.private.json`) };
}
