import { assert } from '../../core/assert.js';
import type { HostEnvironment, ImplHost, StepReport } from '../../framework/host.js';
import type { HostId, Packet } from '../../framework/types.js';
import type { KvKey } from '../spec.js';
import type { DelegationMap, KeyRange } from '../protocol/delegation.js';
import { delegate, delegationInit, inRange, ownerOf, ownsRange } from '../protocol/delegation.js';
import type { KvConfig, KvHostState, KvSession } from '../protocol/host.js';
import { chunksOf, entriesIn, kvParamsProblem, opProblem } from '../protocol/host.js';
import type { Delegate, KvAnswerMsg, KvHostOp, KvMsg, ShardOp } from '../protocol/messages.js';
import type { SendChannel } from '../protocol/single-delivery.js';

/**
 * The IronKV implementation host: mutable state stepped through its HostEnvironment. Each step
 * refines one protocol action of src/kv/protocol/host.ts (request, reanswer, deliver, reack,
 * acked, resend, ignore) or stutters; `abstract()` maps it to the protocol's `KvHostState`.
 *
 * Scheduling is the implementation's choice, which the protocol leaves open: unacknowledged
 * delegate messages are resent after `resendBaseMs`, the wait doubling after each resend that
 * brought no ack up to `resendMaxMs`, and back to the base when an ack arrives.
 */

/** When a host resends unacknowledged delegate messages. */
export interface KvTiming {
  readonly resendBaseMs: number;
  readonly resendMaxMs: number;
}

/** Defaults: a first resend after 50 ms, then backing off to one every 2 s. */
export const defaultKvTiming: KvTiming = { resendBaseMs: 50, resendMaxMs: 2000 };

/** A channel being filled: what `dst` has acknowledged, then the messages after it in order. */
interface Channel {
  numAcked: number;
  readonly unacked: Delegate[];
}

/** An IronKV host, in its initial state: the first host owns every key, and every table is empty. */
export class KvHost implements ImplHost<KvHostState, KvMsg> {
  protected delegation: DelegationMap;
  protected readonly table = new Map<KvKey, Uint8Array>();
  private readonly channels = new Map<HostId, Channel>();
  private readonly received = new Map<HostId, number>();
  private readonly sessions = new Map<HostId, KvSession>();
  private readonly hosts: ReadonlySet<HostId>;
  /** When unacknowledged messages are next resent, by this host's clock; null when there are none. */
  private resendAtMs: number | null = null;
  private resendWaitMs: number;

  constructor(
    private readonly config: KvConfig,
    private readonly me: HostId,
    private readonly timing: KvTiming = defaultKvTiming,
  ) {
    assert(config.hosts.includes(me), `host ${me} is not in the service`);
    assert(new Set(config.hosts).size === config.hosts.length, 'hosts must be distinct');
    const problem = kvParamsProblem(config.params);
    assert(problem === null, problem ?? '');
    assert(timing.resendBaseMs > 0 && timing.resendMaxMs >= timing.resendBaseMs, 'resend waits must be positive, the most at least the base');
    this.delegation = delegationInit(config.hosts[0] ?? me);
    this.hosts = new Set(config.hosts);
    this.resendWaitMs = timing.resendBaseMs;
  }

