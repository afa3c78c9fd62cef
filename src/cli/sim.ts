import type { CommandIo } from './args.js';

/** `ironfleet sim`: not yet built. */
export function run(_argv: readonly string[], io: CommandIo): Promise<number> {
  io.err('ironfleet sim: not yet built');
  return Promise.resolve(1);
}
