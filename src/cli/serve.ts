import type { CommandIo } from './args.js';
import type { StopReason } from '../net/event-loop.js';

/** A server process a command runs: settles when it stops, with why. */
export interface RunningServer {
  readonly done: Promise<StopReason>;
  stop(): Promise<void>;
}

/**
 * Runs `server` until it stops, stopping it on SIGINT or SIGTERM; returns the command's exit code:
 * 0 when it was stopped, 1 (with the reason on stderr, prefixed by `command`) when a bug or a failed disk stopped it.
 */
export async function serveUntilStopped(command: string, server: RunningServer, io: CommandIo): Promise<number> {
  const stop = (): void => {
    void server.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const reason = await server.done;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (reason.kind === 'stopped') return 0;
  io.err(`${command}: stopped ${reason.kind === 'diskFailed' ? 'because its disk failed' : 'by a bug'}: ${reason.kind}: ${reason.detail}`);
  return 1;
}
