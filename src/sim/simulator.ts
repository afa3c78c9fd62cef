import { sameBytes } from '../core/bytes.js';
import type { DiskError, DurableStore, HostEnvironment, ImplHost } from '../framework/host.js';
import type { Result } from '../core/result.js';
import { JournalingEnvironment } from '../framework/host.js';
import { checkReductionOrder } from '../framework/journal.js';
import type { MessageCodec } from '../framework/codec.js';
import type { HostId, Packet } from '../framework/types.js';
import { Prng } from '../core/prng.js';
import { BoundedQueue } from '../core/bounded.js';
import { assert } from '../core/assert.js';
import type { FaultOverrides, FaultPlan } from './faults.js';
import { noFaults, pickFaultPlan, withOverrides } from './faults.js';
import { SimClock } from './clock.js';
import { SimDisk, describeCrashOutcome, describeDiskOp } from './disk.js';
import type { DiskOp } from './disk.js';
import { SimNetwork } from './network.js';
import { EventQueue } from './queue.js';
import { planFaults } from './schedule.js';
import type { PlannedCrash, PlannedPartition } from './schedule.js';
import { TraceLog, renderRecord, showValue } from './trace.js';
import type { TraceNames } from './trace.js';
import { History } from './history.js';
import type { HistoryEvent, LinVerdict } from './history.js';
import type { FaultCounts, FaultEvent, SimFailure, SimFailureKind, SimReport } from './report.js';
import { describePartition, scheduleKeptMax, zeroFaultCounts } from './report.js';
import type { LivenessView, OutsiderView, SafetyCheck, SafetyView, SimClient, SimSystem, TimedEvent } from './system.js';
import { SpecCheck } from './spec-check.js';
import { Outsider } from './outsiders.js';

/**
 * The deterministic simulator: runs a system's real host code on a simulated network, clocks and
 * disks, all driven by one seed. It is a discrete-event loop over a priority queue in simulated
 * time. A host steps whenever packets wait in its inbox and when its `wakeAfterMs` timer is due,
 * as the real event loop does; each step is journaled and its IO order checked. Faults happen in
 * a fault window; then partitions heal, crashed hosts restart, and a quiet period follows in which
 * the system's liveness condition must come true. Nothing here reads real time or real randomness.
 */

/** How to run one seed. Everything not set has a default; the seed decides the rest. */
export interface SimRunOptions {
  readonly seed: number;
  /** Fault rates the user set; the rest are picked by the seed (or none, with `noFaults`). */
  readonly faults?: FaultOverrides;
  /** Start from a plan without faults instead of one picked by the seed. */
  readonly noFaults?: boolean;
  /** The fault window, in simulated ms (default: the system's, else 2000). */
  readonly durationMs?: number;
  /** The quiet period after it, in simulated ms (default: the system's, else 2000). */
  readonly quietMs?: number;
  /** Whether packets round-trip through the system's codec (default: yes when it has one). */
  readonly codec?: boolean;
  /** How many of the last events a report shows (default 60). */
  readonly traceEventsKept?: number;
  /** Render the trace even when the run passes. */
  readonly keepTrace?: boolean;
  /** The most host and client steps a run may take (default 20 million). */
  readonly stepsMax?: number;
  /** Simulated time a step takes, in microseconds (default 10): a host steps at most this often. */
  readonly stepCostUs?: number;
  /** The most packets waiting in one inbox; more are dropped (default 10,000). */
  readonly inboxLengthMax?: number;
  /** Whether the binding's spec check (`SimSystem.refinement`) runs (default: yes when it has one). */
  readonly specCheck?: boolean;
  /**
   * Outsiders: endpoints outside the service sending it protocol messages (default: the binding's
   * `outsiders.defaultCount`, 0 without a generator; at most `simDefaults.outsidersMax`).
   */
  readonly outsiders?: number;
}

/** How many handled events are kept for reuse. */
const spareEventsMax = 4_096;

/** The most hosts and clients in one run (trace records number endpoints in 12 bits). */
export const endpointsMax = 4_000;

/** Defaults of `SimRunOptions`. */
export const simDefaults = {
  durationMs: 2_000,
  quietMs: 2_000,
  traceEventsKept: 60,
  stepsMax: 20_000_000,
  stepCostUs: 10,
  inboxLengthMax: 10_000,
  /** A host that refused to start (its disk failed) is tried again after this many microseconds. */
  startRetryUs: 5_000,
  /** Hosts and clients start at a random time in the first this-many microseconds. */
  startJitterUs: 1_000,
  /** Events kept per host after faults stop, for liveness conditions. */
  quietEventsKeptMax: 10_000,
  /** Pending events in the queue; more means a host schedules without limit (a bug). */
  queueLengthMax: 50_000_000,
  /** Distinct sent packets the spec check keeps for the abstraction (see `SimRefinement.networkKey`). */
  specPacketsKeptMax: 100_000,
  /** The most outsiders in one run. */
  outsidersMax: 16,
  /** Packets sent by service hosts that outsiders remember for replays. */
  outsiderRecentMax: 32,
} as const;

/** The id of outsider `k` (from 1). */
export function outsiderId(k: number): HostId {
  return `outsider${k}`;
}

