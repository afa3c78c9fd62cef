/**
 * IronRSL's public API, exported as `ironfleet/rsl`: the spec, the service interface a user
 * implements to replicate a service, the replica protocol with its abstraction and invariants, the
 * implementation replica, the wire codec, the model-checking configuration, the simulator binding,
 * the server process and the client, and the pieces of `--checked` (app versions, the monitored
 * replica). The deliberately broken variants in `./testing.js` are not
 * part of it. See docs/rsl.md.
 */
export * from './spec.js';
export * from './service.js';
export * from './app-version.js';
export * from './protocol/types.js';
export * from './protocol/messages.js';
export * from './protocol/replica.js';
export * from './protocol/refinement.js';
export * from './impl/replica.js';
export * from './checked.js';
export * from './wire.js';
export * from './model.js';
export * from './sim.js';
export * from './server.js';
export * from './client.js';
