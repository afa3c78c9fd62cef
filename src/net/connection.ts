/**
 * One authenticated connection to a peer: a TCP socket (under TLS 1.3 unless plaintext was asked
 * for), the peer's identity once admitted, a frame decoder for what arrives and a bounded writer
 * for what leaves. Whoever owns the connection decides admission, delivery and logging through
 * its hooks; the connection itself never throws on anything a peer sends.
 */
import { errorText } from '../core/errors.js';
import net from 'node:net';
import tls from 'node:tls';
import type { HostId } from '../framework/types.js';
import type { SizedCodec } from '../framework/codec.js';
import type { Result } from '../core/result.js';
import type { LocalIdentity } from './identity.js';
import type { TransportLimits } from './limits.js';
import type { TransportStats } from './stats.js';
import type { OutgoingMessage } from './frame.js';
import { encodeFrame, FrameBatch, frameHeaderBytes, FrameDecoder, frameSlabBytesDefault } from './frame.js';

/**
 * How connections are secured. With TLS, the peer's public key comes from its certificate and
 * the handshake proves the peer holds the private key. With `plaintext` (benchmarks only), each
 * side's first frame is its public key, which proves nothing.
 */
export interface Security {
  readonly plaintext: boolean;
  readonly identity: LocalIdentity;
  /** The TLS context built once from the identity (absent in plaintext mode). */
  readonly tlsContext: tls.SecureContext | null;
}

/** TLS 1.3 only: its handshake authenticates both ends' keys before any application data. */
const tlsVersion = 'TLSv1.3';

/** The security settings for a host with `identity`. */
export function makeSecurity(identity: LocalIdentity, plaintext: boolean): Security {
  const tlsContext = plaintext ? null : tls.createSecureContext({
    key: identity.privateKeyPem, cert: identity.certificatePem, minVersion: tlsVersion, maxVersion: tlsVersion,
  });
  return { plaintext, identity, tlsContext };
}

/** Opens a socket to `host:port` (TLS or plain per `security`); a Connection takes it from there. */
export function dialSocket(security: Security, host: string, port: number): net.Socket {
  if (security.tlsContext === null) return net.connect({ host, port });
  // Chain and host name checks are off on purpose: trust is the pinned key, checked on connect.
  return tls.connect({
    host, port, secureContext: security.tlsContext, rejectUnauthorized: false, minVersion: tlsVersion, maxVersion: tlsVersion,
  });
}

/**
 * A listening server that hands each new socket to `onSocket`: after the TLS handshake, or at
 * once in plaintext mode. Failed TLS handshakes go to `onHandshakeError`.
 */
export function createListener(
  security: Security, limits: TransportLimits, onSocket: (socket: net.Socket) => void,
  onHandshakeError: (error: Error, socket: net.Socket) => void,
): net.Server {
  if (security.tlsContext === null) return net.createServer(onSocket);
  const server = tls.createServer({
    // A server builds its own context from key and cert (it ignores `secureContext`).
    key: security.identity.privateKeyPem,
    cert: security.identity.certificatePem,
    // Ask for the peer's certificate but judge its key ourselves: there is no CA to verify against.
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: tlsVersion,
    maxVersion: tlsVersion,
    handshakeTimeout: limits.handshakeTimeoutMs,
  });
  server.on('secureConnection', onSocket);
  server.on('tlsClientError', onHandshakeError);
  return server;
}

/** What the owner of a connection decides and hears. */
export interface ConnectionHooks<M> {
  /** Whether the peer holding the key `publicKeyDer` may use this connection: its id, or why not. */
  admit(publicKeyDer: Buffer, conn: Connection<M>): Result<HostId, string>;
  /** The peer was admitted; frames may be written now. */
  onReady(conn: Connection<M>): void;
  /** A message arrived from the admitted peer. */
  onMessage(conn: Connection<M>, msg: M): void;
  /** The connection is closed (called once); `wasReady` tells a failed attempt from a lost link. */
  onClose(conn: Connection<M>, reason: string, wasReady: boolean): void;
}