/** The fault plan a run with `options` uses (the seed picks what the options leave open). */
export function resolvePlan(options: SimRunOptions): FaultPlan {
  const root = new Prng(options.seed);
  const planPrng = root.fork();
  const overrides = options.faults ?? {};
  return options.noFaults === true ? withOverrides(noFaults, overrides) : pickFaultPlan(planPrng, overrides);
}

/** Runs `system` for one seed and reports what happened. */
export function simulate<P, M, C, O, R, S>(system: SimSystem<P, M, C, O, R, S>, options: SimRunOptions): SimReport {
  return new Run(system, options).execute();
}

type EventKind = 'deliver' | 'step' | 'wake' | 'crash' | 'restart' | 'partition' | 'heal' | 'quiet' | 'end';

/** A packet on the wire. Immutable once sent; a duplicate is the same object delivered twice. */
interface InFlight<M> {
  readonly id: number;
  readonly src: number;
  readonly dst: number;
  readonly msg: M;
  /** The encoding, when packets round-trip through the codec. */
  readonly bytes: Uint8Array | null;
}

/** A queued event. Mutable because handled events are reused (most of a run's garbage otherwise). */
interface SimEvent<M> {
  atUs: number;
  seq: number;
  kind: EventKind;
  /** Endpoint index, or -1. */
  ep: number;
  /** The incarnation (for steps) or wake generation (for wakes) the event belongs to. */
  gen: number;
  pkt: InFlight<M> | null;
  /** Index into the planned crashes or partitions. */
  ref: number;
}

interface Waiting<M> {
  readonly packet: Packet<M>;
  readonly id: number;
}

/** A host or client and everything the simulator keeps about it. */
interface Endpoint<P, M> {
  readonly index: number;
  readonly id: HostId;
  /** A client or an outsider: not a host of the service (never crashes, not journaled). */
  readonly isClient: boolean;
  readonly isOutsider: boolean;
  up: boolean;
  /** Increases at every crash, so events for an earlier incarnation are ignored. */
  incarnation: number;
  readonly inbox: BoundedQueue<Waiting<M>>;
  /** Whether a 'step' event for the current incarnation is queued. */
  stepQueued: boolean;
  /** The host may not step again before this time. */
  busyUntilUs: number;
  /** Only the wake event with this generation counts; others were replaced. */
  wakeGen: number;
  wakeAtUs: number;
  readonly clock: SimClock;
  readonly disk: SimDisk;
  readonly env: HostEnvironment<M>;
  journaling: JournalingEnvironment<M>;
  host: ImplHost<P, M> | null;
  client: SimClient<M> | null;
  steps: number;
  /** The abstract state, valid while `abstractAtStep` equals `steps` in this incarnation. */
  abstractCache: P | undefined;
  abstractAtStep: number;
  readonly quietEvents: TimedEvent[];
}

/** The safety view, updated in place before each check. */
interface MutableSafetyView<P> extends SafetyView<P> {
  nowMs: number;
  stepped: HostId;
}

class Run<P, M, C, O, R, S> {
  private readonly plan: FaultPlan;
  private readonly durationUs: number;
  private readonly quietUs: number;
  private readonly stepCostUs: number;
  private readonly stepsMax: number;
  private readonly codec: MessageCodec<M> | null;
  private readonly endpoints: Endpoint<P, M>[] = [];
  private readonly indexOf = new Map<HostId, number>();
  private readonly queue = new EventQueue<SimEvent<M>>(simDefaults.queueLengthMax);
  private readonly spare: SimEvent<M>[] = [];
  private readonly trace: TraceLog;
  private readonly network: SimNetwork;
  private readonly crashes: readonly PlannedCrash[];
  private readonly partitions: readonly PlannedPartition[];
  private readonly activePartitions = new Set<number>();
  private readonly history = new History<O, R>();
  private readonly safety: SafetyCheck<P> | null;
  private readonly spec: SpecCheck<P, M, S> | null;
  /** The last packets service hosts sent, for outsiders' replays (a ring of `outsiderRecentMax`). */
  private readonly recent: Packet<M>[] = [];
  private recentNext = 0;
  private readonly hostCount: number;
  private readonly outsiderCount: number;
  private outsiderSteps = 0;
  private outsiderPackets = 0;
  private readonly schedule: FaultEvent[] = [];
  private scheduleTruncated = false;
  /** The faults besides packet faults, which the network counts (see `report`). */
  private readonly counts: FaultCounts = zeroFaultCounts();
  private nowUs = 0;
  private quietFromUs = -1;
  private nextPacketId = 1;
  private hostSteps = 0;
  private clientSteps = 0;
  private failure: SimFailure | null = null;
  private linVerdict: LinVerdict | null = null;
  /** The endpoint stepping now, and what its step received and emitted. */
  private stepping: Endpoint<P, M> | null = null;
  private receivedId = -1;
  private readonly emitted: string[] = [];
  private readonly safetyView: MutableSafetyView<P>;
  private readonly clientPrng: Prng;
  private readonly startPrng: Prng;
  private readonly outsiderPrng: Prng;

