/**
 * The package's main entry point, `ironfleet`: the layer contracts every system is written
 * against (src/framework) and the `Result` type with which expected failures are returned. The
 * toolkit and the systems have entry points of their own: `ironfleet/check`, `ironfleet/sim`,
 * `ironfleet/lin`, `ironfleet/marshal`, `ironfleet/net` and `ironfleet/lock`.
 */
export * from './framework/index.js';
export type { Result } from './core/result.js';
export { err, ok } from './core/result.js';
