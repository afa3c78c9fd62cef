import type { CommandIo } from './args.js';

/** `ironfleet check`: not yet built. */
export function run(_argv: readonly string[], io: CommandIo): Promise<number> {
  io.err('ironfleet check: not yet built');
  return Promise.resolve(1);
}