  constructor(private readonly system: SimSystem<P, M, C, O, R, S>, private readonly options: SimRunOptions) {
    const root = new Prng(options.seed);
    // The streams are forked in a fixed order, so each part's randomness depends only on the seed.
    root.fork(); // the plan's stream (see resolvePlan)
    const schedulePrng = root.fork();
    const networkPrng = root.fork();
    const clockPrng = root.fork();
    const diskPrng = root.fork();
    const startPrng = root.fork();
    const clientPrng = root.fork();
    const outsiderPrng = root.fork();

    this.plan = resolvePlan(options);
    this.durationUs = msToUs(options.durationMs ?? system.defaultDurationMs ?? simDefaults.durationMs);
    this.quietUs = msToUs(options.quietMs ?? system.defaultQuietMs ?? simDefaults.quietMs);
    this.stepCostUs = Math.max(1, Math.round(options.stepCostUs ?? simDefaults.stepCostUs));
    this.stepsMax = options.stepsMax ?? simDefaults.stepsMax;
    this.codec = options.codec === false ? null : system.codec ?? null;
    this.trace = new TraceLog(options.traceEventsKept ?? simDefaults.traceEventsKept);
    this.safety = system.createSafetyCheck?.() ?? null;
    this.spec = system.refinement !== undefined && options.specCheck !== false
      ? new SpecCheck(system.refinement, simDefaults.specPacketsKeptMax, (m) => this.showMsg(m)) : null;

    const hostIds = system.hostIds;
    this.hostCount = hostIds.length;
    const clientIds = system.workload?.clientIds ?? [];
    const outsiderCount = system.outsiders === undefined ? 0 : options.outsiders ?? system.outsiders.defaultCount;
    assert(Number.isInteger(outsiderCount) && outsiderCount >= 0 && outsiderCount <= simDefaults.outsidersMax,
      () => `outsiders must be a whole number in 0..${simDefaults.outsidersMax}, got ${outsiderCount}`);
    this.outsiderCount = outsiderCount;
    const outsiderIds = Array.from({ length: outsiderCount }, (_, k) => outsiderId(k + 1));
    const all = [...hostIds, ...clientIds, ...outsiderIds];
    assert(new Set(all).size === all.length, 'host, client and outsider ids must be distinct');
    assert(hostIds.length > 0, 'a system needs at least one host');
    assert(all.length <= endpointsMax, () => `at most ${endpointsMax} hosts and clients, got ${all.length}`);
    const inboxMax = options.inboxLengthMax ?? simDefaults.inboxLengthMax;
    all.forEach((id, index) => {
      const isClient = index >= hostIds.length;
      const isOutsider = index >= hostIds.length + clientIds.length;
      const skew = this.plan.clocks.skewMsMax * (2 * clockPrng.nextFloat() - 1);
      const drift = this.plan.clocks.driftPpmMax * (2 * clockPrng.nextFloat() - 1);
      // Client disks never fail: clients are the observers, not the system under test.
      const disk = new SimDisk(isClient ? noFaults.disk : this.plan.disk, diskPrng.fork());
      const env = this.environment(index, id, disk);
      const endpoint: Endpoint<P, M> = {
        index, id, isClient, isOutsider, up: true, incarnation: 0, inbox: new BoundedQueue(inboxMax), stepQueued: false,
        busyUntilUs: 0, wakeGen: 0, wakeAtUs: -1, clock: new SimClock(skew, drift), disk,
        env, journaling: new JournalingEnvironment(env),
        host: null, client: null, steps: 0, abstractCache: undefined, abstractAtStep: -1, quietEvents: [],
      };
      if (!isClient) disk.onError = (op, name) => this.diskError(endpoint, op, name);
      this.endpoints.push(endpoint);
      this.indexOf.set(id, index);
      if (skew !== 0 || drift !== 0) {
        this.note({ kind: 'clock', atMs: 0, host: id, offsetMs: skew, driftPpm: drift });
      }
    });
    this.network = new SimNetwork(all.length, this.plan.network, networkPrng);
    const planned = planFaults(this.plan, schedulePrng, hostIds.length, all.length, this.durationUs);
    this.crashes = planned.crashes;
    this.partitions = planned.partitions;
    this.clientPrng = clientPrng;
    this.startPrng = startPrng;
    this.outsiderPrng = outsiderPrng;

    this.safetyView = {
      nowMs: 0,
      hostIds,
      stepped: '',
      emitted: this.emitted,
      state: (id) => this.abstractOf(id),
    };
  }

  execute(): SimReport {
    this.start();
    const endUs = this.durationUs + this.quietUs;
    while (this.failure === null) {
      const ev = this.queue.pop();
      if (ev === undefined) break;
      assert(ev.atUs >= this.nowUs, 'simulated time went backwards');
      this.nowUs = ev.atUs;
      if (ev.kind === 'end') break;
      this.handle(ev);
      this.recycle(ev);
      if (this.hostSteps + this.clientSteps + this.outsiderSteps > this.stepsMax) {
        this.fail('stepLimit', `more than ${this.stepsMax} steps`, null);
      }
    }
    if (this.failure === null) this.nowUs = endUs;
    if (this.failure === null) this.checkLiveness();
    if (this.failure === null) this.checkHistory();
    return this.report();
  }

