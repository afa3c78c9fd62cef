import { assert } from '../core/assert.js';
import { BoundedQueue } from '../core/bounded.js';
import type { HostId, Packet } from '../framework/types.js';
import type { TransportLimits } from '../net/limits.js';
import type { Logger } from '../net/log.js';
import type { ServiceConfig } from '../net/service-file.js';
import type { Transport } from '../net/transport.js';
import { startClientTransport } from '../net/transport.js';
import type { RslImplMsg } from './wire.js';
import { rslCodec, rslRequestBytesMax, rslSessionMax, sessionClientId } from './wire.js';

/**
 * IronRSL's client library: sessions that submit requests to the replicas of a service over the
 * TLS transport, and a client that runs many requests in flight over many sessions.
 *
 * A session is one protocol client with at most one request outstanding: the spec's exactly-once
 * rests on a client sending seqno n + 1 only after the reply to n (docs/rsl.md §1). A resend keeps
 * its seqno, so however often a request is resent it executes at most once. "Many requests in
 * flight" is therefore many sessions. They share one client host (`RslClientHost`): one ephemeral
 * key, one connection per replica; each message carries its session number, and session `s` of
 * host `H` is the protocol client `sessionClientId(H, s)` (`H/s`) at the replicas, which take `H`
 * from the authenticated connection, so a host speaks only for its own sessions.
 *
 * Which replica a request goes to, and when it is resent, is decided by `RslClientSession`, a pure
 * class with no sockets and no clock of its own (times arrive as arguments), so it is unit-tested
 * on its own; `RslClientHost` binds many of them to one transport and one timer.
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
 * a leader hint means, when to resend. Its requests carry its `session` number, and it takes only
 * replies and hints for that session. Rules:
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

  /**
   * Session number `session` of its client host, with the replicas `replicas` (in the service's
   * order), first sending to `firstTarget`.
   */
  constructor(
    private readonly replicas: readonly HostId[], private readonly timing: RslClientTiming = defaultRslClientTiming, firstTarget = 0,
    readonly session = 0,
  ) {
    assert(replicas.length > 0, 'a client session needs at least one replica');
    assert(Number.isInteger(session) && session >= 0 && session <= rslSessionMax, () => `session ${session} is not a u32`);
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
    if (o === null || this.replicas.indexOf(src) < 0) return { sends: [] };
    if ((msg.type === 'reply' || msg.type === 'leaderHint') && msg.session !== this.session) return { sends: [] };
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
    return { dst: this.replicas[index] ?? '', msg: { type: 'request', session: this.session, seqno: o.seqno, payload: o.payload } };
  }
}

/** Why a request did not complete: the session or client was closed first. */
export class RslClientClosedError extends Error {
  override readonly name = 'RslClientClosedError';
}

/**
 * What a client host needs of its transport (the part of `Transport` it uses). The host's id must
 * be new to the service: every session's seqnos start at 1 again, and a replica answers a seqno at
 * or below one it executed for that client from its reply cache.
 */
export type RslClientTransport = Pick<Transport<RslImplMsg>, 'me' | 'send' | 'setReceiver' | 'close'>;

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
  /**
   * The transport to use instead of a new one with a fresh ephemeral key (tests pass one); the
   * host closes it on `close`. Its id must be new to the service (see `RslClientTransport`).
   */
  readonly transport?: RslClientTransport;
}

/** The clock sessions read, in ms: monotonic, so a resend never waits forever if the wall clock steps back. */
function clockMs(): number {
  return performance.now();
}

/**
 * The most sessions one client host carries. Each session is a client in every replica's reply
 * cache, which is never evicted (docs/rsl.md §7) and holds `rslServerParams.clientsMax` (4096)
 * clients; and every session's first request must fit the transport's send queue while it connects.
 */
export const rslClientSessionsMax = 1024;

/** The default number of sessions of a client. */
export const rslClientSessionsDefault = 4;

/** Whoever waits for a session's request: called once, with the reply or why there is none. */
export interface RslReplyWaiter {
  resolve(reply: Uint8Array): void;
  reject(e: Error): void;
}

