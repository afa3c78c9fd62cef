/**
 * Helpers for tests, benchmarks and local demos of code built on the transport: a tiny string
 * codec, free loopback ports and a service on them. Not used by servers.
 */
import net from 'node:net';
import type { SizedCodec } from '../framework/codec.js';
import { err, ok } from '../core/result.js';
import { assert } from '../core/assert.js';
import type { ServerIdentity, ServiceConfig } from './service-file.js';
import type { HostId, Packet } from '../framework/types.js';
import type { Transport } from './transport.js';
import { emptyStats, type TransportStats } from './stats.js';
import { generateService } from './service-file.js';

/** The tag byte that starts every frame of `stringCodec` ('S'). */
export const stringTag = 0x53;

/**
 * A codec for strings: the byte 'S' then UTF-8. Anything else is refused. It writes straight into
 * a caller's buffer (`size`, `encodeInto`), as codecs on a hot path do, so transport tests and
 * benchmarks take the same path as compiled codecs.
 */
export const stringCodec: SizedCodec<string> = {
  encode: (msg) => {
    const out = Buffer.allocUnsafe(1 + Buffer.byteLength(msg, 'utf8'));
    out[0] = stringTag;
    out.write(msg, 1, 'utf8');
    return out;
  },
  size: (msg) => 1 + Buffer.byteLength(msg, 'utf8'),
  encodeInto: (msg, out, offset) => {
    const textBytes = Buffer.byteLength(msg, 'utf8');
    const end = offset + 1 + textBytes;
    assert(Number.isInteger(offset) && offset >= 0 && end <= out.length,
      () => `${1 + textBytes} bytes do not fit at offset ${offset} of a ${out.length}-byte buffer`);
    out[offset] = stringTag;
    const text = Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.length);
    text.write(msg, offset + 1, textBytes, 'utf8');
    return end;
  },
  decode: (bytes) => {
    if (bytes.length === 0) return err({ kind: 'truncated', offset: 0, path: 'string.tag', message: 'empty frame' });
    if (bytes[0] !== stringTag) {
      return err({ kind: 'unknownTag', offset: 0, path: 'string.tag', message: `tag ${String(bytes[0])} is not ${stringTag}` });
    }
    try {
      return ok(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(1)));
    } catch {
      return err({ kind: 'invalid', offset: 1, path: 'string.text', message: 'not UTF-8' });
    }
  },
};

/** `count` distinct TCP ports on 127.0.0.1 that were free a moment ago (the OS chose them). */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const address = server.address();
      if (typeof address === 'object' && address !== null) ports.push(address.port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
  return ports;
}

/**
 * A fresh service NAME.TYPE of `count` servers on free loopback ports, and each server's identity
 * (key material included), in the service's order.
 */
export async function loopbackService(
  count: number, name: string, type: string,
): Promise<{ service: ServiceConfig; servers: ServerIdentity[] }> {
  const ports = await freeLoopbackPorts(count);
  const generated = generateService(name, type, ports.map((port) => ({ host: '127.0.0.1', port })));
  assert(generated.ok, () => `a loopback service must be valid: ${generated.ok ? '' : generated.error}`);
  const { service, identities } = generated.value;
  const servers = service.servers.map((server, i) => {
    const identity = identities[i];
    assert(identity !== undefined, 'generateService returns an identity per server');
    return { service, server, identity };
  });
  return { service, servers };
}

/**
 * How long `waitFor` waits by default: near the test timeout (vitest.config.ts), so that a loaded
 * machine makes a test slower but does not fail it; the rejection still names what never happened.
 */
export const waitForDefaultMs = 50_000;

/** Resolves when `condition()` holds, checking every `intervalMs`; rejects after `timeoutMs` with `what`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = waitForDefaultMs, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * A transport for tests of what a host sends: it records every send (a `sendAll` as one packet per
 * destination, each marked with `all`, the run's length), calls `onSend` first, and lets the test
 * deliver packets by hand.
 */
export class FakeTransport<M> implements Transport<M> {
  readonly sent: (Packet<M> & { readonly all?: number })[] = [];
  closed = false;
  private receiver: ((p: Packet<M>) => void) | null = null;

  constructor(readonly me: HostId = 'host-a', private readonly onSend: (msg: M) => void = () => {}) {}

  send(dst: HostId, msg: M): void {
    this.onSend(msg);
    this.sent.push({ src: this.me, dst, msg });
  }

  sendAll(dsts: readonly HostId[], msg: M): void {
    this.onSend(msg);
    for (const dst of dsts) this.sent.push({ src: this.me, dst, msg, all: dsts.length });
  }

  setReceiver(receiver: (p: Packet<M>) => void): void {
    this.receiver = receiver;
  }

  deliver(src: HostId, msg: M): void {
    this.receiver?.({ src, dst: this.me, msg });
  }

  stats(): TransportStats {
    return emptyStats();
  }

  queuedTo(): { frames: number; bytes: number } {
    return { frames: 0, bytes: 0 };
  }

  isConnectedTo(): boolean {
    return false;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
