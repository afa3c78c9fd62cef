/**
 * The host event loop: runs an implementation host (`ImplHost`) on real sockets, a real clock and
 * a real disk, through the same `HostEnvironment` the simulator provides.
 *
 * Packets from the transport wait in a bounded queue; `env.receive()` pops one. The loop steps
 * the host while packets wait (a batch per turn of the Node event loop, up to stepsPerTurnMax,
 * then it yields to I/O) and when `host.wakeAfterMs` says a timeout is due. Every step's IO is
 * journaled, and a step whose journal breaks the reduction order (receives, then one clock read,
 * then sends) is a bug: the loop logs it loudly and stops. A step's sends are held until its
 * journal has passed that check (and the onStep observer, such as the refinement monitor, has
 * accepted it), so a rejected step never puts a packet on the wire.
 *
 * Group commit (src/net/group-commit.ts): the host's disk is wrapped so that a sync after appends
 * waits for the end of the turn; the sends of the turn's steps that asked for a sync are held
 * until one commit has made every write of the turn durable, and are dropped, and the host
 * stopped, if that commit fails. A commit waits for the disk off the thread (`syncAsync`) while
 * the host keeps stepping; up to `commitsInFlightMax` overlap, each covering what was written
 * before it started, and their packets leave in the order the commits started. The sends of a
 * step that asked for no sync leave at the end of its turn.
 */
import { errorText } from '../core/errors.js';
import type { HostId, Packet } from '../framework/types.js';
import type { DurableStore, HostEnvironment, ImplHost, StepReport } from '../framework/host.js';
import { JournalingEnvironment } from '../framework/host.js';
import type { IoJournal } from '../framework/journal.js';
import { checkReductionOrder } from '../framework/journal.js';
import { BoundedQueue } from '../core/bounded.js';
import { assert } from '../core/assert.js';
import type { Transport } from './transport.js';
import type { Logger } from './log.js';
import { stderrLogger } from './log.js';
import { shortId } from './identity.js';
import { GroupCommitStore } from './group-commit.js';

/** A send held by the loop. */
interface Send<M> {
  readonly dst: HostId;
  readonly msg: M;
}

/** One step as the loop saw it. */
export interface StepRecord<M> {
  /** Steps taken before this one. */
  readonly index: number;
  readonly report: StepReport;
  /** The step's IO, in order (it passed the reduction-order check). */
  readonly journal: IoJournal<M>;
}

/** Why a loop stopped: asked to, or a bug in the host. */
export type StopReason =
  | { readonly kind: 'stopped' }
  /** A step's IO was not receives, then at most one clock read, then sends. */
  | { readonly kind: 'reductionOrder'; readonly detail: string }
  /** The host's step (or the onStep observer) threw: an assertion failed or the code crashed. */
  | { readonly kind: 'hostThrew'; readonly detail: string; readonly error: unknown }
  /** The sync before a turn's sends failed: the host's memory is ahead of its disk, so it must not go on. */
  | { readonly kind: 'diskFailed'; readonly detail: string };

/** Options of a host event loop. */
export interface HostEventLoopOptions<P, M> {
  readonly host: ImplHost<P, M>;
  /** Where the host's sends go and its packets come from; closed by stop(). */
  readonly transport: Transport<M>;
  /**
   * The host's durable storage (a FileStore on a server). A host that keeps its disk itself (it
   * was given it when built) must be given a `GroupCommitStore` of it, the same one passed here,
   * so that the loop's commit covers its writes.
   */
  readonly disk: DurableStore;
  /** Receives the host's `env.emit` events (servers print them). */
  readonly onEvent?: (event: string) => void;
  /** Sees every step after it passed the reduction check: for the refinement monitor, tests, tracing. */
  readonly onStep?: (record: StepRecord<M>) => void;
  /** Where log lines go (default: stderr). */
  readonly logger?: Logger;
  /** The clock in milliseconds (default: a monotonic clock, in whole milliseconds since the epoch). */
  readonly clock?: () => number;
  /** Most packets waiting for the host; more are dropped (counted), as a network may. */
  readonly receiveQueueLengthMax?: number;
  /** Most host steps in one turn of the Node event loop before yielding to I/O. */
  readonly stepsPerTurnMax?: number;
}

/** The default receive queue bound. */
export const defaultReceiveQueueLengthMax = 4096;
/** The default number of steps per turn. */
export const defaultStepsPerTurnMax = 256;
/**
 * Most commits waiting for the disk at once. A turn that ends while one is in flight starts its
 * own rather than waiting for it to finish (which would put up to two sync times on every
 * durable send); libuv's four threads take two commits of two files each.
 */
