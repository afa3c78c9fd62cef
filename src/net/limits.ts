/**
 * The transport's limits and timings. Everything that can grow has a maximum: frames, per-peer
 * send queues, client connections, handshakes. Defaults suit a LAN deployment; tests shorten the
 * timings.
 */

/** Limits and timings of a transport. */
export interface TransportLimits {
  /** Largest frame payload (one encoded message) sent or accepted, in bytes. */
  readonly frameBytesMax: number;
  /** Most frames queued for one peer while it is unreachable. */
  readonly sendQueueFramesMax: number;
  /**
   * Most bytes queued for one peer: while it is unreachable (the queue), and while it is
   * connected but slow (the socket's unsent bytes). Sends past either bound are dropped.
   */
  readonly sendQueueBytesMax: number;
  /** First delay before reconnecting to a lost peer; doubles per failed attempt. */
  readonly reconnectDelayMinMs: number;
  /** Cap on the reconnection delay. */
  readonly reconnectDelayMaxMs: number;
  /** Time a connection may take from TCP connect to an authenticated peer. */
  readonly handshakeTimeoutMs: number;
  /** Most simultaneous client connections a server accepts (servers of the service always get in). */
  readonly clientConnectionsMax: number;
  /** TCP keepalive probe delay, so a silently dead peer is noticed. */
  readonly keepAliveDelayMs: number;
}

/** The default limits. */
export const defaultTransportLimits: TransportLimits = {
  frameBytesMax: 8 * 1024 * 1024,
  sendQueueFramesMax: 4096,
  sendQueueBytesMax: 32 * 1024 * 1024,
  reconnectDelayMinMs: 50,
  reconnectDelayMaxMs: 2000,
  handshakeTimeoutMs: 10_000,
  clientConnectionsMax: 1024,
  keepAliveDelayMs: 10_000,
};

/** `defaultTransportLimits` with `overrides` applied. */
export function transportLimits(overrides: Partial<TransportLimits> = {}): TransportLimits {
  return { ...defaultTransportLimits, ...overrides };
}

/** The reconnection delay after `failures` consecutive failed attempts (0 for the first retry). */
export function reconnectDelayMs(limits: TransportLimits, failures: number): number {
  const exponent = Math.min(failures, 30);
  return Math.min(limits.reconnectDelayMaxMs, limits.reconnectDelayMinMs * 2 ** exponent);
}
