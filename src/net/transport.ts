/**
 * The transport: best-effort delivery of typed messages between the hosts of a service over TCP
 * with TLS 1.3, mutually authenticated by pinned public keys (trust model in docs/net.md).
 *
 * A server listens at its address in the service file and dials every other server; messages to a
 * server go over the connection this host dialed, messages to a client go back over the
 * connection the client opened. A client process (not in the service file) has an ephemeral key
 * and dials the servers. Every delivered packet's `src` is the id of the key the peer proved it
 * holds, never something the peer claims.
 */
import { errorText } from '../core/errors.js';
import type { Server, Socket } from 'node:net';
import type { HostId, Packet } from '../framework/types.js';
import type { MessageCodec, SizedCodec } from '../framework/codec.js';
import { sizedCodec } from '../framework/codec.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { assert } from '../core/assert.js';
import { BoundedQueue } from '../core/bounded.js';
import type { LocalIdentity } from './identity.js';
import { generateIdentity, hostIdOfPublicKey, shortId } from './identity.js';
import type { ServerIdentity, ServiceConfig } from './service-file.js';
import type { TransportLimits } from './limits.js';
import { transportLimits } from './limits.js';
import type { DropReason, TransportStats } from './stats.js';
import { copyStats, emptyStats } from './stats.js';
import type { Logger } from './log.js';
import { formatAddress, stderrLogger } from './log.js';
import type { Security } from './connection.js';
import { Connection, createListener, makeSecurity } from './connection.js';
import { framePayloadBytes, frameHeaderBytes, OutgoingMessage } from './frame.js';
import { OutboundLink } from './outbound-link.js';

/** Receives each delivered packet. */
export type PacketReceiver<M> = (packet: Packet<M>) => void;

/** A host's view of the network: best-effort, authenticated, typed messages. */
export interface Transport<M> {
  /** This host's id (the SHA-256 of its public key). */
  readonly me: HostId;
  /**
   * Sends `msg` to `dst`, best effort: written, queued within bounds while `dst` is unreachable,
   * or dropped (and counted). Never blocks and never throws for network reasons.
   */
  send(dst: HostId, msg: M): void;
  /** Sends `msg` to each of `dsts`, as `send` to each in turn would, encoding it once. */
  sendAll(dsts: readonly HostId[], msg: M): void;
  /** Where delivered packets go from now on. Until set, arriving packets are discarded. */
  setReceiver(receiver: PacketReceiver<M>): void;
  /** The counters so far (a snapshot). */
  stats(): TransportStats;
  /** Frames and bytes queued for `dst` while it is unreachable. */
  queuedTo(dst: HostId): { frames: number; bytes: number };
  /** Whether messages to server `dst` currently go straight onto an authenticated connection. */
  isConnectedTo(dst: HostId): boolean;
  /** Closes every connection and stops listening and dialing. */
  close(): Promise<void>;
}

/** Options shared by server and client transports. */
export interface TransportCommonOptions<M> {
  /**
   * How messages become frame payloads and back. A codec with `size` and `encodeInto` (every
   * codec compiled from a grammar) writes each message straight into its frame; one without them
   * works too, at the cost of encoding each message twice and copying it (`sizedCodec`).
   */
  readonly codec: MessageCodec<M>;
  /** Overrides of the default limits and timings. */
  readonly limits?: Partial<TransportLimits>;
  /** Where log lines go (default: stderr). */
  readonly logger?: Logger;
  /** Plain TCP with unauthenticated hello frames, only to measure what TLS costs. */
  readonly insecurePlaintext?: boolean;
  /** Packets go here; can also be set later with setReceiver. */
  readonly receiver?: PacketReceiver<M>;
  /**
   * The host's promise that no message it sends is ever changed afterwards, nor any message
   * delivered to it. A message to itself is then delivered as the very value sent; otherwise
   * (the default) it goes through the codec as to any peer, so what arrives is a copy.
   */
  readonly immutableMessages?: boolean;
}