/**
 * One client host on the real transport: one key, one connection to every replica, and
 * `sessions` client sessions numbered 0 .. sessions - 1, each an `RslClientSession` with at most
 * one request outstanding. A reply or leader hint is routed to its session by number (one for a
 * session the host does not have is dropped); one timer serves every session's resends.
 */
export class RslClientHost {
  /** The host's id at the replicas: the SHA-256 of its ephemeral public key. */
  readonly hostId: HostId;
  private readonly transport: RslClientTransport;
  /** Session `s` is `sessions[s]`; its waiter, while a request is outstanding, is `waiters[s]`. */
  private readonly sessions: readonly RslClientSession[];
  private readonly waiters: (RslReplyWaiter | null)[];
  private timer: NodeJS.Timeout | null = null;
  /** When the timer fires, in ms (Infinity when it is off). Invariant: no session's resend is due before it. */
  private timerAtMs = Infinity;
  private closed = false;
  /** Requests sent again after a timeout or a leader hint, over the host's life. */
  private resends = 0;

  /**
   * Opens a client host with `sessions` sessions (1 to `rslClientSessionsMax`), each first sending
   * to replica `firstTarget`: generates its key and starts dialing the replicas.
   */
  constructor(options: RslSessionOptions, sessions: number, firstTarget = 0) {
    if (!Number.isSafeInteger(sessions) || sessions < 1 || sessions > rslClientSessionsMax) {
      throw new RangeError(`a client host has 1 to ${rslClientSessionsMax} sessions (rslClientSessionsMax), not ${sessions}`);
    }
    const replicas = options.service.servers.map((s) => s.id);
    const timing = { ...defaultRslClientTiming, ...options.timing };
    this.sessions = Array.from({ length: sessions }, (_, s) => new RslClientSession(replicas, timing, firstTarget, s));
    this.waiters = this.sessions.map(() => null);
    this.transport = options.transport ?? startClientTransport<RslImplMsg>({
      service: options.service,
      codec: rslCodec,
      logger: options.logger ?? (() => {}),
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
    });
    this.hostId = this.transport.me;
    this.transport.setReceiver((p) => this.onPacket(p));
  }

  /** How many sessions the host has. */
  get sessionCount(): number {
    return this.sessions.length;
  }

  /** Requests sent again after a timeout or a leader hint, over the host's life. */
  get totalResends(): number {
    return this.resends;
  }

  /** The protocol client id of session `session` at the replicas: `sessionClientId(hostId, session)`. */
  clientId(session: number): HostId {
    return sessionClientId(this.hostId, session);
  }

  /** Whether session `session` has a request outstanding. */
  busy(session: number): boolean {
    return this.sessions[session]?.busy ?? false;
  }

  /** The replica session `session` believes leads (the last hinted, or moved to after a timeout). */
  leaderGuess(session: number): HostId {
    return this.sessions[session]?.leaderGuess ?? '';
  }

  /**
   * Sends `payload` as session `session`'s next request; `waiter` gets the reply. It resends until
   * a reply comes, so the waiter hears only of the reply or, if the host is closed first, of an
   * `RslClientClosedError`. The waiter hears at once of a closed host, and of programming errors: a
   * session the host does not have or with a request outstanding, a payload over
   * `rslRequestBytesMax`.
   */
  send(session: number, payload: Uint8Array, waiter: RslReplyWaiter): void {
    if (this.closed) return waiter.reject(new RslClientClosedError('the client is closed'));
    const logic = this.sessions[session];
    if (logic === undefined) return waiter.reject(new RangeError(`session ${session} is not one of this host's ${this.sessions.length}`));
    if (logic.busy) return waiter.reject(new Error(`session ${session} has a request outstanding; a session has one at a time`));
    if (payload.length > rslRequestBytesMax) {
      return waiter.reject(new RangeError(`a request of ${payload.length} bytes is over rslRequestBytesMax (${rslRequestBytesMax})`));
    }
    this.waiters[session] = waiter;
    const nowMs = clockMs();
    const first = logic.start(payload, nowMs);
    this.transport.send(first.dst, first.msg);
    this.armBy(logic.wakeAtMs() ?? Infinity, nowMs);
  }

