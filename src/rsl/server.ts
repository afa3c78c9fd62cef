import type { ImplHost } from '../framework/host.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { describeFileError, loadServerIdentity } from '../net/service-file.js';
import { startServerTransport } from '../net/transport.js';
import { HostEventLoop, type StopReason } from '../net/event-loop.js';
import { openDataDir } from '../net/file-store.js';
import { GroupCommitStore } from '../net/group-commit.js';
import type { Logger } from '../net/log.js';
import { RslReplica } from './impl/replica.js';
import type { RslConstants } from './protocol/replica.js';
import type { Ballot, RslParams } from './protocol/types.js';
import { balEq, defaultRslParams, validateRslParams } from './protocol/types.js';
import type { ServiceFactory } from './service.js';
import { checkedRslReplica } from './checked.js';
import type { RslImplMsg } from './wire.js';
import { rslBatchLengthMax, rslCodec, rslReplyCacheLengthMax, rslVotesLengthMax, rslWireProblems } from './wire.js';

/**
 * An IronRSL server process: one replica (src/rsl/impl) of a service on the TLS transport, driven
 * by the host event loop, accepting clients with any key. It prints `ready <name> <address>:<port>`
 * once it accepts traffic, then one line per change of view it sees and per view it starts to lead:
 * `view <seqno>.<leader name>` and `leading <seqno>.<own name>` (a ballot's proposer is named by
 * its service-file name). Events the replica emits (a failed disk sync, a refused state supply)
 * are printed as they are.
 */

/**
 * The parameters a server runs with (`ironfleet rsl serve` takes each as a flag), tuned by
 * `ironfleet bench rsl` from IronFleet's defaults (docs/rsl.md, "Speed"):
 * - `eagerSlotsMax` 8: a lone request is proposed at once (IronFleet's leader waits
 *   `batchDelayMs`, 10 ms, for every incomplete batch), and under load requests gather into
 *   larger batches while eight slots are in flight; the timer stays as the fallback. (At 64
 *   outstanding requests, 2 gave about 44,000 ops/s, 8 and 16 about 50,000.)
 * - `batchSizeMax` 100 (the wire's most) and `logLengthMax` 64 (the wire's most votes in a 1b):
 *   the leader's window of slots is what bounds throughput, so each slot carries more and there
 *   are more of them.
 * - `heartbeatPeriodMs` 10: acceptors truncate, and so the window slides, when heartbeats report
 *   what a quorum executed; at IronFleet's 100 ms the window was full most of the time.
 * - `clientsMax` `rslReplyCacheLengthMax` (4096): the cache has no eviction (docs/rsl.md §7) and
 *   every client session is a client of its own.
 */
export const rslServerParams: RslParams = {
  ...defaultRslParams,
  batchSizeMax: rslBatchLengthMax,
  eagerSlotsMax: 8,
  logLengthMax: rslVotesLengthMax,
  heartbeatPeriodMs: 10,
  clientsMax: rslReplyCacheLengthMax,
};

/** How to run an IronRSL server. */
export interface RslServerOptions {
  readonly servicePath: string;
  readonly privatePath: string;
  /** The service every replica runs; replicas of one deployment must run the same one. */
  readonly factory: ServiceFactory;
  /**
   * Where the durable replica state (promise, votes, truncation point, last 1a ballot, and the
   * executor's checkpoint and executed slots) lives, in write-ahead logs;
   * without it the state is in memory and lost on restart, and a restarted replica must not
   * rejoin (it could break promises it made).
   */
  readonly dataDir?: string;
  /**
   * Run every step under the refinement monitor against `rslProtocol(serviceVersionSpec(factory))`
   * (`checkedRslReplica`, src/rsl/checked.ts), a client session's packets standing for its session
   * client id's (`rslPacketAbstraction`).
   */
  readonly checked: boolean;
  /**
   * The protocol's parameters (default `rslServerParams`); every replica must use the same.
   */
  readonly params?: RslParams;
  /** Event lines. */
  readonly out: (line: string) => void;
  /** Diagnostics. */
  readonly log: Logger;
}

/** A running IronRSL server. */
export interface RslServer {
  /** Settles when the server stops, with why. */
  readonly done: Promise<StopReason>;
  /** Stops the replica and closes its connections. */
  stop(): Promise<void>;
}

/** Starts an IronRSL server; an error sentence if its files, its disk, its parameters or its port are not usable. */
export async function startRslServer(options: RslServerOptions): Promise<Result<RslServer, string>> {
  const loaded = loadServerIdentity(options.servicePath, options.privatePath);
  if (!loaded.ok) return err(describeFileError(loaded.error));
  const identity = loaded.value;
  const { service, server } = identity;
  const params = validateRslParams(options.params ?? rslServerParams);
  if (!params.ok) return err(`bad IronRSL parameters: ${params.error}`);
  const wireProblems = rslWireProblems(params.value);
  if (wireProblems.length > 0) return err(`bad IronRSL parameters: ${wireProblems.join('; ')}`);
  const replicaIds = service.servers.map((s) => s.id);
  const constants: RslConstants = { config: { replicaIds }, params: params.value };

  const opened = openDataDir(options.dataDir, () => options.log(`${server.name}: no --data-dir, so the replica's promises and votes are kept in memory and lost if this process stops`));
  if (!opened.ok) return err(opened.error);
  // Shared by the replica and the event loop: the turn's votes are synced once, before its sends (group commit).
  const disk = new GroupCommitStore(opened.value);
  const recovered = RslReplica.recover(constants, server.id, disk, options.factory);
  if (!recovered.ok) {
    opened.value.close();
    return err(`cannot recover the replica state: ${recovered.error.kind}: ${recovered.error.detail}`);
  }
  const replica = recovered.value;
  if (replica.recoveryNote !== null) options.log(`${server.name}: ${replica.recoveryNote}`);
  const host: ImplHost<unknown, RslImplMsg> = options.checked ? checkedRslReplica(replica, options.factory) : replica;

  // Replicas never change a message once sent or received (the roles keep batches and votes as
  // they came), so a replica's messages to itself skip the codec's copy.
  const transport = await startServerTransport({
    server: identity, acceptClients: true, codec: rslCodec, logger: options.log, immutableMessages: true,
  });
  if (!transport.ok) {
    opened.value.close();
    return err(transport.error);
  }
  const { host: address, port } = transport.value.listening;
  options.out(`ready ${server.name} ${address}:${port}`);

  const nameOf = (b: Ballot): string => `${b.seqno}.${service.servers[b.proposer]?.name ?? String(b.proposer)}`;
  let view: Ballot = replica.proposer.election.currentView;
  let leading: Ballot | null = null;
  const loop = new HostEventLoop({
    host,
    transport: transport.value,
    disk,
    logger: options.log,
    onEvent: options.out,
    // Reads the replica after each accepted step, to report views; it changes nothing.
    onStep: () => {
      const current = replica.proposer.election.currentView;
      if (!balEq(current, view)) {
        view = current;
        options.out(`view ${nameOf(view)}`);
      }
      if (replica.proposer.currentState === 2 && (leading === null || !balEq(leading, replica.proposer.maxBallotISent1a))) {
        leading = replica.proposer.maxBallotISent1a;
        options.out(`leading ${nameOf(leading)}`);
      }
    },
  });
  // The loop takes no step once `done` settles, so the store's open files can close then.
  const done = loop.done.finally(() => opened.value.close());
  return ok({ done, stop: () => loop.stop() });
}
