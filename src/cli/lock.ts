import type { CommandIo, CommandSpec } from './args.js';
import { runCommand, UsageError } from './args.js';
import { serveUntilStopped } from './serve.js';
import { defaultLockTiming } from '../lock/impl/host.js';
import { startLockServer } from '../lock/server.js';

const serveSpec: CommandSpec = {
  name: 'ironfleet lock serve',
  summary: 'Serves one host of an IronLock ring over TLS. Prints "ready NAME ADDRESS:PORT" once it accepts ' +
    'traffic, then "accept EPOCH" and "grant EPOCH to NAME" as the lock passes. Stops on SIGINT or SIGTERM.',
  positionals: [
    { name: 'SERVICE', help: 'the service file written by ironfleet certs' },
    { name: 'PRIVATE', help: "this server's private key file" },
  ],
  flags: {
    'data-dir': { type: 'string', value: 'DIR', help: 'keep the lock state here, synced, to survive restarts (default: memory only)' },
    checked: { type: 'boolean', help: 'check every step against the protocol with the refinement monitor' },
    'hold-ms': { type: 'number', value: 'MS', help: `how long to hold the lock before granting it (default ${defaultLockTiming.holdMs})`, min: 0, max: 3_600_000 },
    'retransmit-ms': {
      type: 'number', value: 'MS', min: 1, max: 3_600_000,
      help: `how long to wait for an acknowledgement before resending a grant (default ${defaultLockTiming.retransmitIntervalMs})`,
    },
  },
};

const usageText = 'usage: ironfleet lock serve SERVICE PRIVATE [options]\n\nSubcommands:\n  serve    serve one host of an IronLock ring';

/** `ironfleet lock SUBCOMMAND`. */
export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    io.out(usageText);
    return 0;
  }
  if (sub !== 'serve') {
    io.err(sub === undefined ? 'ironfleet lock: missing subcommand' : `ironfleet lock: unknown subcommand '${sub}'`);
    io.err(usageText);
    return 2;
  }
  return runCommand(serveSpec, rest, io, async (args) => {
    const [servicePath, privatePath] = args.positionals;
    if (servicePath === undefined || privatePath === undefined) throw new UsageError('missing SERVICE or PRIVATE');
    const dataDir = args.strings.get('data-dir');
    const server = await startLockServer({
      servicePath,
      privatePath,
      ...(dataDir !== undefined ? { dataDir } : {}),
      checked: args.booleans.has('checked'),
      timing: {
        holdMs: args.numbers.get('hold-ms') ?? defaultLockTiming.holdMs,
        retransmitIntervalMs: args.numbers.get('retransmit-ms') ?? defaultLockTiming.retransmitIntervalMs,
      },
      out: io.out,
      log: io.err,
    });
    if (!server.ok) {
      io.err(`ironfleet lock serve: ${server.error}`);
      return 1;
    }
    return serveUntilStopped('ironfleet lock serve', server.value, io);
  });
}
