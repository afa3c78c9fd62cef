import type { DurableStore, HostEnvironment, ImplHost, StepReport } from '../../framework/host.js';
import type { HostId } from '../../framework/types.js';
import type { Prng } from '../../core/prng.js';
import type { HistoryRecorder } from '../history.js';
import type { SafetyCheck, SafetyView, SimClient, SimSystem } from '../system.js';
import { everyRequestCompletesWithin } from '../liveness.js';
import { DurableRecord } from '../../framework/durable-record.js';
import { getU32, putU32 } from '../../core/bytes.js';
import { CounterCodec } from './counter-codec.js';
import type { CounterMsg } from './counter-codec.js';
import { linearizabilityCheck } from '../linearizability.js';
import { counterModel } from '../../lin/models/counter.js';
import type { CounterOp, CounterResult } from './counter-history.js';

/**
 * A toy counter service for testing the simulator's workload path: one server host keeps a
 * counter; clients send increments and retransmit until they get the new value. The server
 * remembers each client's last request and reply (synced with the counter before replying), so a
 * retransmitted or duplicated request is answered again, not applied again.
 *
 * The deliberately buggy variant 'dupinc' forgets that: every copy of a request increments, which
 * the history check catches as values handed out to no operation.
 */

/** Which counter: the correct one or the deliberately buggy one. */
export type CounterVariant = 'correct' | 'dupinc';

/** The configuration the server is built with. */
export interface CounterConfig {
  readonly server: HostId;
  readonly variant: CounterVariant;
}

/** The server's abstract state. */
export interface CounterState {
  readonly value: number;
  readonly recovering: boolean;
}

interface Reply {
  readonly req: number;
  readonly value: number;
}

/** How often a server that could not read its disk tries again, in ms. */
const recoverRetryMs = 5;

/** The counter server. */
export class CounterServer implements ImplHost<CounterState, CounterMsg> {
  private value = 0;
  private replies = new Map<HostId, Reply>();
  private recovering = true;
  private readonly store: DurableRecord;

  constructor(disk: DurableStore, private readonly config: CounterConfig) {
    this.store = new DurableRecord(disk, 'counter');
    this.recover();
  }

  step(env: HostEnvironment<CounterMsg>): StepReport {
    if (this.recovering && !this.recover()) return { action: null };
    const packet = env.receive();
    if (packet === null || packet.msg.type !== 'inc') return { action: null };
    const req = packet.msg.req;
    const last = this.replies.get(packet.src);
    if (this.config.variant === 'correct' && last !== undefined && req <= last.req) {
      if (req < last.req) return { action: null };
      env.send(packet.src, { type: 'value', req, value: last.value });
      return { action: 'replyAgain' };
    }
    const value = this.value + 1;
    const replies = new Map(this.replies).set(packet.src, { req, value });
    if (!this.store.save(encodeState(value, replies)).ok) return { action: null };
    this.value = value;
    this.replies = replies;
    env.send(packet.src, { type: 'value', req, value });
    return { action: 'increment' };
  }

  abstract(): CounterState {
    return { value: this.value, recovering: this.recovering };
  }

  wakeAfterMs(): number | null {
    return this.recovering ? recoverRetryMs : null;
  }

  private recover(): boolean {
    const r = this.store.recover();
    if (!r.ok) return false;
    if (r.value !== null) {
      const s = decodeState(r.value);
      this.value = s.value;
      this.replies = s.replies;
    }
    this.recovering = false;
    return true;
  }
}

/** The server's record: value, then per client its id (length byte, UTF-16 code units as bytes), req and value. */
function encodeState(value: number, replies: ReadonlyMap<HostId, Reply>): Uint8Array {
  let size = 8;
  for (const id of replies.keys()) size += 1 + id.length + 8;
  const out = new Uint8Array(size);
  putU32(out, 0, value);
  putU32(out, 4, replies.size);
  let at = 8;
  for (const [id, r] of replies) {
    // Client ids are short ASCII names ('c0', 'c1', ...).
    out[at++] = id.length;
    for (let i = 0; i < id.length; i++) out[at++] = id.charCodeAt(i);
    putU32(out, at, r.req);
    putU32(out, at + 4, r.value);
    at += 8;
  }
  return out;
}