  /** `send` as a promise. */
  request(session: number, payload: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => this.send(session, payload, { resolve, reject }));
  }

  /** Closes the transport; every outstanding request's waiter gets an `RslClientClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAtMs = Infinity;
    this.sessions.forEach((logic, s) => {
      logic.abandon();
      const w = this.waiters[s];
      this.waiters[s] = null;
      w?.reject(new RslClientClosedError('the client was closed before the reply came'));
    });
    await this.transport.close();
  }

  private onPacket(p: Packet<RslImplMsg>): void {
    const m = p.msg;
    if (this.closed || (m.type !== 'reply' && m.type !== 'leaderHint')) return;
    const logic = this.sessions[m.session];
    if (logic === undefined) return;
    const nowMs = clockMs();
    const out = logic.onMessage(p.src, m, nowMs);
    for (const s of out.sends) this.transport.send(s.dst, s.msg);
    if (out.reply !== undefined) {
      const w = this.waiters[m.session];
      this.waiters[m.session] = null;
      w?.resolve(out.reply);
    } else if (out.sends.length > 0) {
      // Sends for a message are a hint's redirect, one resend.
      this.resends += out.sends.length;
      this.armBy(logic.wakeAtMs() ?? Infinity, nowMs);
    }
  }

  /** Makes the timer fire by `atMs` at the latest. */
  private armBy(atMs: number, nowMs: number): void {
    if (this.closed || atMs >= this.timerAtMs) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, Math.ceil(atMs - nowMs)));
  }

  /** Resends every request whose wait ran out, and sets the timer for the next one due. */
  private onTimer(): void {
    this.timer = null;
    this.timerAtMs = Infinity;
    const nowMs = clockMs();
    let next = Infinity;
    for (const logic of this.sessions) {
      if (!logic.busy) continue;
      const sends = logic.onTimer(nowMs);
      this.resends += sends.length;
      for (const s of sends) this.transport.send(s.dst, s.msg);
      next = Math.min(next, logic.wakeAtMs() ?? Infinity);
    }
    if (next !== Infinity) this.armBy(next, nowMs);
  }
}

/**
 * One client session with a client host of its own: an ephemeral key, a connection to every
 * replica, and one request at a time (`request` rejects while one is outstanding). The simple API;
 * `RslClient` carries many sessions over one host.
 */
export class RslSession {
  /** This session's client id at the replicas: `sessionClientId(hostId, 0)`. */
  readonly id: HostId;
  /** The id of its client host (the SHA-256 of its ephemeral public key). */
  readonly hostId: HostId;
  private readonly host: RslClientHost;

  /** Opens a session: generates its key and starts dialing the replicas. */
  constructor(options: RslSessionOptions, firstTarget = 0) {
    this.host = new RslClientHost(options, 1, firstTarget);
    this.hostId = this.host.hostId;
    this.id = this.host.clientId(0);
  }

  /** Whether a request is outstanding. */
  get busy(): boolean {
    return this.host.busy(0);
  }

  /** The replica this session believes leads (the last hinted, or moved to after a timeout). */
  get leaderGuess(): HostId {
    return this.host.leaderGuess(0);
  }

  /** Requests sent again after a timeout or a leader hint, over the session's life. */
  get totalResends(): number {
    return this.host.totalResends;
  }

  /**
   * Sends `payload` as this session's next request and resolves with the reply; it resends until a
   * reply comes, so it settles only with the reply or, if the session is closed first, by rejecting
   * with `RslClientClosedError`. Rejects at once if a request is outstanding or the payload is over
   * `rslRequestBytesMax` (programming errors).
   */
  request(payload: Uint8Array): Promise<Uint8Array> {
    return this.host.request(0, payload);
  }

  /** Closes the transport; an outstanding request rejects with `RslClientClosedError`. */
  close(): Promise<void> {
    return this.host.close();
  }
}

/** The most submits waiting for a free session; more are refused (a bound on memory). */
export const rslSubmitQueueLengthMax = 65_536;

