import type { ImplHost } from '../framework/host.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { describeFileError, loadServerIdentity } from '../net/service-file.js';
import { startServerTransport } from '../net/transport.js';
import { HostEventLoop, type StopReason } from '../net/event-loop.js';
import { openDataDir } from '../net/file-store.js';
import type { Logger } from '../net/log.js';
import { monitor } from '../check/monitor.js';
import { LockHost, type LockTiming } from './impl/host.js';
import { lockProtocol, type LockHostState } from './protocol/host.js';
import type { LockMsg } from './protocol/messages.js';
import { lockCodec } from './wire.js';

/**
 * An IronLock server process: one host of the ring on the TLS transport, driven by the host event
 * loop. It prints `ready <name> <address>:<port>` once it accepts traffic, then one line per event:
 * `accept <epoch>` and `grant <epoch> to <server name>`.
 */

/** How to run a lock server. */
export interface LockServerOptions {
  readonly servicePath: string;
  readonly privatePath: string;
  /** Where the durable lock state lives; without it the state is in memory and lost on restart. */
  readonly dataDir?: string;
  /** Run every step under the refinement monitor. */
  readonly checked: boolean;
  readonly timing: LockTiming;
  /** Event lines. */
  readonly out: (line: string) => void;
  /** Diagnostics. */
  readonly log: Logger;
}

/** A running lock server. */
export interface LockServer {
  /** Settles when the server stops, with why. */
  readonly done: Promise<StopReason>;
  stop(): Promise<void>;
}

/** Starts a lock server; an error sentence if its files, its disk or its port are not usable. */
export async function startLockServer(options: LockServerOptions): Promise<Result<LockServer, string>> {
  const loaded = loadServerIdentity(options.servicePath, options.privatePath);
  if (!loaded.ok) return err(describeFileError(loaded.error));
  const identity = loaded.value;
  const { service, server } = identity;
  const names = new Map(service.servers.map((s) => [s.id, s.name]));
  const config = { hosts: service.servers.map((s) => s.id) };

  const opened = openDataDir(options.dataDir, () => options.log(`${server.name}: no --data-dir, so the lock state is kept in memory and lost if this process stops`));
  if (!opened.ok) return err(opened.error);
  const disk = opened.value;
  const recovered = LockHost.recover(config, server.id, disk, options.timing);
  if (!recovered.ok) {
    disk.close();
    return err(`cannot recover the lock state: ${recovered.error.kind}: ${recovered.error.detail}`);
  }
  const host: ImplHost<LockHostState, LockMsg> = options.checked ? monitor(recovered.value, lockProtocol) : recovered.value;

  const transport = await startServerTransport({ server: identity, acceptClients: false, codec: lockCodec, logger: options.log });
  if (!transport.ok) {
    disk.close();
    return err(transport.error);
  }
  const { host: address, port } = transport.value.listening;
  options.out(`ready ${server.name} ${address}:${port}`);

  const loop = new HostEventLoop({
    host,
    transport: transport.value,
    disk,
    logger: options.log,
    onEvent: (event) => {
      // Name hosts by their service-file names: ids are 64 hex digits.
      const grant = /^grant (\d+) to ([0-9a-f]{64})$/.exec(event);
      options.out(grant !== null ? `grant ${grant[1]} to ${names.get(grant[2] ?? '') ?? grant[2]}` : event);
    },
  });
  // The loop takes no step once `done` settles, so the store's open files can close then.
  const done = loop.done.finally(() => disk.close());
  return ok({ done, stop: () => loop.stop() });
}