  step(env: HostEnvironment<KvMsg>): StepReport {
    const p = env.receive();
    if (p !== null) return this.onPacket(env, p);
    const nowMs = env.now();
    if (this.resendAtMs === null && this.unackedCount() > 0) this.resendAtMs = nowMs + this.resendWaitMs;
    if (this.resendAtMs === null || nowMs < this.resendAtMs) return { action: null };
    for (const [dst, c] of [...this.channels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      c.unacked.forEach((msg, i) => env.send(dst, { type: 'data', seqno: c.numAcked + i + 1, msg }));
    }
    this.resendWaitMs = Math.min(this.timing.resendMaxMs, this.resendWaitMs * 2);
    this.resendAtMs = nowMs + this.resendWaitMs;
    return { action: 'resend' };
  }

  private unackedCount(): number {
    let n = 0;
    for (const c of this.channels.values()) n += c.unacked.length;
    return n;
  }

  private onPacket(env: HostEnvironment<KvMsg>, p: Packet<KvMsg>): StepReport {
    // A packet for another host is dropped: a stutter.
    if (p.dst !== this.me) return { action: null };
    const m = p.msg;
    switch (m.type) {
      case 'request': {
        if (!Number.isSafeInteger(m.seqno) || m.seqno < 1) return { action: 'ignore' };
        const last = this.sessions.get(p.src);
        if (last !== undefined && m.seqno < last.seqno) return { action: 'ignore' };
        if (last !== undefined && m.seqno === last.seqno) {
          env.send(p.src, last.answer);
          return { action: 'reanswer' };
        }
        const answer = this.execute(env, m.seqno, m.op);
        this.sessions.set(p.src, { seqno: m.seqno, answer });
        env.send(p.src, answer);
        return { action: 'request' };
      }
      case 'data': {
        if (p.src === this.me || !this.hosts.has(p.src)) return { action: 'ignore' };
        const last = this.received.get(p.src) ?? 0;
        if (m.seqno === last + 1) {
          this.received.set(p.src, m.seqno);
          this.takeOver(m.msg);
          env.send(p.src, { type: 'ack', seqno: m.seqno });
          env.emit(`took over ${m.msg.entries.length} keys from ${p.src}${m.msg.final ? ' (move complete)' : ''}`);
          return { action: 'deliver' };
        }
        if (m.seqno >= 1 && m.seqno <= last) {
          env.send(p.src, { type: 'ack', seqno: last });
          return { action: 'reack' };
        }
        return { action: 'ignore' };
      }
      case 'ack': {
        if (p.src === this.me || !this.hosts.has(p.src)) return { action: 'ignore' };
        const c = this.channels.get(p.src);
        if (c === undefined || !Number.isSafeInteger(m.seqno) || m.seqno <= c.numAcked || m.seqno > c.numAcked + c.unacked.length) {
          return { action: 'ignore' };
        }
        if (!this.takesAck(c, m.seqno)) return { action: 'ignore' };
        c.unacked.splice(0, m.seqno - c.numAcked);
        c.numAcked = m.seqno;
        this.resendWaitMs = this.timing.resendBaseMs;
        this.resendAtMs = null;
        return { action: 'acked' };
      }
      case 'reply': case 'moved': case 'redirect': case 'refused':
        // Answers addressed to a host: nothing takes them.
        return { action: 'ignore' };
    }
  }

  /** Whether the mover takes an ack of new numbers (always; a broken variant drops some). */
  protected takesAck(_channel: { readonly unacked: readonly Delegate[]; readonly numAcked: number }, _seqno: number): boolean {
    return true;
  }

  /** Executes a client's new request and returns the answer (the caller keeps and sends it). */
  private execute(env: HostEnvironment<KvMsg>, seqno: number, op: KvHostOp): KvAnswerMsg {
    const problem = opProblem(this.config, op);
    if (problem !== null) return { type: 'refused', seqno, why: problem };
    if (op.type === 'shard') return this.shard(env, seqno, op);
    const owner = ownerOf(this.delegation, op.key);
    if (owner !== this.me) return { type: 'redirect', seqno, owner };
    switch (op.type) {
      case 'get': return { type: 'reply', seqno, key: op.key, value: this.table.get(op.key) ?? null };
      case 'set':
        this.table.set(op.key, op.value);
        return { type: 'reply', seqno, key: op.key, value: op.value };
      case 'delete':
        this.table.delete(op.key);
        return { type: 'reply', seqno, key: op.key, value: null };
    }
  }

  private shard(env: HostEnvironment<KvMsg>, seqno: number, op: ShardOp): KvAnswerMsg {
    const owner = ownerOf(this.delegation, op.range.low);
    if (owner !== this.me) return { type: 'redirect', seqno, owner };
    if (!ownsRange(this.delegation, op.range, this.me)) return { type: 'refused', seqno, why: 'the range spans hosts: move each host\'s part on its own' };
    if (op.recipient === this.me) return { type: 'refused', seqno, why: `the range is already on ${this.me}` };
    const entries = entriesIn(this.table, op.range);
    let c = this.channels.get(op.recipient);
    if (c === undefined) {
      c = { numAcked: 0, unacked: [] };
      this.channels.set(op.recipient, c);
    }
    for (const chunk of chunksOf(this.config.params, op.range, entries)) {
      c.unacked.push(chunk);
      env.send(op.recipient, { type: 'data', seqno: c.numAcked + c.unacked.length, msg: chunk });
    }
    this.handOver(op.range, op.recipient, entries);
    env.emit(`moving ${entries.length} keys to ${op.recipient}`);
    return { type: 'moved', seqno, keys: entries.length };
  }

  /** After sending a move: the range is the recipient's and its keys leave this table (a broken variant keeps them). */
  protected handOver(range: KeyRange, recipient: HostId, entries: readonly (readonly [KvKey, Uint8Array])[]): void {
    this.delegation = delegate(this.delegation, range, recipient);
    for (const [k] of entries) this.table.delete(k);
  }

  private takeOver(d: Delegate): void {
    for (const [k, v] of d.entries) if (inRange(d.range, k)) this.table.set(k, v);
    this.delegation = delegate(this.delegation, d.range, this.me);
  }

  abstract(): KvHostState {
    const send = new Map<HostId, SendChannel<Delegate>>();
    for (const [dst, c] of this.channels) send.set(dst, { numAcked: c.numAcked, unacked: [...c.unacked] });
    return {
      config: this.config,
      me: this.me,
      delegation: this.delegation,
      table: new Map(this.table),
      delivery: { send, received: new Map(this.received) },
      sessions: new Map(this.sessions),
    };
  }

  wakeAfterMs(nowMs: number): number | null {
    if (this.unackedCount() === 0) return null;
    return this.resendAtMs === null ? 0 : Math.max(0, this.resendAtMs - nowMs);
  }
}