export const commitsInFlightMax = 2;
/** setTimeout's largest delay; later wake-ups are re-armed when it fires. */
const timerDelayMsMax = 0x7fff_ffff;

/** Milliseconds since the epoch from a monotonic source, so timeouts never see time go back. */
export function monotonicClockMs(): number {
  return Math.floor(performance.timeOrigin + performance.now());
}

/** A running host; see the module comment. */
export class HostEventLoop<P, M> {
  /** Settles when the loop stops, with why. */
  readonly done: Promise<StopReason>;
  private resolveDone: (reason: StopReason) => void = () => {};
  private readonly queue: BoundedQueue<Packet<M>>;
  /** The current step's sends, moved to `ready` or `held` once the step is accepted. */
  private readonly outbox: Send<M>[] = [];
  /** The sends of this turn's accepted steps that asked for no sync, sent at its end. */
  private ready: Send<M>[] = [];
  /** The sends of accepted steps that asked for a sync, since the last commit started: released after the next one. */
  private held: Send<M>[] = [];
  /** Commits waiting for the disk, oldest first, each with the sends it releases. */
  private readonly commits: { readonly sends: Send<M>[]; done: boolean }[] = [];
  /** The host's disk, with syncs after appends deferred to the end of the turn. */
  private readonly disk: GroupCommitStore;
  private readonly env: JournalingEnvironment<M>;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly stepsPerTurnMax: number;
  private immediate: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private closing: Promise<void> | null = null;
  private steps = 0;
  private receiveDrops = 0;
  private dropping = false;

