/**
 * The link from this host to one server of the service: it dials the server, checks that the key
 * the server presents is the one the service file pins, reconnects with capped exponential
 * backoff when the connection is lost, and holds a bounded queue of frames while the server is
 * unreachable.
 */
import type { HostId } from '../framework/types.js';
import type { SizedCodec } from '../framework/codec.js';
import { err, ok } from '../core/result.js';
import { assert } from '../core/assert.js';
import { BoundedQueue } from '../core/bounded.js';
import type { ServerEntry } from './service-file.js';
import type { TransportLimits } from './limits.js';
import { reconnectDelayMs } from './limits.js';
import type { DropReason, TransportStats } from './stats.js';
import type { Logger } from './log.js';
import { formatAddress } from './log.js';
import type { Security } from './connection.js';
import { Connection, dialSocket } from './connection.js';
import { hostIdOfPublicKey, shortId } from './identity.js';
import type { OutgoingMessage } from './frame.js';
import { frameHeaderBytes } from './frame.js';

/** What a link shares with its transport. */
export interface LinkContext<M> {
  readonly security: Security;
  readonly codec: SizedCodec<M>;
  readonly limits: TransportLimits;
  readonly stats: TransportStats;
  readonly logger: Logger;
  /** Hands a message from the server (authenticated as `src`) to the transport's receiver. */
  readonly deliver: (src: HostId, msg: M) => void;
}

/** What became of one send over a link. */
export type LinkSendOutcome = 'sent' | 'queued' | DropReason;

/** The link to one server; see the module comment. */
export class OutboundLink<M> {
  private conn: Connection<M> | null = null;
  private readonly queue: BoundedQueue<Buffer>;
  private queuedBytes = 0;
  /** Consecutive attempts that did not yield a lasting connection; sets the backoff. */
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The last failure logged, so a long outage logs one line, not one per attempt. */
  private lastProblem: string | null = null;
  private readySinceMs = 0;
  private readonly label: string;

  /** A link to `target`; call start() to dial. */
  constructor(readonly target: ServerEntry, private readonly ctx: LinkContext<M>) {
    this.queue = new BoundedQueue(ctx.limits.sendQueueFramesMax);
    this.label = `${target.name} at ${formatAddress(target.host, target.port)}`;
  }

  /** Dials the server; from here on the link keeps trying until closed. */
  start(): void {
    if (!this.closed && this.conn === null && this.retryTimer === null) this.connect();
  }

  /** Whether frames are going straight to a connected, authenticated server. */
  get connected(): boolean {
    return this.conn?.state === 'ready';
  }

  /** Frames and bytes waiting for the server to become reachable. */
  queued(): { frames: number; bytes: number } {
    return { frames: this.queue.length, bytes: this.queuedBytes };
  }

  /**
   * Sends `out` (sized by `framePayloadBytes`, which enforces frameBytesMax): written straight into the connection's batch if the server is
   * connected, else framed in a buffer of its own and queued within sendQueueFramesMax and
   * sendQueueBytesMax, else dropped (before anything is encoded).
   */
  send(out: OutgoingMessage<M>): LinkSendOutcome {
    if (this.closed) return 'stopped';
    const conn = this.conn;
    if (conn !== null && conn.state === 'ready') return conn.writeMessage(out) ? 'sent' : 'backpressure';
    const frameBytes = frameHeaderBytes + out.payloadBytes;
    if (this.queuedBytes + frameBytes > this.ctx.limits.sendQueueBytesMax) return 'queueFull';
    if (this.queue.length >= this.queue.lengthMax) return 'queueFull';
    const frame = out.ownFrame(this.ctx.codec);
    const pushed = this.queue.push(frame);
    assert(pushed, 'the queue had room');
    this.queuedBytes += frame.length;
    return 'queued';
  }

  /** Stops dialing, drops the queue and closes the connection. */
  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.ctx.stats.dropped.stopped += this.queue.length;
    this.queue.clear();
    this.queuedBytes = 0;
    this.conn?.close('transport stopped');
    this.conn = null;
  }

  private connect(): void {
    const { target, ctx } = this;
    this.conn = new Connection<M>({
      socket: dialSocket(ctx.security, target.host, target.port),
      role: 'dialer',
      label: this.label,
      security: ctx.security,
      codec: ctx.codec,
      limits: ctx.limits,
      stats: ctx.stats,
      hooks: {
        admit: (publicKeyDer) => {
          const id = hostIdOfPublicKey(publicKeyDer);
          return id === target.id
            ? ok(id)
            : err(`${target.name} presented public key ${shortId(id)}, but the service file pins ${shortId(target.id)}`);
        },
        onReady: (conn) => this.onReady(conn),
        onMessage: (_conn, msg) => ctx.deliver(target.id, msg),
        onClose: (conn, reason, wasReady) => this.onClose(conn, reason, wasReady),
      },
    });
  }

  private onReady(conn: Connection<M>): void {
    this.readySinceMs = Date.now();
    if (this.lastProblem !== null) this.ctx.logger(`connected to ${this.label}`);
    for (let frame = this.queue.shift(); frame !== undefined; frame = this.queue.shift()) {
      this.queuedBytes -= frame.length;
      if (!conn.writeFrame(frame)) this.ctx.stats.dropped.backpressure++;
    }
    this.queuedBytes = 0;
  }

  private onClose(conn: Connection<M>, reason: string, wasReady: boolean): void {
    if (this.conn !== conn) return;
    this.conn = null;
    if (this.closed) return;
    // A connection that the server drops at once (say, it does not know our key) must not reset
    // the backoff, or we would redial it in a tight loop.
    if (wasReady && Date.now() - this.readySinceMs >= this.ctx.limits.reconnectDelayMaxMs) {
      this.failures = 0;
      this.lastProblem = null;
    }
    const delayMs = reconnectDelayMs(this.ctx.limits, this.failures);
    this.failures++;
    const problem = `${wasReady ? 'lost connection' : 'cannot connect'} to ${this.label}: ${reason}`;
    if (problem !== this.lastProblem) this.ctx.logger(`${problem}; retrying in ${delayMs} ms (repeats not logged)`);
    this.lastProblem = problem;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) this.connect();
    }, delayMs);
  }
}