/** Options of a server's transport. */
export interface ServerTransportOptions<M> extends TransportCommonOptions<M> {
  /** The service and which of its servers this process is. */
  readonly server: ServerIdentity;
  /** Whether hosts not in the service file (clients, with any key) may connect. */
  readonly acceptClients: boolean;
  /** Address to listen on instead of the service file's (e.g. '0.0.0.0'); the port stays. */
  readonly listenHost?: string;
}

/** Options of a client's transport. */
export interface ClientTransportOptions<M> extends TransportCommonOptions<M> {
  /** The service whose servers the client talks to. */
  readonly service: ServiceConfig;
  /** The client's key (default: a fresh ephemeral one). */
  readonly identity?: LocalIdentity;
}

/** A server's transport, once listening. */
export interface ServerTransport<M> extends Transport<M> {
  /** The address and port it listens on. */
  readonly listening: { readonly host: string; readonly port: number };
}

/**
 * Starts a server's transport: listens at the server's address and dials the other servers.
 * Fails (as a value) if it cannot listen, for example because the port is taken.
 */
export async function startServerTransport<M>(options: ServerTransportOptions<M>): Promise<Result<ServerTransport<M>, string>> {
  const transport = new TransportCore<M>(options, options.server.identity, options.server.service, options.acceptClients);
  const { host, port } = options.server.server;
  const listenHost = options.listenHost ?? host;
  const listening = await transport.listen(listenHost, port);
  if (!listening.ok) {
    await transport.close();
    return err(`cannot listen on ${formatAddress(listenHost, port)}: ${listening.error}`);
  }
  transport.dialServers();
  return ok(Object.assign(transport, { listening: listening.value }));
}

/** Starts a client's transport: an ephemeral (or given) key, dialing every server of the service. */
export function startClientTransport<M>(options: ClientTransportOptions<M>): Transport<M> {
  const transport = new TransportCore<M>(options, options.identity ?? generateIdentity(), options.service, false);
  transport.dialServers();
  return transport;
}

/** The transport behind both kinds of host. */
class TransportCore<M> implements Transport<M> {
  readonly me: HostId;
  private readonly limits: TransportLimits;
  private readonly logger: Logger;
  private readonly codec: SizedCodec<M>;
  private readonly security: Security;
  private readonly counters: TransportStats = emptyStats();
  private receiver: PacketReceiver<M> | null;
  private readonly immutableMessages: boolean;
  private readonly links = new Map<HostId, OutboundLink<M>>();
  /** Admitted inbound connections by peer id; the newest wins. */
  private readonly inbound = new Map<HostId, Connection<M>>();
  /** Inbound connections still authenticating. */
  private readonly handshaking = new Set<Connection<M>>();
  private clientConnections = 0;
  /** Messages this host sent to itself, delivered on a later turn like any other packet. */
  private readonly loopback: BoundedQueue<M>;
  private loopbackScheduled = false;
  private server: Server | null = null;
  /** Every accepted TCP socket, including those still in the TLS handshake, so close() can end them. */
  private readonly sockets = new Set<Socket>();
  private closed = false;

  constructor(
    options: TransportCommonOptions<M>, identity: LocalIdentity, private readonly service: ServiceConfig,
    private readonly acceptClients: boolean,
  ) {
    this.me = identity.id;
    this.limits = transportLimits(options.limits);
    checkLimits(this.limits);
    this.logger = options.logger ?? stderrLogger;
    this.codec = sizedCodec(options.codec);
    this.receiver = options.receiver ?? null;
    this.immutableMessages = options.immutableMessages === true;
    this.security = makeSecurity(identity, options.insecurePlaintext === true);
    this.loopback = new BoundedQueue(this.limits.sendQueueFramesMax);
  }

  setReceiver(receiver: PacketReceiver<M>): void {
    this.receiver = receiver;
  }

  stats(): TransportStats {
    return copyStats(this.counters);
  }

  queuedTo(dst: HostId): { frames: number; bytes: number } {
    return this.links.get(dst)?.queued() ?? { frames: 0, bytes: 0 };
  }

