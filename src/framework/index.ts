/** The layer contracts every ironfleet system is written against. */
export * from './types.js';
export * from './spec.js';
export * from './protocol.js';
export * from './distributed.js';
export * from './journal.js';
export * from './host.js';
export * from './refinement.js';
export * from './codec.js';
export * from './memory-store.js';
export * from './durable-record.js';