  /** Builds the hosts and clients, and queues their first steps and the planned faults. */
  private start(): void {
    for (const e of this.endpoints) {
      if (e.isOutsider) {
        const source = this.system.outsiders;
        assert(source !== undefined, 'outsiders without a generator');
        e.client = new Outsider(source, this.outsiderPrng.fork(), () => this.outsiderView(), () => this.quietFromUs < 0,
          () => this.outsiderPackets++);
        this.queueStep(e, this.startPrng.nextInt(simDefaults.startJitterUs));
        continue;
      }
      if (e.isClient) {
        const recorder = this.history.recorder(e.id, () => this.nowUs / 1000, (h) => this.recordHistory(e, h));
        const workload = this.system.workload;
        assert(workload !== undefined, 'clients without a workload');
        e.client = workload.createClient(e.id, recorder, this.clientPrng.fork());
        this.queueStep(e, this.startPrng.nextInt(simDefaults.startJitterUs));
        continue;
      }
      const startUs = this.startPrng.nextInt(simDefaults.startJitterUs);
      const built = this.buildHost(e);
      if (built === 'failed') return;
      if (built === 'refused') {
        e.up = false;
        this.push(startUs + simDefaults.startRetryUs, 'restart', e.index, 0, -1);
        continue;
      }
      this.queueStep(e, startUs);
    }
    if (this.spec !== null && !this.startSpec()) return;
    this.crashes.forEach((c, i) => {
      this.push(c.crashUs, 'crash', c.host, 0, i);
      this.push(c.restartUs, 'restart', c.host, 0, i);
    });
    this.partitions.forEach((p, i) => {
      this.push(p.startUs, 'partition', -1, 0, i);
      this.push(p.endUs, 'heal', -1, 0, i);
    });
    this.push(this.durationUs, 'quiet', -1, 0, -1);
    this.push(this.durationUs + this.quietUs, 'end', -1, 0, -1);
    this.setFaultsOn(this.durationUs > 0);
  }

  private handle(ev: SimEvent<M>): void {
    switch (ev.kind) {
      case 'deliver':
        if (ev.pkt !== null) this.deliver(ev.pkt);
        return;
      case 'step': {
        const e = this.endpoints[ev.ep];
        if (e === undefined || ev.gen !== e.incarnation) return;
        e.stepQueued = false;
        if (e.up) this.step(e);
        return;
      }
      case 'wake': {
        const e = this.endpoints[ev.ep];
        if (e === undefined || ev.gen !== e.wakeGen || !e.up) return;
        e.wakeAtUs = -1;
        this.step(e);
        return;
      }
      case 'crash': {
        const e = this.endpoints[ev.ep];
        if (e !== undefined && e.up) this.crash(e);
        return;
      }
      case 'restart': {
        const e = this.endpoints[ev.ep];
        if (e !== undefined && !e.up) this.restart(e);
        return;
      }
      case 'partition': {
        const p = this.partitions[ev.ref];
        if (p !== undefined) this.startPartition(p);
        return;
      }
      case 'heal': {
        const p = this.partitions[ev.ref];
        if (p !== undefined) this.healPartition(p);
        return;
      }
      case 'quiet':
        this.stopFaults();
        return;
      case 'end':
        return;
      default: {
        const never: never = ev.kind;
        assert(false, `unknown event kind ${String(never)}`);
      }
    }
  }

  // ---- Steps ----------------------------------------------------------------------------------

  private step(e: Endpoint<P, M>): void {
    this.stepping = e;
    this.receivedId = -1;
    this.emitted.length = 0;
    const slot = this.trace.record('step', this.nowUs, e.index, -1, -1, null);
    let action: string | null = null;
    try {
      if (e.client !== null) {
        e.client.step(e.env);
        if (e.isOutsider) this.outsiderSteps++;
        else this.clientSteps++;
      } else if (e.host !== null) {
        action = e.host.step(e.journaling).action;
        this.hostSteps++;
      }
    } catch (x) {
      this.fail('exception', describeError(x), e.id);
      return;
    } finally {
      this.stepping = null;
    }
    e.steps++;
    this.trace.complete(slot, this.receivedId, action);
    // A send may have failed the run (the spec check's packet limit).
    if (this.failure !== null) return;
    e.busyUntilUs = this.nowUs + this.stepCostUs;
    if (e.host !== null) {
      const order = checkReductionOrder(e.journaling.take());
      if (!order.ok) {
        this.fail('reduction', `${action ?? 'stutter'} step: ${order.error}`, e.id);
        return;
      }
      if (this.spec !== null && !this.checkSpec(e, action)) return;
      if (this.safety !== null && !this.checkSafety(e)) return;
    }
    if (e.inbox.length > 0) this.queueStep(e, e.busyUntilUs);
    this.scheduleWake(e);
  }

  /** Builds the first spec state, from every host that started; false when the run failed. */
  private startSpec(): boolean {
    const spec = this.spec;
    if (spec === null) return true;
    let allStarted = true;
    for (let i = 0; i < this.hostCount; i++) {
      const e = this.endpoints[i];
      if (e === undefined) continue;
      const state = this.specStateOf(e);
      if (state === null) return false;
      if (state === undefined) allStarted = false;
      else spec.setHost(e.id, state);
    }
    try {
      const violation = spec.start(allStarted);
      if (violation !== null) this.fail('spec', violation, null);
    } catch (x) {
      this.fail('exception', `spec check: ${describeError(x)}`, null);
    }
    return this.failure === null;
  }