  isConnectedTo(dst: HostId): boolean {
    return this.links.get(dst)?.connected ?? false;
  }

  send(dst: HostId, msg: M): void {
    const out = this.outgoing(msg, dst);
    if (out !== null) this.sendOne(dst, out);
  }

  sendAll(dsts: readonly HostId[], msg: M): void {
    const out = this.outgoing(msg, dsts[0] ?? this.me);
    if (out === null) {
      // Dropped before any destination: count the rest as the first was counted.
      for (let i = 1; i < dsts.length; i++) this.drop(this.closed ? 'stopped' : 'frameTooLarge');
      return;
    }
    for (const dst of dsts) this.sendOne(dst, out);
  }

  /**
   * `msg` sized once, here, where the frame maximum is enforced (the codec then writes it straight
   * into its frame on whichever path it takes, once however many peers it goes to); null, with
   * the drop counted, when the transport is closed or the message is too large.
   */
  private outgoing(msg: M, dst: HostId): OutgoingMessage<M> | null {
    if (this.closed) {
      this.drop('stopped');
      return null;
    }
    const payloadBytes = framePayloadBytes(this.codec, msg, this.limits.frameBytesMax);
    if (!payloadBytes.ok) {
      this.logger(`dropped a message to ${shortId(dst)}: ${payloadBytes.error}`);
      this.drop('frameTooLarge');
      return null;
    }
    return new OutgoingMessage(msg, payloadBytes.value);
  }

  private sendOne(dst: HostId, out: OutgoingMessage<M>): void {
    if (dst === this.me) {
      this.sendToSelf(out);
      return;
    }
    const link = this.links.get(dst);
    if (link !== undefined) {
      const outcome = link.send(out);
      if (outcome !== 'sent' && outcome !== 'queued') this.drop(outcome);
      return;
    }
    const conn = this.inbound.get(dst);
    if (conn === undefined) this.drop('noRoute');
    else if (!conn.writeMessage(out)) this.drop('backpressure');
  }