  /** Starts driving `options.host`: takes over the transport's receiver and schedules a first step. */
  constructor(private readonly options: HostEventLoopOptions<P, M>) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.logger = options.logger ?? stderrLogger;
    this.clock = options.clock ?? monotonicClockMs;
    this.stepsPerTurnMax = options.stepsPerTurnMax ?? defaultStepsPerTurnMax;
    const queueMax = options.receiveQueueLengthMax ?? defaultReceiveQueueLengthMax;
    assert(Number.isSafeInteger(this.stepsPerTurnMax) && this.stepsPerTurnMax > 0, 'stepsPerTurnMax must be a positive integer');
    this.queue = new BoundedQueue(queueMax);
    const { transport } = options;
    const disk = options.disk instanceof GroupCommitStore ? options.disk : new GroupCommitStore(options.disk);
    this.disk = disk;
    const onEvent = options.onEvent ?? (() => {});
    const queue = this.queue;
    const outbox = this.outbox;
    const base: HostEnvironment<M> = {
      me: transport.me,
      receive: () => queue.shift() ?? null,
      now: this.clock,
      send: (dst: HostId, msg: M) => {
        outbox.push({ dst, msg });
      },
      disk,
      emit: onEvent,
    };
    this.env = new JournalingEnvironment(base);
    transport.setReceiver((packet) => this.onPacket(packet));
    this.scheduleTurn();
  }

  /** Host steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** Packets waiting for the host. */
  get queuedPackets(): number {
    return this.queue.length;
  }

  /** Packets dropped because the receive queue was full. */
  get droppedPackets(): number {
    return this.receiveDrops;
  }

  /** Stops stepping and closes the transport. */
  stop(): Promise<void> {
    return this.halt({ kind: 'stopped' });
  }

  private halt(reason: StopReason): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.stopping = true;
    if (this.immediate !== null) clearImmediate(this.immediate);
    if (this.timer !== null) clearTimeout(this.timer);
    this.immediate = null;
    this.timer = null;
    this.queue.clear();
    this.outbox.length = 0;
    this.ready.length = 0;
    this.held.length = 0;
    this.commits.length = 0;
    this.options.transport.setReceiver(() => {});
    this.closing = this.options.transport.close().then(() => this.resolveDone(reason));
    return this.closing;
  }

  private onPacket(packet: Packet<M>): void {
    if (this.stopping) return;
    if (this.queue.push(packet)) {
      this.dropping = false;
    } else {
      this.receiveDrops++;
      if (!this.dropping) this.logger(`host ${shortId(this.options.transport.me)}: receive queue full (${this.queue.lengthMax}); dropping packets`);
      this.dropping = true;
    }
    this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.immediate !== null || this.stopping) return;
    this.immediate = setImmediate(this.turn);
  }

  /** One turn: step while packets wait or a timeout is due, up to stepsPerTurnMax; then wait. */
  private readonly turn = (): void => {
    this.immediate = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    let stepsThisTurn = 0;
    while (!this.stopping && stepsThisTurn < this.stepsPerTurnMax && (this.queue.length > 0 || this.wakeDue())) {
      this.stepOnce();
      stepsThisTurn++;
    }
    if (this.stopping) return;
    this.flush();
    if (stepsThisTurn === this.stepsPerTurnMax) this.scheduleTurn();
    else this.armTimer();
  };

  private wakeDue(): boolean {
    const wakeMs = this.options.host.wakeAfterMs(this.clock());
    return wakeMs !== null && wakeMs <= 0;
  }

  private armTimer(): void {
    const wakeMs = this.options.host.wakeAfterMs(this.clock());
    if (wakeMs === null) return;
    this.timer = setTimeout(this.turn, Math.min(timerDelayMsMax, Math.max(0, Math.ceil(wakeMs))));
  }

  private stepOnce(): void {
    const index = this.steps++;
    this.outbox.length = 0;
    const deferredBefore = this.disk.deferredSyncs;
    let report: StepReport;
    try {
      report = this.options.host.step(this.env);
    } catch (e) {
      this.env.take();
      this.fail({ kind: 'hostThrew', detail: `step ${index} threw: ${errorText(e)}`, error: e });
      return;
    }
    const journal = this.env.take();
    const order = checkReductionOrder(journal);
    if (!order.ok) {
      this.fail({ kind: 'reductionOrder', detail: `step ${index} (${report.action ?? 'idle'}) broke the reduction order: ${order.error}` });
      return;
    }
    try {
      this.options.onStep?.({ index, report, journal });
    } catch (e) {
      this.fail({ kind: 'hostThrew', detail: `the step observer rejected step ${index}: ${errorText(e)}`, error: e });
      return;
    }
    const wait = this.disk.deferredSyncs !== deferredBefore ? this.held : this.ready;
    for (const o of this.outbox) wait.push(o);
    this.outbox.length = 0;
  }

  /**
   * The end of a turn: sends the packets of steps that asked for no sync, and starts a commit of
   * everything written so far for the held ones, unless `commitsInFlightMax` are in flight (the
   * next to finish starts it). Held packets leave when their commit and every earlier one are done
   * (at once when no sync is owed: a replacing write's sync made everything durable). On a failed
   * commit none is sent and the host is stopped.
   */
  private flush(): void {
    if (this.ready.length > 0) this.release(this.ready);
    if (!this.disk.pending) {
      if (this.held.length > 0 && this.commits.length === 0) this.release(this.held);
      return;
    }
    if (this.commits.length >= commitsInFlightMax) return;
    const commit = { sends: this.held, done: false };
    this.held = [];
    this.commits.push(commit);
    void this.disk.commitAsync().then((synced) => {
      if (this.stopping) return;
      if (!synced.ok) {
        const dropped = this.commits.reduce((n, c) => n + c.sends.length, this.held.length);
        this.fail({
          kind: 'diskFailed',
          detail: `disk-error ${synced.error.kind}: ${synced.error.detail}; ${dropped} packet(s) were not sent, ` +
            'and a host whose writes may be lost must not go on',
        });
        return;
      }
      commit.done = true;
      for (let oldest = this.commits[0]; oldest?.done === true; oldest = this.commits[0]) {
        this.commits.shift();
        this.release(oldest.sends);
      }
      this.flush();
    });
  }

  /** Sends `outbox` and empties it; a message sent to several hosts in a row (a broadcast) is encoded once. */
  private release(outbox: Send<M>[]): void {
    const transport = this.options.transport;
    // Runs of the same message, found by index: this is per step, so nothing is allocated for a lone send.
    let i = 0;
    while (i < outbox.length) {
      const first = outbox[i] as Send<M>;
      let end = i + 1;
      while (end < outbox.length && outbox[end]?.msg === first.msg) end++;
      if (end === i + 1) transport.send(first.dst, first.msg);
      else transport.sendAll(outbox.slice(i, end).map((o) => o.dst), first.msg);
      i = end;
    }
    outbox.length = 0;
  }


  private fail(reason: Exclude<StopReason, { kind: 'stopped' }>): void {
    const what = reason.kind === 'diskFailed' ? 'its disk failed' : 'BUG';
    this.logger(`${what}: host ${shortId(this.options.transport.me)} stopped: ${reason.detail}`);
    void this.halt(reason);
  }
}