/** Everything a connection needs. */
export interface ConnectionSetup<M> {
  readonly socket: net.Socket;
  /** A dialer waits for its socket to connect; an acceptor's socket is already connected. */
  readonly role: 'dialer' | 'acceptor';
  /** The peer's address (and name if known), for log lines. */
  readonly label: string;
  readonly security: Security;
  /** Decodes what arrives and writes what leaves, straight into the outgoing frames. */
  readonly codec: SizedCodec<M>;
  readonly limits: TransportLimits;
  readonly stats: TransportStats;
  readonly hooks: ConnectionHooks<M>;
}

/** A connection's life: authenticating its peer, carrying frames, or closed. */
export type ConnectionState = 'handshake' | 'ready' | 'closed';

/** One connection to one peer; see the module comment. */
export class Connection<M> {
  /** The admitted peer's id; null until admission. */
  peerId: HostId | null = null;
  private stateNow: ConnectionState = 'handshake';
  private readonly decoder: FrameDecoder;
  /** This turn's outgoing frames, written by the codec into a slab and sent as one write. */
  private readonly batch: FrameBatch<M>;
  private corked = false;
  private readonly socket: net.Socket;
  private readonly uncork = (): void => {
    this.corked = false;
    if (this.stateNow === 'closed') this.batch.discard();
    else this.batch.flush();
    this.socket.uncork();
  };