  /** Listens for inbound connections; the bound address, or why listening failed. */
  listen(host: string, port: number): Promise<Result<{ host: string; port: number }, string>> {
    const server = createListener(this.security, this.limits, (socket) => this.accept(socket), (e, socket) => {
      this.counters.connectionsRejected++;
      this.logger(`closed connection from ${formatAddress(socket.remoteAddress, socket.remotePort)}: TLS handshake failed: ${errorText(e)}`);
    });
    // Servers of the service plus clients, each with one admitted connection, plus as many again
    // still handshaking: past that the kernel-level accept is refused.
    server.maxConnections = 2 * (this.service.servers.length + (this.acceptClients ? this.limits.clientConnectionsMax : 0));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    return new Promise((resolve) => {
      const onError = (e: Error): void => resolve(err(errorText(e)));
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        server.on('error', (e) => this.logger(`listener error: ${errorText(e)}`));
        const address = server.address();
        const boundPort = typeof address === 'object' && address !== null ? address.port : port;
        resolve(ok({ host, port: boundPort }));
      });
    });
  }

  /** Starts a link to every server of the service other than this host. */
  dialServers(): void {
    for (const target of this.service.servers) {
      if (target.id === this.me || this.links.has(target.id)) continue;
      const link = new OutboundLink<M>(target, {
        security: this.security, codec: this.codec, limits: this.limits, stats: this.counters, logger: this.logger,
        deliver: (src, msg) => this.deliver(src, msg),
      });
      this.links.set(target.id, link);
      link.start();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) link.close();
    for (const conn of [...this.handshaking, ...this.inbound.values()]) conn.close('transport stopped');
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.counters.dropped.stopped += this.loopback.length;
    this.loopback.clear();
    const server = this.server;
    if (server !== null && server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const label = formatAddress(socket.remoteAddress, socket.remotePort);
    if (this.closed) {
      socket.destroy();
      return;
    }
    const conn = new Connection<M>({
      socket, role: 'acceptor', label, security: this.security, codec: this.codec, limits: this.limits, stats: this.counters,
      hooks: {
        admit: (publicKeyDer) => this.admit(publicKeyDer),
        onReady: (c) => this.onInboundReady(c),
        onMessage: (c, msg) => {
          if (c.peerId !== null) this.deliver(c.peerId, msg);
        },
        onClose: (c, reason) => this.onInboundClose(c, reason),
      },
    });
    if (conn.state === 'handshake') this.handshaking.add(conn);
  }

  /** Server-side admission: servers of the service always; others only as clients, within the bound. */
  private admit(publicKeyDer: Buffer): Result<HostId, string> {
    const id = hostIdOfPublicKey(publicKeyDer);
    if (this.service.byId.has(id)) return ok(id);
    if (!this.acceptClients) return err(`unknown public key ${shortId(id)}`);
    if (this.clientConnections >= this.limits.clientConnectionsMax && !this.inbound.has(id)) {
      return err(`too many client connections (clientConnectionsMax ${this.limits.clientConnectionsMax})`);
    }
    return ok(id);
  }

  private onInboundReady(conn: Connection<M>): void {
    this.handshaking.delete(conn);
    const id = conn.peerId;
    assert(id !== null, 'an admitted connection has a peer id');
    const older = this.inbound.get(id);
    this.inbound.set(id, conn);
    if (older === undefined) {
      if (!this.service.byId.has(id)) this.clientConnections++;
    } else {
      // The older connection no longer counts (it is not in `inbound`); this one took its place.
      older.close('replaced by a newer connection from the same host');
    }
  }

  private onInboundClose(conn: Connection<M>, reason: string): void {
    this.handshaking.delete(conn);
    const id = conn.peerId;
    if (id !== null && this.inbound.get(id) === conn) {
      this.inbound.delete(id);
      if (!this.service.byId.has(id)) this.clientConnections--;
    }
    if (this.closed) return;
    const who = id === null ? '' : ` (${this.service.byId.get(id)?.name ?? 'client'} ${shortId(id)})`;
    this.logger(`closed connection from ${conn.label}${who}: ${reason}`);
  }

  private deliver(src: HostId, msg: M): void {
    if (this.closed) return;
    this.receiver?.({ src, dst: this.me, msg });
  }

  /**
   * A message to this host, delivered later: the value sent when messages are immutable, else a
   * copy through the codec (as the network would make), which the sender cannot change.
   */
  private sendToSelf(out: OutgoingMessage<M>): void {
    let msg = out.msg;
    if (!this.immutableMessages) {
      const frame = out.frame ?? out.ownFrame(this.codec);
      const decoded = this.codec.decode(frame.subarray(frameHeaderBytes));
      assert(decoded.ok, () => `the codec cannot decode what it encoded: ${decoded.ok ? '' : decoded.error.message}`);
      msg = decoded.value;
    }
    if (!this.loopback.push(msg)) {
      this.drop('queueFull');
      return;
    }
    this.counters.framesSent++;
    this.counters.bytesSent += frameHeaderBytes + out.payloadBytes;
    if (this.loopbackScheduled) return;
    this.loopbackScheduled = true;
    setImmediate(() => {
      this.loopbackScheduled = false;
      for (let n = this.loopback.length; n > 0 && !this.closed; n--) {
        const msg = this.loopback.shift();
        if (msg === undefined) break;
        this.counters.framesReceived++;
        this.deliver(this.me, msg);
      }
    });
  }

  private drop(reason: DropReason): void {
    this.counters.dropped[reason]++;
  }
}

function checkLimits(limits: TransportLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    assert(Number.isSafeInteger(value) && value > 0, () => `transport limit ${name} must be a positive integer, got ${String(value)}`);
  }
  assert(limits.reconnectDelayMinMs <= limits.reconnectDelayMaxMs, 'reconnectDelayMinMs must not exceed reconnectDelayMaxMs');
  assert(limits.frameBytesMax + frameHeaderBytes <= limits.sendQueueBytesMax, 'a whole frame must fit in sendQueueBytesMax');
}