function decodeState(b: Uint8Array): { value: number; replies: Map<HostId, Reply> } {
  // The record passed its checksum, so it is one this server wrote.
  const replies = new Map<HostId, Reply>();
  const n = getU32(b, 4);
  let at = 8;
  for (let k = 0; k < n; k++) {
    const length = b[at++] ?? 0;
    const id = String.fromCharCode(...b.subarray(at, at + length));
    at += length;
    replies.set(id, { req: getU32(b, at), value: getU32(b, at + 4) });
    at += 8;
  }
  return { value: getU32(b, 0), replies };
}

/** A client: one increment at a time, retransmitted until answered, then a short pause. */
export class CounterClient implements SimClient<CounterMsg> {
  private req = 0;
  private waiting: { op: number; resendAtMs: number } | null = null;
  private nextCallAtMs: number | null = null;

  constructor(
    private readonly server: HostId,
    private readonly history: HistoryRecorder<CounterOp, CounterResult>,
    private readonly prng: Prng,
    private readonly retransmitMs: number,
  ) {}

  step(env: HostEnvironment<CounterMsg>): void {
    for (let p = env.receive(); p !== null; p = env.receive()) {
      const m = p.msg;
      if (m.type !== 'value' || this.waiting === null || m.req !== this.req) continue;
      this.history.ret(this.waiting.op, { value: m.value });
      this.waiting = null;
      this.nextCallAtMs = null;
    }
    const nowMs = env.now();
    if (this.waiting !== null) {
      if (nowMs < this.waiting.resendAtMs) return;
      this.waiting.resendAtMs = nowMs + this.retransmitMs;
      env.send(this.server, { type: 'inc', req: this.req });
      return;
    }
    if (this.nextCallAtMs === null) this.nextCallAtMs = nowMs + this.prng.nextInt(5);
    if (nowMs < this.nextCallAtMs) return;
    this.req++;
    this.waiting = { op: this.history.call({ kind: 'add', delta: 1 }), resendAtMs: nowMs + this.retransmitMs };
    env.send(this.server, { type: 'inc', req: this.req });
  }

  wakeAfterMs(nowMs: number): number | null {
    if (this.waiting !== null) return Math.max(0, this.waiting.resendAtMs - nowMs);
    return this.nextCallAtMs === null ? 0 : Math.max(0, this.nextCallAtMs - nowMs);
  }
}

/** The counter's safety: the server's value never goes down, across crashes too. */
class CounterSafety implements SafetyCheck<CounterState> {
  private highest = 0;

  afterStep(view: SafetyView<CounterState>): string | null {
    const s = view.state(view.stepped);
    if (s === undefined || s.recovering) return null;
    if (s.value < this.highest) return `${view.stepped}'s counter went from ${this.highest} down to ${s.value}`;
    this.highest = s.value;
    return null;
  }
}

/** Options of the toy counter binding. */
export interface CounterOptions {
  readonly clients?: number;
  readonly retransmitMs?: number;
  readonly variant?: CounterVariant;
}

/** The toy counter as a simulator binding, with its clients and their history check. */
export function counterSystem(options: CounterOptions = {}): SimSystem<CounterState, CounterMsg, CounterConfig, CounterOp, CounterResult> {
  const config: CounterConfig = { server: 's0', variant: options.variant ?? 'correct' };
  const retransmitMs = options.retransmitMs ?? 20;
  const clientIds = Array.from({ length: options.clients ?? 3 }, (_, i) => `c${i}`);
  return {
    name: config.variant === 'correct' ? 'counter' : `counter-${config.variant}`,
    hostIds: [config.server],
    config,
    createHost: (_id, disk, c) => new CounterServer(disk, c),
    codec: new CounterCodec(),
    createSafetyCheck: () => new CounterSafety(),
    workload: {
      clientIds,
      createClient: (_id, history, prng) => new CounterClient(config.server, history, prng, retransmitMs),
      checkHistory: linearizabilityCheck(counterModel),
    },
    liveness: everyRequestCompletesWithin(200 + 2 * retransmitMs),
    showMsg: (m) => (m.type === 'inc' ? `inc(req ${m.req})` : `value(req ${m.req}, ${m.value})`),
    defaultDurationMs: 1_000,
    defaultQuietMs: 1_000,
  };
}
