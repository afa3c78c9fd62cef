import type { CommandIo } from './args.js';

/** `ironfleet lock`: not yet built. */
export function run(_argv: readonly string[], io: CommandIo): Promise<number> {
  io.err('ironfleet lock: not yet built');
  return Promise.resolve(1);
}
