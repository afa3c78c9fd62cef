/**
 * Benchmark of the transport on loopback: echo throughput and round-trip latency between two
 * server transports, with TLS 1.3 and with insecure plaintext, to show what TLS costs.
 */
import type { Benchmark, BenchFigure, BenchOptions } from './types.js';
import type { Packet } from '../framework/types.js';
import { startServerTransport, type ServerTransport } from '../net/transport.js';
import { loopbackService, stringCodec } from '../net/testkit.js';

const messageBytes = 100;
const windowMessages = 1000;

async function pair(plaintext: boolean): Promise<[ServerTransport<string>, ServerTransport<string>]> {
  const { servers } = await loopbackService(2, 'bench', 'net');
  const started: ServerTransport<string>[] = [];
  for (const server of servers) {
    const t = await startServerTransport<string>({ server, codec: stringCodec, acceptClients: false, insecurePlaintext: plaintext, logger: () => {} });
    if (!t.ok) throw new Error(t.error);
    started.push(t.value);
  }
  const [a, b] = started;
  if (a === undefined || b === undefined) throw new Error('missing transport');
  b.setReceiver((p) => b.send(p.src, p.msg));
  // Warm up: both directions connected.
  await roundTrips(a, b.me, 10);
  return [a, b];
}

/** Sends `count` messages keeping `windowMessages` in flight; resolves when all echoes are back. */
function echoes(a: ServerTransport<string>, dst: string, count: number): Promise<void> {
  const msg = 'x'.repeat(messageBytes);
  let sent = 0;
  let received = 0;
  return new Promise((resolve) => {
    const pump = (): void => {
      while (sent < count && sent - received < windowMessages) {
        a.send(dst, msg);
        sent++;
      }
    };
    a.setReceiver(() => {
      received++;
      if (received === count) resolve();
      else if (sent - received < windowMessages / 2) pump();
    });
    pump();
  });
}

/** `count` sequential round trips; the latency of each in microseconds. */
async function roundTrips(a: ServerTransport<string>, dst: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await new Promise<Packet<string>>((resolve) => {
      a.setReceiver(resolve);
      a.send(dst, `ping ${i}`);
    });
    out.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** The transport benchmark. */
export const benchmark: Benchmark = {
  name: 'net',
  summary: 'transport on loopback: echo throughput and round-trip latency, TLS 1.3 and plaintext',
  async run(options: BenchOptions): Promise<BenchFigure[]> {
    const count = options.quick ? 20_000 : 200_000;
    const trips = options.quick ? 500 : 5000;
    const figures: BenchFigure[] = [];
    for (const plaintext of [false, true]) {
      const mode = plaintext ? 'plaintext' : 'TLS 1.3';
      const [a, b] = await pair(plaintext);
      try {
        options.progress(`${mode}: ${count} echoes of ${messageBytes}-byte messages`);
        const start = process.hrtime.bigint();
        await echoes(a, b.me, count);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        figures.push({
          name: `${mode} echo throughput`, value: Math.round(count / seconds), unit: 'round trips/s',
          detail: `${count} messages of ${messageBytes} bytes, ${windowMessages} in flight, one connection each way`,
        });
        options.progress(`${mode}: ${trips} sequential round trips`);
        const latencies = (await roundTrips(a, b.me, trips)).sort((x, y) => x - y);
        figures.push({ name: `${mode} round trip p50`, value: Math.round(percentile(latencies, 0.5)), unit: 'µs', detail: `${trips} sequential` });
        figures.push({ name: `${mode} round trip p99`, value: Math.round(percentile(latencies, 0.99)), unit: 'µs', detail: `${trips} sequential` });
        const dropped = Object.values(a.stats().dropped).reduce((x, y) => x + y, 0);
        if (dropped > 0) options.progress(`${mode}: ${dropped} sends dropped`);
      } finally {
        await a.close();
        await b.close();
      }
    }
    return figures;
  },
};