  /**
   * Checks the spec after host `e` took a step with `action`, or `restarted`: its new abstract state
   * joins the distributed state, the rest keep theirs (a crashed host its last one). False when the
   * run failed.
   */
  private checkSpec(e: Endpoint<P, M>, action: string | null, restarted = false): boolean {
    const spec = this.spec;
    if (spec === null) return true;
    const state = this.specStateOf(e);
    if (state === null) return false;
    if (state !== undefined) spec.setHost(e.id, state);
    let violation: string | null;
    try {
      violation = spec.afterStep(e.id, action, restarted);
    } catch (x) {
      this.fail('exception', `spec check: ${describeError(x)}`, e.id);
      return false;
    }
    if (violation !== null) {
      this.fail('spec', violation, e.id);
      return false;
    }
    return true;
  }

  /** The abstract state of live host `e`; undefined when it is down; null when abstract() threw (the run failed). */
  private specStateOf(e: Endpoint<P, M>): P | undefined | null {
    try {
      return this.abstractOf(e.id);
    } catch (x) {
      this.fail('exception', `abstract: ${describeError(x)}`, e.id);
      return null;
    }
  }

  private checkSafety(e: Endpoint<P, M>): boolean {
    const view = this.safetyView;
    view.nowMs = this.nowUs / 1000;
    view.stepped = e.id;
    let violation: string | null;
    try {
      violation = this.safety?.afterStep(view) ?? null;
    } catch (x) {
      this.fail('exception', `safety check: ${describeError(x)}`, e.id);
      return false;
    }
    if (violation !== null) {
      this.fail('safety', violation, e.id);
      return false;
    }
    return true;
  }

  private scheduleWake(e: Endpoint<P, M>): void {
    let afterMs: number | null;
    try {
      afterMs = e.host !== null ? e.host.wakeAfterMs(e.clock.read(this.nowUs))
        : e.client !== null ? e.client.wakeAfterMs(e.clock.read(this.nowUs)) : null;
    } catch (x) {
      this.fail('exception', `wakeAfterMs: ${describeError(x)}`, e.id);
      return;
    }
    if (afterMs === null) {
      e.wakeGen++;
      e.wakeAtUs = -1;
      return;
    }
    if (Number.isNaN(afterMs)) {
      this.fail('exception', 'wakeAfterMs returned NaN', e.id);
      return;
    }
    const atUs = this.nowUs + Math.max(this.stepCostUs, e.clock.simUsFor(Math.max(0, afterMs)));
    if (!Number.isFinite(atUs)) {
      e.wakeGen++;
      e.wakeAtUs = -1;
      return;
    }
    // The same deadline again (the common case for an absolute timer) needs no new event.
    if (atUs === e.wakeAtUs) return;
    e.wakeGen++;
    e.wakeAtUs = atUs;
    this.push(atUs, 'wake', e.index, e.wakeGen, -1);
  }

  private queueStep(e: Endpoint<P, M>, atUs: number): void {
    if (e.stepQueued) return;
    e.stepQueued = true;
    this.push(Math.max(atUs, e.busyUntilUs), 'step', e.index, e.incarnation, -1);
  }

  private abstractOf(id: HostId): P | undefined {
    const i = this.indexOf.get(id);
    const e = i === undefined ? undefined : this.endpoints[i];
    if (e === undefined || !e.up || e.host === null) return undefined;
    if (e.abstractAtStep !== e.steps) {
      e.abstractCache = e.host.abstract();
      e.abstractAtStep = e.steps;
    }
    return e.abstractCache;
  }

  // ---- The environment hosts and clients see --------------------------------------------------

  private environment(index: number, me: HostId, disk: DurableStore): HostEnvironment<M> {
    return {
      me,
      disk,
      receive: () => this.receive(index),
      now: () => this.now(index),
      send: (dst, msg) => this.send(index, dst, msg),
      emit: (event) => this.emit(index, event),
    };
  }

  private receive(index: number): Packet<M> | null {
    const e = this.endpoints[index];
    this.checkStepping(e);
    const w = e?.inbox.shift();
    if (w === undefined) return null;
    this.receivedId = w.id;
    return w.packet;
  }

  private now(index: number): number {
    const e = this.endpoints[index];
    this.checkStepping(e);
    const ms = e === undefined ? 0 : e.clock.read(this.nowUs);
    this.trace.mixNumber(ms);
    return ms;
  }

  private emit(index: number, event: string): void {
    const e = this.endpoints[index];
    this.checkStepping(e);
    this.trace.record('emit', this.nowUs, index, -1, -1, event);
    this.emitted.push(event);
    if (e !== undefined && this.quietFromUs >= 0 && e.quietEvents.length < simDefaults.quietEventsKeptMax) {
      e.quietEvents.push({ atMs: this.nowUs / 1000, event });
    }
  }

