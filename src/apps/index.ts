/**
 * Services replicated with IronRSL: IronFleet's counter and a key-value store. Each comes as a
 * `ServiceFactory` (what a replica runs), a fast `AppSpec` that agrees with it (what the model
 * checker and the simulator run), client helpers to build requests and read replies, and the
 * mapping of its operations to a linearizability model.
 */
export * from './counter.js';
export * from './kv.js';