  /** Takes over `setup.socket`: from here on the connection handles all of its events. */
  constructor(private readonly setup: ConnectionSetup<M>) {
    const { socket, role, security, limits } = setup;
    this.socket = socket;
    this.decoder = new FrameDecoder(limits.frameBytesMax);
    this.batch = new FrameBatch(setup.codec, frameSlabBytesDefault, (bytes) => this.socket.write(bytes));
    socket.setTimeout(limits.handshakeTimeoutMs);
    socket.on('timeout', () => {
      if (this.stateNow === 'handshake') this.close(`no authenticated peer after ${limits.handshakeTimeoutMs} ms`);
    });
    socket.on('error', (e) => this.close(errorText(e)));
    socket.on('end', () => this.close('peer closed the connection'));
    socket.on('close', () => this.close('connection closed'));
    const begin = (): void => {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, limits.keepAliveDelayMs);
      if (security.plaintext) this.sendHello();
      else this.authenticateTls();
    };
    if (role === 'acceptor') begin();
    else socket.once(security.plaintext ? 'connect' : 'secureConnect', begin);
  }

  /** Where the connection is in its life. */
  get state(): ConnectionState {
    return this.stateNow;
  }

  /** The peer's address (and name if known), as log lines show it. */
  get label(): string {
    return this.setup.label;
  }

  /**
   * Writes the frame of `out` (sized by `framePayloadBytes`, which enforces frameBytesMax; encoded
   * here unless another peer's batch already holds its bytes, which are then copied); false (nothing written) when the connection is not ready or the
   * peer already has `sendQueueBytesMax` unsent bytes. The codec writes the message straight into
   * this turn's batch of frames, which goes to the socket as one write at the end of the current
   * turn of the event loop (the socket is corked until then), so a step's sends leave in as few
   * writes, TLS records and TCP segments as possible.
   */
  writeMessage(out: OutgoingMessage<M>): boolean {
    const frameBytes = frameHeaderBytes + out.payloadBytes;
    if (!this.hasRoomFor(frameBytes)) return false;
    this.corkForTurn();
    if (out.frame === null) out.frame = this.batch.append(out.msg, out.payloadBytes);
    else this.batch.appendFrame(out.frame);
    this.setup.stats.framesSent++;
    this.setup.stats.bytesSent += frameBytes;
    return true;
  }

  /**
   * Writes a frame built earlier (one queued while the peer was unreachable), after the frames
   * already batched this turn; false (nothing written) as for `writeMessage`. The socket keeps a
   * reference to `frame` until it is sent: the caller must not change it.
   */
  writeFrame(frame: Buffer): boolean {
    if (!this.hasRoomFor(frame.length)) return false;
    this.batch.flush();
    this.writeCorked(frame);
    this.setup.stats.framesSent++;
    this.setup.stats.bytesSent += frame.length;
    return true;
  }

  /** Closes the connection (once) and tells the owner why. */
  close(reason: string): void {
    if (this.stateNow === 'closed') return;
    const wasReady = this.stateNow === 'ready';
    this.stateNow = 'closed';
    this.socket.destroy();
    this.setup.hooks.onClose(this, reason, wasReady);
  }

  /** Whether the peer is admitted and the connection open (a method, so hooks' effects are seen). */
  private isReady(): boolean {
    return this.stateNow === 'ready';
  }

  /** Whether a frame of `frameBytes` may be written now: ready, and within sendQueueBytesMax unsent. */
  private hasRoomFor(frameBytes: number): boolean {
    if (this.stateNow !== 'ready') return false;
    return this.socket.writableLength + this.batch.pendingBytes + frameBytes <= this.setup.limits.sendQueueBytesMax;
  }

  /** Corks the socket until the end of this turn, when the batch is flushed and the socket uncorked. */
  private corkForTurn(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(this.uncork);
  }

  private writeCorked(bytes: Buffer): void {
    this.corkForTurn();
    this.socket.write(bytes);
  }

  private authenticateTls(): void {
    if (this.stateNow !== 'handshake') return;
    const certificate = (this.socket as tls.TLSSocket).getPeerX509Certificate();
    if (certificate === undefined) {
      this.reject('no certificate presented');
      return;
    }
    this.admit(certificate.publicKey.export({ format: 'der', type: 'spki' }));
    if (this.isReady()) this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  /** Plaintext mode: our public key goes first; the peer's arrives as its first frame. */
  private sendHello(): void {
    if (this.stateNow !== 'handshake') return;
    const hello = encodeFrame(this.setup.security.identity.publicKeyDer, this.setup.limits.frameBytesMax);
    if (!hello.ok) {
      this.reject(`cannot send hello: ${hello.error}`);
      return;
    }
    this.writeCorked(hello.value);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private admit(publicKeyDer: Buffer): void {
    const admitted = this.setup.hooks.admit(publicKeyDer, this);
    if (this.stateNow !== 'handshake') return;
    if (!admitted.ok) {
      this.reject(admitted.error);
      return;
    }
    this.peerId = admitted.value;
    this.stateNow = 'ready';
    this.socket.setTimeout(0);
    this.setup.stats.connectionsAccepted++;
    this.setup.hooks.onReady(this);
  }

  private reject(reason: string): void {
    this.setup.stats.connectionsRejected++;
    this.close(reason);
  }

  private onData(chunk: Buffer): void {
    const pushed = this.decoder.push(chunk, (payload) => this.onPayload(payload));
    if (!pushed.ok) {
      this.setup.stats.malformedFrames++;
      this.close(`malformed frame: ${pushed.error}`);
    }
  }

  /** One frame's payload; returns whether to keep reading. */
  private onPayload(payload: Buffer): boolean {
    switch (this.stateNow) {
      case 'closed':
        return false;
      case 'handshake':
        this.admit(Buffer.from(payload));
        return this.isReady();
      case 'ready':
        break;
      default: {
        const never: never = this.stateNow;
        return never;
      }
    }
    let decoded;
    try {
      decoded = this.setup.codec.decode(payload);
    } catch (e) {
      // Decoders must not throw; if one does, the bytes came from a peer, so the connection goes, not the host.
      this.setup.stats.malformedFrames++;
      this.close(`malformed frame: the decoder threw (a codec bug): ${errorText(e)}`);
      return false;
    }
    if (!decoded.ok) {
      const e = decoded.error;
      this.setup.stats.malformedFrames++;
      this.close(`malformed frame: undecodable message (${e.kind} at byte ${e.offset} in ${e.path}: ${e.message})`);
      return false;
    }
    this.setup.stats.framesReceived++;
    this.setup.stats.bytesReceived += frameHeaderBytes + payload.length;
    this.setup.hooks.onMessage(this, decoded.value);
    return this.isReady();
  }
}