  private send(src: number, dstId: HostId, msg: M): void {
    const from = this.endpoints[src];
    this.checkStepping(from);
    const dst = this.indexOf.get(dstId);
    const id = this.nextPacketId++;
    this.trace.record('send', this.nowUs, src, dst ?? -1, id, null, msg);
    if (from !== undefined && src < this.hostCount) this.hostSent(from.id, dstId, msg);
    if (dst === undefined) {
      this.network.counts.unknownDst++;
      this.trace.record('drop', this.nowUs, src, -1, id, `unknown destination ${dstId}`);
      return;
    }
    let bytes: Uint8Array | null = null;
    if (this.codec !== null) {
      // The codec may return a view of a reused buffer: the wire keeps its own copy.
      bytes = this.codec.encode(msg).slice();
      this.trace.mixBytes(bytes);
    }
    const pkt: InFlight<M> = { id, src, dst, msg, bytes };
    const fate = this.network.transmit(this.nowUs);
    if (fate.copies === 0) {
      this.trace.record('drop', this.nowUs, src, dst, id, 'loss');
      return;
    }
    if (fate.heldBackUs > 0) {
      this.trace.record('reorder', this.nowUs, src, dst, id, `by ${(fate.heldBackUs / 1000).toFixed(3)}ms`);
    }
    this.push(fate.arrivalsUs[0], 'deliver', dst, 0, -1, pkt);
    if (fate.copies === 2) {
      this.trace.record('dup', this.nowUs, src, dst, id, null);
      this.push(fate.arrivalsUs[1], 'deliver', dst, 0, -1, pkt);
    }
  }

  /** Shows a packet a service host sent to the spec check and to the outsiders' memory. */
  private hostSent(src: HostId, dst: HostId, msg: M): void {
    if (this.spec !== null) {
      const problem = this.spec.packetSent(src, dst, msg);
      if (problem !== null) this.fail('exception', problem, src);
    }
    if (this.outsiderCount === 0) return;
    const packet: Packet<M> = { src, dst, msg };
    if (this.recent.length < simDefaults.outsiderRecentMax) {
      this.recent.push(packet);
    } else {
      this.recent[this.recentNext] = packet;
      this.recentNext = (this.recentNext + 1) % simDefaults.outsiderRecentMax;
    }
  }

  /** What an outsider knows when it picks a message. */
  private outsiderView(): OutsiderView<P, M> {
    const n = this.recent.length;
    const recent = n < simDefaults.outsiderRecentMax ? this.recent
      : [...this.recent.slice(this.recentNext), ...this.recent.slice(0, this.recentNext)];
    return { nowMs: this.nowUs / 1000, hostIds: this.system.hostIds, state: (id) => this.abstractOf(id), recent };
  }

  /** Hosts may touch their environment only while they step (a stray callback is a bug). */
  private checkStepping(e: Endpoint<P, M> | undefined): void {
    if (e === undefined || this.stepping !== e) assert(false, `${e?.id ?? '?'} used its environment outside its own step`);
  }

  private deliver(pkt: InFlight<M>): void {
    const e = this.endpoints[pkt.dst];
    const src = this.endpoints[pkt.src];
    if (e === undefined || src === undefined) return;
    if (this.network.isCut(pkt.src, pkt.dst)) {
      this.network.counts.partitionDrops++;
      this.trace.record('drop', this.nowUs, pkt.src, pkt.dst, pkt.id, 'partition');
      return;
    }
    if (!e.up) {
      this.network.counts.downDrops++;
      this.trace.record('drop', this.nowUs, pkt.src, pkt.dst, pkt.id, 'destination down');
      return;
    }
    let msg = pkt.msg;
    if (pkt.bytes !== null && this.codec !== null) {
      const decoded = this.codec.decode(pkt.bytes);
      if (!decoded.ok) {
        this.fail('codec', `packet #${pkt.id} ${this.showMsg(pkt.msg)} does not decode: ` +
          `${decoded.error.kind} at byte ${decoded.error.offset} (${decoded.error.path}): ${decoded.error.message}`, src.id);
        return;
      }
      msg = decoded.value;
      if (!sameBytes(this.codec.encode(msg), pkt.bytes)) {
        this.fail('codec', `packet #${pkt.id} ${this.showMsg(pkt.msg)} decodes to ${this.showMsg(msg)}, which encodes differently`, src.id);
        return;
      }
    }
    if (!e.inbox.push({ packet: { src: src.id, dst: e.id, msg }, id: pkt.id })) {
      this.network.counts.overflowDrops++;
      this.trace.record('drop', this.nowUs, pkt.src, pkt.dst, pkt.id, 'inbox full');
      return;
    }
    this.network.counts.delivered++;
    this.trace.record('deliver', this.nowUs, pkt.src, pkt.dst, pkt.id, null);
    this.queueStep(e, this.nowUs);
  }

  // ---- Faults ---------------------------------------------------------------------------------

