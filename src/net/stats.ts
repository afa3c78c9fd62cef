/**
 * Counters of a transport: what it sent, received, dropped and refused. Drops are counted by
 * reason, because a send is best effort and the reason a message never left matters when
 * reading a benchmark or a failed test.
 */

/** Why a send was dropped instead of written or queued. */
export type DropReason =
  /** The peer is unreachable and its queue is at sendQueueFramesMax or sendQueueBytesMax. */
  | 'queueFull'
  /** The peer is connected but has sendQueueBytesMax unsent bytes already. */
  | 'backpressure'
  /** The encoded message is larger than frameBytesMax. */
  | 'frameTooLarge'
  /** No server has this id and no client with this id is connected. */
  | 'noRoute'
  /** The transport was closed. */
  | 'stopped';

/** A transport's counters since it started. */
export interface TransportStats {
  /** Frames handed to a socket (hello frames of plaintext mode excluded). */
  framesSent: number;
  bytesSent: number;
  /** Messages decoded and delivered. */
  framesReceived: number;
  bytesReceived: number;
  /** Sends dropped, by reason. */
  readonly dropped: Record<DropReason, number>;
  /** Connections whose peer was authenticated and admitted. */
  connectionsAccepted: number;
  /** Connections closed before admission: failed handshake, unknown key, wrong pinned key, too many clients. */
  connectionsRejected: number;
  /** Connections closed because a frame was oversize or did not decode. */
  malformedFrames: number;
}

/** Counters all at zero. */
export function emptyStats(): TransportStats {
  return {
    framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0,
    dropped: { queueFull: 0, backpressure: 0, frameTooLarge: 0, noRoute: 0, stopped: 0 },
    connectionsAccepted: 0, connectionsRejected: 0, malformedFrames: 0,
  };
}

/** A copy of `stats`, so callers can compare snapshots. */
export function copyStats(stats: TransportStats): TransportStats {
  return { ...stats, dropped: { ...stats.dropped } };
}