/** Options of a client. */
export interface RslClientOptions extends RslSessionOptions {
  /**
   * How many sessions, so how many requests may be in flight at once: 1 to `rslClientSessionsMax`,
   * default `rslClientSessionsDefault` (4). Every session is a client the replicas remember for
   * good, so ask for what the load needs.
   */
  readonly sessions?: number;
}

/** A submit waiting for a free session. */
interface QueuedSubmit {
  readonly payload: Uint8Array;
  readonly resolve: (reply: Uint8Array) => void;
  readonly reject: (e: Error) => void;
}

/**
 * A client of an IronRSL service with many requests in flight: one client host (one key, one
 * connection per replica) with a pool of sessions, each with one request outstanding. `submit`
 * hands a request to an idle session, or queues it (in order, up to `rslSubmitQueueLengthMax`)
 * until one is free. Each request executes exactly once, however often it is resent, as long as
 * the client is not closed before its reply.
 *
 * Usage: `const c = new RslClient({service, sessions: 64}); const reply = await c.submit(bytes); await c.close();`
 */
export class RslClient {
  private readonly host: RslClientHost;
  /** Sessions with no request outstanding, the next to use last. */
  private readonly idle: number[];
  private readonly queue = new BoundedQueue<QueuedSubmit>(rslSubmitQueueLengthMax);
  private closed = false;

  /**
   * Opens the client's host with its sessions; it dials the replicas in the background. Throws a
   * `RangeError` for a session count outside 1 to `rslClientSessionsMax`.
   */
  constructor(options: RslClientOptions) {
    const n = options.sessions ?? rslClientSessionsDefault;
    this.host = new RslClientHost(options, n);
    this.idle = Array.from({ length: n }, (_, i) => n - 1 - i);
  }

  /** The id of the client host at the replicas (the SHA-256 of its ephemeral key). */
  get hostId(): HostId {
    return this.host.hostId;
  }

  /** The protocol client ids of the sessions, by session number (`sessionClientId(hostId, s)`). */
  get ids(): readonly HostId[] {
    return Array.from({ length: this.host.sessionCount }, (_, s) => this.host.clientId(s));
  }

  /** Submits not yet answered: in flight or waiting for a session. */
  get pending(): number {
    return this.host.sessionCount - this.idle.length + this.queue.length;
  }

  /** Requests sent again after a timeout or a leader hint, over the client's life. */
  get totalResends(): number {
    return this.host.totalResends;
  }

  /** The replica most sessions believe leads (the last a leader hint named, or a timeout moved to). */
  get leaderGuess(): HostId {
    const votes = new Map<HostId, number>();
    for (let s = 0; s < this.host.sessionCount; s++) {
      const g = this.host.leaderGuess(s);
      votes.set(g, (votes.get(g) ?? 0) + 1);
    }
    let best: HostId = '';
    let bestVotes = 0;
    for (const [g, v] of votes) {
      if (v > bestVotes) [best, bestVotes] = [g, v];
    }
    return best;
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
    if (this.idle.length === 0 && this.queue.length >= rslSubmitQueueLengthMax) {
      return Promise.reject(new RangeError(`${rslSubmitQueueLengthMax} submits already wait (rslSubmitQueueLengthMax)`));
    }
    return new Promise((resolve, reject) => {
      const q: QueuedSubmit = { payload, resolve, reject };
      const session = this.idle.pop();
      if (session !== undefined) this.start(session, q);
      else assert(this.queue.push(q), 'the submit queue has room');
    });
  }

  /** Closes the host; requests in flight or queued reject with `RslClientClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (let q = this.queue.shift(); q !== undefined; q = this.queue.shift()) {
      q.reject(new RslClientClosedError('the client was closed before the request was sent'));
    }
    await this.host.close();
  }

  private start(session: number, q: QueuedSubmit): void {
    this.host.send(session, q.payload, {
      resolve: (reply) => {
        q.resolve(reply);
        this.next(session);
      },
      reject: q.reject,
    });
  }

  /** Session `session` is free: it takes the oldest queued submit, or waits idle. */
  private next(session: number): void {
    const q = this.closed ? undefined : this.queue.shift();
    if (q === undefined) this.idle.push(session);
    else this.start(session, q);
  }
}
