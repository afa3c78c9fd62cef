/** The model checker: models, the search, liveness, traces and the distributed-system adapter. */
export * from './model.js';
export * from './check.js';
export * from './distributed.js';
export * from './fingerprint.js';
export * from './fpset.js';
export * from './stable.js';
export * from './symmetry.js';
export * from './report.js';
export * from './monitor.js';
export type { Progress, SafetyViolation } from './explore.js';
export type { TraceView, TraceStepView } from './trace.js';
export { changedFields, showValue, toJsonValue } from './show.js';
