import { assert } from '../core/assert.js';
import type { HostId } from '../framework/types.js';
import type { TransportLimits } from '../net/limits.js';
import type { Logger } from '../net/log.js';
import type { ServiceConfig } from '../net/service-file.js';
import type { Transport } from '../net/transport.js';
import { startClientTransport } from '../net/transport.js';
import type { RslImplMsg } from './wire.js';
import { rslCodec, rslRequestBytesMax } from './wire.js';

/**
 * IronRSL's client library: sessions that submit requests to the replicas of a service over the
 * TLS transport, and a client that runs many requests in flight over several sessions.
 *
 * A session is one client identity (one ephemeral key, so one id the replicas know it by) with at
 * most one request outstanding: the spec's exactly-once rests on a client sending seqno n + 1 only
 * after the reply to n (docs/rsl.md §1). A resend keeps its seqno, so however often a request is
 * resent it executes at most once. "Many requests in flight" is therefore several sessions, each
 * with its own transport and key, as IronFleet's client threads were.
 *
 * Which replica a request goes to, and when it is resent, is decided by `RslClientSession`, a pure
 * class with no sockets and no clock of its own (times arrive as arguments), so it is unit-tested
 * on its own; `RslSession` binds it to a transport and a timer.
 */

/** How long a session waits for a reply before resending to the next replica. */
export interface RslClientTiming {
  /** The first wait after sending a request, in ms; reset to this after every reply. */
  readonly resendMsMin: number;
  /** The longest wait: it doubles after each resend that got no reply, up to this, in ms. */
  readonly resendMsMax: number;
}

/**
 * The default timing: a leader that is alive answers well within 250 ms on a LAN; waits double to
 * 2 s while the replicas change views (IronRSL's view timeout is 1 s, doubling per failed view).
 */
export const defaultRslClientTiming: RslClientTiming = { resendMsMin: 250, resendMsMax: 2000 };

/** A packet a session wants sent. */
export interface SessionSend {
  readonly dst: HostId;
  readonly msg: RslImplMsg;
}

/** What a message did to a session: the reply that completed its request, and packets to send. */
export interface SessionOutcome {
  /** The reply to the outstanding request, when this message was it. */
  readonly reply?: Uint8Array;
  readonly sends: readonly SessionSend[];
}

/** The request a session waits on. */
interface Outstanding {
  readonly seqno: number;
  readonly payload: Uint8Array;
  /** When to resend, in ms. */
  resendAtMs: number;
  /** The current wait, in ms: between resendMsMin and resendMsMax. */
  waitMs: number;
  /** How often it was sent again (after timeouts or hints). */
  resends: number;
}

/**
 * The decisions of one client session, without IO: which replica gets a request, what a reply or
 * a leader hint means, when to resend. Rules:
 * - A request goes to the replica believed to lead: the last one a leader hint named or a timeout
 *   moved to (replica 0 at first). Every replica that executes a request replies to it (followers
 *   often before the leader), so who replied says nothing about who leads.
 * - A reply completes the request only if it carries the outstanding seqno and comes from a
 *   replica; anything else (a stale or duplicated reply, a stranger's packet) is ignored.
 * - A leader hint for the outstanding seqno redirects it at once to the named replica, unless that
 *   replica is the one that last let this request time out (a dead leader that the others still
 *   name would otherwise bounce the request back to itself).
 * - When the wait runs out, the request is resent, with the same seqno, to the next replica in
 *   round-robin order, and the wait doubles (up to `resendMsMax`).
 */
export class RslClientSession {
  private lastSeqno = 0;
  private target = 0;
  private outstanding: Outstanding | null = null;
  /** The replica that last let the outstanding request time out: its hints' target is not trusted. */
  private lastTimedOut: number | null = null;

  /** A session with the replicas `replicas` (in the service's order), first sending to `firstTarget`. */
  constructor(private readonly replicas: readonly HostId[], private readonly timing: RslClientTiming = defaultRslClientTiming, firstTarget = 0) {
    assert(replicas.length > 0, 'a client session needs at least one replica');
    assert(timing.resendMsMin > 0 && timing.resendMsMin <= timing.resendMsMax, 'resendMsMin must be positive and at most resendMsMax');
    this.target = ((firstTarget % replicas.length) + replicas.length) % replicas.length;
  }

  /** Whether a request is outstanding. */
  get busy(): boolean {
    return this.outstanding !== null;
  }

  /** The replica the next request goes to: the one believed to lead. */
  get leaderGuess(): HostId {
    return this.replicas[this.target] ?? '';
  }

  /** The seqno of the last request started (0 before the first). */
  get seqno(): number {
    return this.lastSeqno;
  }

  /** Resends of the outstanding request so far (0 when none is outstanding). */
  get resends(): number {
    return this.outstanding?.resends ?? 0;
  }

