import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Packet } from '../framework/types.js';
import type { DurableStore, HostEnvironment, ImplHost, StepReport } from '../framework/host.js';
import { MemoryStore } from '../framework/memory-store.js';
import { assert } from '../core/assert.js';
import type { Transport } from './transport.js';
import { startServerTransport } from './transport.js';
import type { StepRecord } from './event-loop.js';
import { HostEventLoop, commitsInFlightMax } from './event-loop.js';
import { FileStore } from './file-store.js';
import { FakeTransport as GenericFakeTransport, loopbackService, stringCodec, waitFor } from './testkit.js';

/** The fake transport of these tests: strings, as host-a. */
class FakeTransport extends GenericFakeTransport<string> {}

/**
 * A toy host: acknowledges each packet to its sender and counts them on disk; with a period,
 * it also ticks whenever the period has passed since its last tick.
 */
class AckHost implements ImplHost<number, string> {
  acks = 0;
  private nextTickMs: number | null = null;
  constructor(private readonly periodMs: number | null = null) {}
  step(env: HostEnvironment<string>): StepReport {
    const packet = env.receive();
    const now = env.now();
    if (this.periodMs !== null && this.nextTickMs === null) this.nextTickMs = now + this.periodMs;
    if (packet !== null) {
      this.acks++;
      const saved = env.disk.write('acks', Buffer.from(String(this.acks)));
      assert(saved.ok && env.disk.sync().ok, 'disk works');
      env.send(packet.src, `ack ${packet.msg}`);
      return { action: 'ack' };
    }
    if (this.nextTickMs !== null && this.periodMs !== null && now >= this.nextTickMs) {
      this.nextTickMs = now + this.periodMs;
      env.emit('tick');
      return { action: 'tick' };
    }
    return { action: null };
  }
  abstract(): number {
    return this.acks;
  }
  wakeAfterMs(nowMs: number): number | null {
    if (this.periodMs === null) return null;
    return this.nextTickMs === null ? 0 : this.nextTickMs - nowMs;
  }
}