  /**
   * Builds host `e` from its disk: 'built'; 'refused' when the binding reports that the host
   * cannot start (its disk failed: it stays down and is tried again); 'failed' when building threw
   * (the run has failed).
   */
  private buildHost(e: Endpoint<P, M>): 'built' | 'refused' | 'failed' {
    let host: ImplHost<P, M>;
    try {
      const built = this.system.createHost(e.id, e.disk, this.system.config);
      if (isStartResult(built)) {
        if (!built.ok) {
          const why = `${built.error.kind}: ${built.error.detail}`;
          this.trace.record('restart', this.nowUs, e.index, -1, -1, `refused to start: ${why}`);
          this.note({ kind: 'startRefused', atMs: this.nowUs / 1000, host: e.id, error: why });
          return 'refused';
        }
        host = built.value;
      } else {
        host = built;
      }
      e.host = this.system.wrap !== undefined ? this.system.wrap(host, e.id) : host;
    } catch (x) {
      this.fail('exception', `building host: ${describeError(x)}`, e.id);
      return 'failed';
    }
    // A fresh journal: nothing of the crashed incarnation's step carries over.
    e.journaling = new JournalingEnvironment(e.env);
    e.steps = 0;
    e.abstractAtStep = -1;
    return 'built';
  }

  private crash(e: Endpoint<P, M>): void {
    e.up = false;
    e.host = null;
    e.inbox.clear();
    e.incarnation++;
    e.stepQueued = false;
    e.wakeGen++;
    e.wakeAtUs = -1;
    e.busyUntilUs = 0;
    const outcomes = e.disk.crash();
    this.counts.crashes++;
    if (this.endpoints.every((x) => x.isClient || !x.up)) this.counts.allDown++;
    for (const o of outcomes) {
      if (o.outcome === 'lost') this.counts.unsyncedLost++;
      else if (o.outcome === 'torn') this.counts.tornWrites++;
      else this.counts.unsyncedKept++;
    }
    this.trace.record('crash', this.nowUs, e.index, -1, -1, null);
    for (const o of outcomes) {
      this.trace.record('disk', this.nowUs, e.index, -1, -1, describeCrashOutcome(o));
    }
    this.note({ kind: 'crash', atMs: this.nowUs / 1000, host: e.id, disk: outcomes });
  }

  /** Starts a crashed host again; one that refuses to start is tried again a little later. */
  private restart(e: Endpoint<P, M>): void {
    const built = this.buildHost(e);
    if (built === 'failed') return;
    if (built === 'refused') {
      this.push(this.nowUs + simDefaults.startRetryUs, 'restart', e.index, 0, -1);
      return;
    }
    e.up = true;
    this.counts.restarts++;
    this.trace.record('restart', this.nowUs, e.index, -1, -1, null);
    this.note({ kind: 'restart', atMs: this.nowUs / 1000, host: e.id });
    if (this.spec !== null && !this.checkSpec(e, null, true)) return;
    this.queueStep(e, this.nowUs);
  }

  private startPartition(p: PlannedPartition): void {
    this.network.cut(p.from, p.to);
    if (!p.oneWay) this.network.cut(p.to, p.from);
    this.activePartitions.add(p.id);
    this.counts.partitions++;
    if (p.oneWay) this.counts.oneWayPartitions++;
    const from = p.from.map((i) => this.endpointName(i));
    const to = p.to.map((i) => this.endpointName(i));
    this.trace.record('partition', this.nowUs, -1, -1, p.id, describePartition(p.oneWay, from, to).join(' '));
    this.note({ kind: 'partition', atMs: this.nowUs / 1000, id: p.id, from, to, oneWay: p.oneWay });
  }

  private healPartition(p: PlannedPartition): void {
    if (!this.activePartitions.delete(p.id)) return;
    this.network.heal(p.from, p.to);
    if (!p.oneWay) this.network.heal(p.to, p.from);
    this.trace.record('heal', this.nowUs, -1, -1, p.id, null);
    this.note({ kind: 'heal', atMs: this.nowUs / 1000, id: p.id });
  }

  private diskError(e: Endpoint<P, M>, op: DiskOp, name: string): void {
    this.counts.diskErrors++;
    this.trace.record('disk', this.nowUs, e.index, -1, -1, `error on ${describeDiskOp(op, name)}`);
    this.note({ kind: 'diskError', atMs: this.nowUs / 1000, host: e.id, op, name });
  }

  /** The end of the fault window: every partition heals, every crashed host restarts. */
  private stopFaults(): void {
    this.setFaultsOn(false);
    for (const p of this.partitions) if (this.activePartitions.has(p.id)) this.healPartition(p);
    for (const e of this.endpoints) if (!e.up) this.restart(e);
    this.quietFromUs = this.nowUs;
    this.trace.record('quiet', this.nowUs, -1, -1, -1, null);
  }

  private setFaultsOn(on: boolean): void {
    this.network.faultsOn = on;
    for (const e of this.endpoints) e.disk.faultsOn = on && !e.isClient;
  }

  // ---- Checks at the end ----------------------------------------------------------------------

  private checkLiveness(): void {
    const liveness = this.system.liveness;
    if (liveness === undefined) return;
    const view: LivenessView<P, O, R> = {
      quietFromMs: this.quietFromUs / 1000,
      endMs: this.nowUs / 1000,
      hostIds: this.system.hostIds,
      state: (id) => this.abstractOf(id),
      emittedSinceQuiet: (id) => {
        const i = this.indexOf.get(id);
        return i === undefined ? [] : this.endpoints[i]?.quietEvents ?? [];
      },
      history: this.history.events,
    };
    let missing: string | null;
    try {
      missing = liveness.check(view);
    } catch (x) {
      this.fail('exception', `liveness check: ${describeError(x)}`, null);
      return;
    }
    if (missing !== null) this.fail('liveness', `${liveness.description}: ${missing}`, null);
  }