  /** Starts a request with the next seqno: the packet to send. Only when not busy. */
  start(payload: Uint8Array, nowMs: number): SessionSend {
    assert(this.outstanding === null, 'a session has one request outstanding at a time');
    this.lastSeqno++;
    this.lastTimedOut = null;
    this.outstanding = { seqno: this.lastSeqno, payload, resendAtMs: nowMs + this.timing.resendMsMin, waitMs: this.timing.resendMsMin, resends: 0 };
    return this.sendTo(this.target);
  }

  /** Handles a message from `src`. */
  onMessage(src: HostId, msg: RslImplMsg, nowMs: number): SessionOutcome {
    const o = this.outstanding;
    const from = this.replicas.indexOf(src);
    if (o === null || from < 0) return { sends: [] };
    if (msg.type === 'reply' && msg.seqno === o.seqno) {
      // Every replica that executes a request replies, followers often first: the target stays.
      this.outstanding = null;
      return { reply: msg.reply, sends: [] };
    }
    if (msg.type === 'leaderHint' && msg.seqno === o.seqno) {
      const leader = this.replicas.indexOf(msg.leader);
      if (leader < 0 || leader === this.target || leader === this.lastTimedOut) return { sends: [] };
      this.target = leader;
      o.resends++;
      o.resendAtMs = nowMs + o.waitMs;
      return { sends: [this.sendTo(leader)] };
    }
    return { sends: [] };
  }

  /** Handles the passing of time: resends when the wait has run out. */
  onTimer(nowMs: number): readonly SessionSend[] {
    const o = this.outstanding;
    if (o === null || nowMs < o.resendAtMs) return [];
    this.lastTimedOut = this.target;
    this.target = (this.target + 1) % this.replicas.length;
    o.waitMs = Math.min(this.timing.resendMsMax, o.waitMs * 2);
    o.resendAtMs = nowMs + o.waitMs;
    o.resends++;
    return [this.sendTo(this.target)];
  }

  /** When `onTimer` next has something to do, in ms; null when no request is outstanding. */
  wakeAtMs(): number | null {
    return this.outstanding?.resendAtMs ?? null;
  }

  /** Gives up the outstanding request (the session may still see its reply later, and ignores it). */
  abandon(): void {
    this.outstanding = null;
  }

  private sendTo(index: number): SessionSend {
    const o = this.outstanding;
    assert(o !== null, 'a request is outstanding');
    return { dst: this.replicas[index] ?? '', msg: { type: 'request', seqno: o.seqno, payload: o.payload } };
  }
}

/** Why a request did not complete: the session or client was closed first. */
export class RslClientClosedError extends Error {
  override readonly name = 'RslClientClosedError';
}

/** Options of a session or client. */
export interface RslSessionOptions {
  /** The service whose replicas are asked. */
  readonly service: ServiceConfig;
  /** Overrides of the resend timing. */
  readonly timing?: Partial<RslClientTiming>;
  /** Where transport log lines go (connections lost and regained); default: dropped. */
  readonly logger?: Logger;
  /** Overrides of the transport's limits. */
  readonly limits?: Partial<TransportLimits>;
}

/** The clock sessions read, in ms: monotonic, so a resend never waits forever if the wall clock steps back. */
function clockMs(): number {
  return performance.now();
}

/**
 * One client identity on the real transport: an ephemeral key, a connection to every replica, and
 * one request at a time (`request` rejects while one is outstanding).
 */
export class RslSession {
  /** This session's client id at the replicas: the SHA-256 of its ephemeral public key. */
  readonly id: HostId;
  private readonly transport: Transport<RslImplMsg>;
  private readonly logic: RslClientSession;
  private timer: NodeJS.Timeout | null = null;
  private waiter: { resolve: (reply: Uint8Array) => void; reject: (e: Error) => void } | null = null;
  private closed = false;
  /** Requests sent again after a timeout or a leader hint, over the session's life. */
  totalResends = 0;

  /** Opens a session: generates its key and starts dialing the replicas. */
  constructor(options: RslSessionOptions, firstTarget = 0) {
    const replicas = options.service.servers.map((s) => s.id);
    this.logic = new RslClientSession(replicas, { ...defaultRslClientTiming, ...options.timing }, firstTarget);
    this.transport = startClientTransport<RslImplMsg>({
      service: options.service,
      codec: rslCodec,
      logger: options.logger ?? (() => {}),
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
    });
    this.id = this.transport.me;
    this.transport.setReceiver((p) => {
      const resendsBefore = this.logic.resends;
      const out = this.logic.onMessage(p.src, p.msg, clockMs());
      this.totalResends += Math.max(0, this.logic.resends - resendsBefore);
      this.sendAll(out.sends);
      if (out.reply !== undefined) {
        const w = this.waiter;
        this.waiter = null;
        this.disarm();
        w?.resolve(out.reply);
      }
    });
  }

