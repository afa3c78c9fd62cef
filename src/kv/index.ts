/**
 * IronKV's public API so far, exported as `ironfleet/kv`: the spec, the host protocol (delegation
 * map, reliable delivery, messages, host actions) with its abstraction and invariants, the
 * implementation host, the wire codec and the model-checking configuration. The deliberately
 * broken variants in `./testing.js` are not part of it. The client, the server and the RESP door
 * are still to come.
 * See docs/kv.md.
 */
export * from './spec.js';
export * from './protocol/delegation.js';
export * from './protocol/single-delivery.js';
export * from './protocol/messages.js';
export * from './protocol/host.js';
export * from './protocol/refinement.js';
export * from './impl/host.js';
export * from './wire.js';
export * from './model.js';
