import type { CommandIo } from './args.js';

/** `ironfleet verify`: not yet built. */
export function run(_argv: readonly string[], io: CommandIo): Promise<number> {
  io.err('ironfleet verify: not yet built');
  return Promise.resolve(1);
}