  /** Whether a request is outstanding. */
  get busy(): boolean {
    return this.logic.busy;
  }

  /** The replica this session believes leads (the last hinted, or moved to after a timeout). */
  get leaderGuess(): HostId {
    return this.logic.leaderGuess;
  }

  /**
   * Sends `payload` as this session's next request and resolves with the reply; it resends until a
   * reply comes, so it settles only with the reply or, if the session is closed first, by rejecting
   * with `RslClientClosedError`. Rejects at once if a request is outstanding or the payload is over
   * `rslRequestBytesMax` (programming errors).
   */
  request(payload: Uint8Array): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new RslClientClosedError('the session is closed'));
    if (this.logic.busy) return Promise.reject(new Error('a session has one request outstanding at a time'));
    if (payload.length > rslRequestBytesMax) {
      return Promise.reject(new RangeError(`a request of ${payload.length} bytes is over rslRequestBytesMax (${rslRequestBytesMax})`));
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.sendAll([this.logic.start(payload, clockMs())]);
      this.arm();
    });
  }

  /** Closes the transport; an outstanding request rejects with `RslClientClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.disarm();
    this.logic.abandon();
    const w = this.waiter;
    this.waiter = null;
    w?.reject(new RslClientClosedError('the session was closed before the reply came'));
    await this.transport.close();
  }

  private sendAll(sends: readonly SessionSend[]): void {
    for (const s of sends) this.transport.send(s.dst, s.msg);
  }

  private arm(): void {
    this.disarm();
    const at = this.logic.wakeAtMs();
    if (at === null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const sends = this.logic.onTimer(clockMs());
      this.totalResends += sends.length;
      this.sendAll(sends);
      this.arm();
    }, Math.max(0, Math.ceil(at - clockMs())));
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The most submits waiting for a free session; more are refused (a bound on memory). */
export const rslSubmitQueueLengthMax = 65_536;

/** The default number of sessions of a client. */
export const rslClientSessionsDefault = 4;

/** Options of a client. */
export interface RslClientOptions extends RslSessionOptions {
  /** How many sessions (client identities), so how many requests may be in flight; default 4. */
  readonly sessions?: number;
}

/**
 * A client of an IronRSL service with many requests in flight: a pool of sessions, each with its
 * own key and one request outstanding. `submit` hands a request to an idle session, or queues it
 * (in order, up to `rslSubmitQueueLengthMax`) until one is free. Each request executes exactly
 * once, however often it is resent, as long as the client is not closed before its reply.
 *
 * Usage: `const c = new RslClient({service}); const reply = await c.submit(bytes); await c.close();`
 */
export class RslClient {
  private readonly sessions: RslSession[];
  private readonly queue: { payload: Uint8Array; resolve: (r: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  private closed = false;

  /** Opens the client's sessions; they dial the replicas in the background. */
  constructor(options: RslClientOptions) {
    const n = options.sessions ?? rslClientSessionsDefault;
    assert(Number.isSafeInteger(n) && n > 0, () => `sessions must be a positive integer, got ${n}`);
    this.sessions = Array.from({ length: n }, () => new RslSession(options));
  }

  /** The client ids of the sessions (SHA-256 of their ephemeral keys). */
  get ids(): readonly HostId[] {
    return this.sessions.map((s) => s.id);
  }

  /**
   * Submits a request and resolves with its reply. Rejects with `RslClientClosedError` if the
   * client is closed first, and at once with a `RangeError` when the queue is full or the payload
   * is over `rslRequestBytesMax`.
   */
  submit(payload: Uint8Array): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new RslClientClosedError('the client is closed'));
    if (payload.length > rslRequestBytesMax) {
      return Promise.reject(new RangeError(`a request of ${payload.length} bytes is over rslRequestBytesMax (${rslRequestBytesMax})`));
    }
    if (this.queue.length >= rslSubmitQueueLengthMax) {
      return Promise.reject(new RangeError(`${rslSubmitQueueLengthMax} submits already wait (rslSubmitQueueLengthMax)`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ payload, resolve, reject });
      this.dispatch();
    });
  }

  /** Closes every session; requests in flight or queued reject with `RslClientClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new RslClientClosedError('the client was closed before the request was sent'));
    await Promise.all(this.sessions.map((s) => s.close()));
  }

  private dispatch(): void {
    for (const s of this.sessions) {
      if (this.queue.length === 0) return;
      if (s.busy) continue;
      const q = this.queue.shift();
      if (q === undefined) return;
      s.request(q.payload).then(
        (reply) => {
          q.resolve(reply);
          this.dispatch();
        },
        (e: unknown) => q.reject(e instanceof Error ? e : new Error(String(e))),
      );
    }
  }
}
