/**
 * The linearizability checker: histories of client operations (recorded in memory or read from
 * JSON-lines files), sequential models, and the search that decides whether a history is
 * linearizable. See docs/lin.md.
 */
export type { CallEvent, ClientId, HistoryEvent, MalformedHistory, MalformedReason, OpId, Operation, ReturnEvent } from './types.js';
export { isPending } from './types.js';
export type { FileModel, HistoryCodec, Illegal, Model } from './model.js';
export { illegal, partitionBy } from './model.js';
export type { CheckOptions, CheckResult, CheckStats } from './check.js';
export type { SearchLimitReason } from './search.js';
export { cacheBytesMaxDefault, checkHistory, checkHistoryText, checkHistoryTexts, checkOperations } from './check.js';
export type { OperationSummary, StuckOperation, Violation } from './explain.js';
export { formatViolation } from './explain.js';
export { buildOperations, maxConcurrency } from './operations.js';
export { searchStepsBound } from './search.js';
export { decodeOperations } from './decode.js';
export type { HistoryFile } from './merge.js';
export { decodeHistories } from './merge.js';
export { formatEvent, formatHistory, historyCharsMax, parseHistory } from './format.js';
export { HistoryRecorder } from './recorder.js';
export type { JsonScalar } from './json.js';
export { jsonEqual, jsonHash } from './json.js';
export * from './models/index.js';
export type { GeneratedHistory, GenerateOptions, Workload } from './generate.js';
export { counterWorkload, generateHistory, kvWorkload, lockWorkload, registerWorkload } from './generate.js';
