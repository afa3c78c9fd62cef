/**
 * IronLock's public API, exported as `ironfleet/lock`: the spec, the host protocol with its
 * abstraction and invariants, the implementation host and its durable state, the wire codec, the
 * model-checking configuration, the simulator binding and the server process. The deliberately
 * broken variants in `./testing.js` are not part of it. See docs/lock.md.
 */
export * from './spec.js';
export * from './protocol/messages.js';
export * from './protocol/host.js';
export * from './protocol/refinement.js';
export * from './impl/host.js';
export * from './impl/durable.js';
export * from './wire.js';
export * from './model.js';
export * from './sim.js';
export * from './server.js';