  private checkHistory(): void {
    const check = this.system.workload?.checkHistory;
    if (check === undefined || this.history.truncated) return;
    let verdict: LinVerdict;
    try {
      verdict = check(this.history.events);
    } catch (x) {
      this.fail('exception', `history check: ${describeError(x)}`, null);
      return;
    }
    this.linVerdict = verdict;
    if (verdict.kind === 'violation' || verdict.kind === 'malformed') {
      this.fail('linearizability', `${verdict.kind === 'malformed' ? 'malformed history' : 'not linearizable'}: ${verdict.detail}`, null);
    }
  }

  // ---- Bookkeeping ----------------------------------------------------------------------------

  private recordHistory(e: Endpoint<P, M>, h: HistoryEvent<O, R>): void {
    if (h.type === 'call') this.trace.record('call', this.nowUs, e.index, -1, Number(h.id), null, h.op);
    else this.trace.record('return', this.nowUs, e.index, -1, Number(h.id), null, h.output);
  }

  private push(atUs: number, kind: EventKind, ep: number, gen: number, ref: number, pkt: InFlight<M> | null = null): void {
    const ev = this.spare.pop();
    if (ev === undefined) {
      this.queue.push({ atUs, seq: 0, kind, ep, gen, pkt, ref });
      return;
    }
    ev.atUs = atUs;
    ev.kind = kind;
    ev.ep = ep;
    ev.gen = gen;
    ev.pkt = pkt;
    ev.ref = ref;
    this.queue.push(ev);
  }

  /** Keeps a handled event for reuse; nothing refers to it once it has left the queue. */
  private recycle(ev: SimEvent<M>): void {
    if (this.spare.length >= spareEventsMax) return;
    ev.pkt = null;
    this.spare.push(ev);
  }

  private note(f: FaultEvent): void {
    if (this.schedule.length >= scheduleKeptMax) {
      this.scheduleTruncated = true;
      return;
    }
    this.schedule.push(f);
  }

  private fail(kind: SimFailureKind, message: string, host: HostId | null): void {
    if (this.failure !== null) return;
    const i = host === null ? -1 : this.indexOf.get(host) ?? -1;
    this.trace.record('fail', this.nowUs, i, -1, -1, `${kind}: ${message}`);
    this.failure = { kind, message, atMs: this.nowUs / 1000, host };
  }

  private endpointName(i: number): string {
    return this.endpoints[i]?.id ?? `#${i}`;
  }

  private showMsg(m: M): string {
    try {
      return this.system.showMsg?.(m) ?? showValue(m);
    } catch {
      return showValue(m);
    }
  }

  private report(): SimReport {
    const names: TraceNames = {
      endpoint: (i) => shortName(this.endpointName(i)),
      msg: (m) => this.showMsg(m as M),
    };
    const renderTrace = this.failure !== null || this.options.keepTrace === true;
    const n = this.network.counts;
    return {
      system: this.system.name,
      seed: this.options.seed,
      ok: this.failure === null,
      failure: this.failure,
      traceHash: this.trace.hex(),
      plan: this.plan,
      durationMs: this.durationUs / 1000,
      quietMs: this.quietUs / 1000,
      simulatedMs: this.nowUs / 1000,
      hostSteps: this.hostSteps,
      clientSteps: this.clientSteps,
      events: this.trace.count,
      faults: { ...this.counts, lost: n.lost, duplicated: n.duplicated, reordered: n.reordered, partitionDrops: n.partitionDrops },
      packets: {
        sent: n.sent + n.unknownDst, delivered: n.delivered, downDrops: n.downDrops, overflowDrops: n.overflowDrops, unknownDst: n.unknownDst,
        fromOutsiders: this.outsiderPackets,
      },
      schedule: this.schedule,
      scheduleTruncated: this.scheduleTruncated,
      trace: renderTrace ? this.trace.recent().map((r) => renderRecord(r, names)) : [],
      history: this.system.workload === undefined ? null : {
        calls: this.history.events.filter((h) => h.type === 'call').length,
        returns: this.history.events.filter((h) => h.type === 'return').length,
        verdict: this.linVerdict,
      },
    };
  }
}

/** Whether `createHost` returned a Result rather than a host. */
function isStartResult<P, M>(built: ImplHost<P, M> | Result<ImplHost<P, M>, DiskError>): built is Result<ImplHost<P, M>, DiskError> {
  return 'ok' in built && typeof built.ok === 'boolean';
}

function msToUs(ms: number): number {
  assert(Number.isFinite(ms) && ms >= 0, () => `a duration must be finite and >= 0 ms, got ${ms}`);
  return Math.round(ms * 1000);
}


/** A host id short enough for a trace line (64-hex-digit ids are cut to 8). */
function shortName(id: HostId): string {
  return id.length > 12 ? id.slice(0, 8) : id;
}

function describeError(x: unknown): string {
  if (x instanceof Error) return `${x.name}: ${x.message}`;
  return String(x);
}