const loops: HostEventLoop<unknown, string>[] = [];
const transports: Transport<string>[] = [];
afterEach(async () => {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

function start<P>(host: ImplHost<P, string>, transport: Transport<string>, extra: {
  disk?: DurableStore; logs?: string[]; events?: string[]; steps?: StepRecord<string>[]; stepsPerTurnMax?: number;
} = {}): HostEventLoop<P, string> {
  const loop = new HostEventLoop<P, string>({
    host, transport, disk: extra.disk ?? new MemoryStore(),
    logger: (l) => extra.logs?.push(l),
    onEvent: (e) => extra.events?.push(e),
    onStep: (r) => extra.steps?.push(r),
    ...(extra.stepsPerTurnMax === undefined ? {} : { stepsPerTurnMax: extra.stepsPerTurnMax }),
  });
  loops.push(loop as HostEventLoop<unknown, string>);
  return loop;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('host event loop', () => {
  it('steps the host on packet arrival, in one batch per turn, and journals receive, clock, send', async () => {
    const transport = new FakeTransport();
    const steps: StepRecord<string>[] = [];
    const host = new AckHost();
    start(host, transport, { steps });
    await nextTurn();
    const idleSteps = steps.length;
    for (let i = 0; i < 5; i++) transport.deliver('peer', `m${i}`);
    await nextTurn();
    expect(host.acks).toBe(5);
    expect(transport.sent.map((p) => p.msg)).toEqual(['ack m0', 'ack m1', 'ack m2', 'ack m3', 'ack m4']);
    const first = steps[idleSteps];
    expect(first?.report).toEqual({ action: 'ack' });
    expect(first?.journal.map((e) => e.kind)).toEqual(['receive', 'clock', 'send']);
    expect(first?.journal[0]).toEqual({ kind: 'receive', packet: { src: 'peer', dst: 'host-a', msg: 'm0' } });
    expect(first?.journal[2]).toEqual({ kind: 'send', packet: { src: 'host-a', dst: 'peer', msg: 'ack m0' } });
  });

  it('hands a step\'s run of sends of one message to the transport as one sendAll (encoded once)', async () => {
    const transport = new FakeTransport();
    const broadcaster: ImplHost<number, string> = {
      step: (env) => {
        const packet = env.receive();
        if (packet === null) return { action: null };
        for (const dst of ['x', 'y', 'z']) env.send(dst, packet.msg);
        env.send('x', 'after');
        return { action: 'broadcast' };
      },
      wakeAfterMs: () => null,
      abstract: () => 0,
    };
    start(broadcaster, transport);
    transport.deliver('peer', 'news');
    await nextTurn();
    expect(transport.sent).toEqual([
      { src: 'host-a', dst: 'x', msg: 'news', all: 3 }, { src: 'host-a', dst: 'y', msg: 'news', all: 3 },
      { src: 'host-a', dst: 'z', msg: 'news', all: 3 }, { src: 'host-a', dst: 'x', msg: 'after' },
    ]);
  });

  it('yields to I/O after stepsPerTurnMax steps and carries on next turn', async () => {
    const transport = new FakeTransport();
    const host = new AckHost();
    start(host, transport, { stepsPerTurnMax: 2 });
    await nextTurn();
    for (let i = 0; i < 5; i++) transport.deliver('peer', `m${i}`);
    await nextTurn();
    expect(host.acks).toBe(2);
    await waitFor(() => host.acks === 5, 'the rest of the packets');
  });

  it('steps the host when its wake-up time comes, with no packet', async () => {
    const transport = new FakeTransport();
    const events: string[] = [];
    const steps: StepRecord<string>[] = [];
    start(new AckHost(5), transport, { events, steps });
    await waitFor(() => events.length >= 3, 'three ticks');
    const tick = steps.find((s) => s.report.action === 'tick');
    expect(tick?.journal.map((e) => e.kind)).toEqual(['receiveNone', 'clock']);
  });

  it('stops loudly, without sending, when a step breaks the reduction order', async () => {
    const transport = new FakeTransport();
    const logs: string[] = [];
    const sendsThenReceives: ImplHost<null, string> = {
      step: (env) => {
        env.send('peer', 'too early');
        env.receive();
        return { action: 'bad' };
      },
      abstract: () => null,
      wakeAfterMs: () => 0,
    };
    const loop = start(sendsThenReceives, transport, { logs });
    const reason = await loop.done;
    expect(reason).toEqual({ kind: 'reductionOrder', detail: 'step 0 (bad) broke the reduction order: event 1: a receive after a send' });
    expect(logs).toEqual(['BUG: host host-a stopped: step 0 (bad) broke the reduction order: event 1: a receive after a send']);
    expect(transport.sent).toEqual([]);
    expect(transport.closed).toBe(true);
  });

  it('stops when the host throws (a broken invariant), and on stop() closes the transport', async () => {
    const transport = new FakeTransport();
    const thrower: ImplHost<null, string> = {
      step: () => {
        assert(false, 'ballot went backwards');
      },
      abstract: () => null,
      wakeAfterMs: () => null,
    };
    const loop = start(thrower, transport);
    transport.deliver('peer', 'x');
    const reason = await loop.done;
    expect(reason.kind === 'hostThrew' ? reason.detail : reason.kind).toBe('step 0 threw: ballot went backwards');

    const other = new FakeTransport();
    const quiet = start(new AckHost(), other);
    await quiet.stop();
    expect(await quiet.done).toEqual({ kind: 'stopped' });
    expect(other.closed).toBe(true);
  });

  it('runs a host on real sockets and a real disk', async () => {
    const [serverA, serverB] = (await loopbackService(2, 'loop', 'demo')).servers;
    if (serverA === undefined || serverB === undefined) throw new Error('no servers');
    const quiet = { reconnectDelayMinMs: 5, reconnectDelayMaxMs: 50 };
    const a = await startServerTransport<string>({ server: serverA, codec: stringCodec, acceptClients: false, limits: quiet, logger: () => {} });
    const b = await startServerTransport<string>({ server: serverB, codec: stringCodec, acceptClients: false, limits: quiet, logger: () => {} });
    if (!a.ok || !b.ok) throw new Error('cannot listen');
    transports.push(b.value);
    const got: Packet<string>[] = [];
    b.value.setReceiver((p) => got.push(p));
    const dir = join(mkdtempSync(join(tmpdir(), 'ironfleet-loop-')), 'data');
    const disk = FileStore.open(dir);
    if (!disk.ok) throw new Error(disk.error.detail);
    const steps: StepRecord<string>[] = [];
    const loop = start(new AckHost(), a.value, { disk: disk.value, steps });
    b.value.send(a.value.me, 'ping');
    b.value.send(a.value.me, 'ping again');
    await waitFor(() => got.length === 2, 'both acks');
    expect(got).toEqual([
      { src: a.value.me, dst: b.value.me, msg: 'ack ping' },
      { src: a.value.me, dst: b.value.me, msg: 'ack ping again' },
    ]);
    const ackStep = steps.find((s) => s.report.action === 'ack');
    expect(ackStep?.journal[0]).toEqual({ kind: 'receive', packet: { src: b.value.me, dst: a.value.me, msg: 'ping' } });
    await loop.stop();
    const reopened = FileStore.open(dir);
    const saved = reopened.ok ? reopened.value.read('acks') : null;
    expect(saved?.ok && saved.value !== null ? Buffer.from(saved.value).toString() : '').toBe('2');
  });

  describe('group commit', () => {
    /** A host that logs each packet with an append and a sync, then acknowledges it; a query ('q…') it answers from memory. */
    class LoggingHost implements ImplHost<number, string> {
      logged = 0;
      step(env: HostEnvironment<string>): StepReport {
        const packet = env.receive();
        if (packet === null) return { action: null };
        if (packet.msg.startsWith('q')) {
          env.send(packet.src, `answer ${packet.msg}`);
          return { action: 'answer' };
        }
        this.logged++;
        const appended = env.disk.append('log', Buffer.from(`${packet.msg};`));
        assert(appended.ok && env.disk.sync().ok, 'a deferred sync succeeds');
        env.send(packet.src, `ack ${packet.msg}`);
        return { action: 'log' };
      }
      abstract(): number {
        return this.logged;
      }
      wakeAfterMs(): number | null {
        return null;
      }
    }

    /** A MemoryStore whose syncs can be made to fail, recording what each sync made durable. */
    class CountingStore extends MemoryStore {
      failSyncs = false;
      readonly durable: string[] = [];
      override sync(): ReturnType<MemoryStore['sync']> {
        if (this.failSyncs) return { ok: false, error: { kind: 'io', detail: 'injected sync failure' } };
        this.durable.push(Buffer.from(this.blobs.get('log') ?? new Uint8Array()).toString());
        return super.sync();
      }
    }

    it('syncs a turn\'s appends once, before any of the turn\'s sends leaves', async () => {
      const transport = new FakeTransport();
      const disk = new CountingStore();
      const sentAtSync: number[] = [];
      const original = disk.sync.bind(disk);
      disk.sync = () => {
        sentAtSync.push(transport.sent.length);
        return original();
      };
      start(new LoggingHost(), transport, { disk });
      await nextTurn();
      for (let i = 0; i < 5; i++) transport.deliver('peer', `m${i}`);
      await nextTurn();
      expect(transport.sent.map((p) => p.msg)).toEqual(['ack m0', 'ack m1', 'ack m2', 'ack m3', 'ack m4']);
      // One sync for the five steps, made when none of their acks had been sent, covering all five appends.
      expect(disk.syncs).toBe(1);
      expect(sentAtSync).toEqual([0]);
      expect(disk.durable).toEqual(['m0;m1;m2;m3;m4;']);
    });

    it('syncs a replacing write at once, when the host asks', async () => {
      const transport = new FakeTransport();
      const disk = new CountingStore();
      start(new AckHost(), transport, { disk });
      await nextTurn();
      transport.deliver('peer', 'a');
      transport.deliver('peer', 'b');
      await nextTurn();
      expect(transport.sent.map((p) => p.msg)).toEqual(['ack a', 'ack b']);
      // AckHost writes and syncs in each step: each of those syncs is real, and the turn needs no more.
      expect(disk.syncs).toBe(2);
    });

    it('keeps stepping while syncs wait for the disk, overlaps two, and sends their packets in the order they started', async () => {
      const transport = new FakeTransport();
      const disk = new MemoryStore() as MemoryStore & { syncAsync(): Promise<ReturnType<MemoryStore['sync']>> };
      const finishers: (() => void)[] = [];
      const covered: string[] = [];
      disk.syncAsync = () => {
        // What this sync covers is what was appended before it started.
        covered.push(Buffer.from(disk.blobs.get('log') ?? new Uint8Array()).toString());
        return new Promise((resolve) => finishers.push(() => resolve(disk.sync())));
      };
      const host = new LoggingHost();
      start(host, transport, { disk });
      await nextTurn();
      transport.deliver('peer', 'a');
      await nextTurn();
      expect(covered).toEqual(['a;']);
      // The first sync is in flight: the next turn starts a second one, which covers its appends.
      transport.deliver('peer', 'b');
      transport.deliver('peer', 'c');
      await nextTurn();
      expect(covered).toEqual(['a;', 'a;b;c;']);
      // With commitsInFlightMax (2) in flight, a third turn's append waits for one to finish.
      expect(commitsInFlightMax).toBe(2);
      transport.deliver('peer', 'd');
      await nextTurn();
      expect(host.logged).toBe(4);
      expect(covered).toHaveLength(2);
      expect(transport.sent).toEqual([]);
      // The second sync finishing first releases nothing: its packets follow the first's.
      finishers[1]?.();
      await nextTurn();
      expect(transport.sent).toEqual([]);
      finishers[0]?.();
      await nextTurn();
      expect(transport.sent.map((p) => p.msg)).toEqual(['ack a', 'ack b', 'ack c']);
      expect(covered).toEqual(['a;', 'a;b;c;', 'a;b;c;d;']);
      finishers[2]?.();
      await nextTurn();
      expect(transport.sent.map((p) => p.msg)).toEqual(['ack a', 'ack b', 'ack c', 'ack d']);
      expect(finishers).toHaveLength(3);
    });

    it('sends the packets of a step that asked for no sync at the end of its turn, while syncs are in flight', async () => {
      const transport = new FakeTransport();
      const disk = new MemoryStore() as MemoryStore & { syncAsync(): Promise<ReturnType<MemoryStore['sync']>> };
      const finishers: (() => void)[] = [];
      disk.syncAsync = () => new Promise((resolve) => finishers.push(() => resolve(disk.sync())));
      start(new LoggingHost(), transport, { disk });
      await nextTurn();
      transport.deliver('peer', 'a');
      transport.deliver('peer', 'q1');
      await nextTurn();
      // The query's answer depends on no write; the log's ack waits for its sync.
      expect(transport.sent.map((p) => p.msg)).toEqual(['answer q1']);
      finishers.shift()?.();
      await nextTurn();
      expect(transport.sent.map((p) => p.msg)).toEqual(['answer q1', 'ack a']);
    });

    it('sends nothing from a turn whose sync fails, and stops the host', async () => {
      const transport = new FakeTransport();
      const disk = new CountingStore();
      const logs: string[] = [];
      const loop = start(new LoggingHost(), transport, { disk, logs });
      await nextTurn();
      transport.deliver('peer', 'kept');
      await nextTurn();
      expect(transport.sent.map((p) => p.msg)).toEqual(['ack kept']);
      disk.failSyncs = true;
      transport.deliver('peer', 'x');
      transport.deliver('peer', 'y');
      const reason = await loop.done;
      expect(reason.kind).toBe('diskFailed');
      expect(transport.sent.map((p) => p.msg)).toEqual(['ack kept']);
      expect(logs.join('\n')).toMatch(/its disk failed: host .* stopped: disk-error io: injected sync failure; 2 packet\(s\) were not sent/);
      expect(transport.closed).toBe(true);
    });
  });
});
