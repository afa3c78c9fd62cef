/**
 * The deterministic simulator: run a system's real host code on a simulated network, clocks and
 * disks from one seed. See docs/sim.md.
 */
export { simulate, resolvePlan, simDefaults, outsiderId } from './simulator.js';
export type { SimRunOptions } from './simulator.js';
export type {
  SimSystem, SafetyCheck, SafetyView, LivenessCondition, LivenessView, SimClient, SimWorkload, TimedEvent,
  SimRefinement, SimOutsiders, OutsiderSend, OutsiderView,
} from './system.js';
export type { HistoryEvent, HistoryRecorder, LinVerdict } from './history.js';
export { everyHostEmitsWithin, everyRequestCompletesWithin } from './liveness.js';
export { noFaults, pickFaultPlan, withOverrides, describePlan } from './faults.js';
export type { FaultPlan, FaultOverrides, DelayModel } from './faults.js';
export type { SimReport, SimFailure, SimFailureKind, FaultEvent, FaultCounts } from './report.js';
export { describeRun, failureLine } from './report.js';
export { runCampaign, seedRange } from './campaign.js';
export type { CampaignSummary } from './campaign.js';
export { anySystem } from './entry.js';
export type { AnySimSystem, SimSystemEntry } from './entry.js';
