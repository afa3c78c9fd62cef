import { assert } from '../../core/assert.js';
import type { HostAction, HostInput, HostProtocol, HostStep } from '../../framework/protocol.js';
import { isEnabled, notEnabled } from '../../framework/protocol.js';
import type { HostId, Packet } from '../../framework/types.js';
import type { KvKey, KvOp } from '../spec.js';
import { isKvKey, kvKeyBytesMax, kvSpecApply, kvValueBytesMax, sameTable } from '../spec.js';
import type { DelegationMap, KeyRange } from './delegation.js';
import { delegate, delegationInit, inRange, isEmptyRange, ownerOf, ownsRange } from './delegation.js';
import type { Delegate, KvAnswerMsg, KvHostOp, KvMsg, ShardOp } from './messages.js';
import { equalDelegate, equalKvMsg } from './messages.js';
import type { DeliveryPacket, DeliveryState } from './single-delivery.js';
import { deliveryInit, receiveAck, receiveData, resendAll, sendReliable } from './single-delivery.js';

/**
 * The IronKV host protocol (IronFleet's SHT host, `SHT/Host.i.dfy`): a pure state machine per
 * host. A host owns the keys its delegation map gives it and holds their values; it answers
 * requests for them, redirects requests for other keys to the owner it knows, and moves a range
 * it owns to another host on request, in chunks over reliable delivery. At start every key
 * belongs to the first host and the table is empty.
 *
 * A host keeps, per client, the latest request number it answered and that answer: a request is
 * executed once, however often the network delivers it, and a resent one gets the same answer.
 */

/** Limits of a move: each delegate message holds at most this many keys and bytes (at least one key). */
export interface KvParams {
  /** The most keys in one delegate message (IronFleet: 62, fixed by its packet size). */
  readonly chunkKeysMax: number;
  /** The most key and value bytes in one delegate message, unless a single entry is larger. */
  readonly chunkBytesMax: number;
}

/** The defaults: chunks of up to 1,024 keys or 2 MiB, whichever comes first. */
export const defaultKvParams: KvParams = { chunkKeysMax: 1024, chunkBytesMax: 2 * 1024 * 1024 };

/** What every host shares: the hosts, the first of which owns every key at start, and the limits. */
export interface KvConfig {
  readonly hosts: readonly HostId[];
  readonly params: KvParams;
}

/** The latest request of one client this host answered, and the answer. */
export interface KvSession {
  readonly seqno: number;
  readonly answer: KvAnswerMsg;
}

/** One host's protocol state. */
export interface KvHostState {
  readonly config: KvConfig;
  readonly me: HostId;
  /** Who owns each key, as far as this host knows; exact for the keys it owns. */
  readonly delegation: DelegationMap;
  /** The values of keys this host owns. Invariant: every key here is this host's by `delegation`. */
  readonly table: ReadonlyMap<KvKey, Uint8Array>;
  /** Reliable delivery of delegate messages to and from the other hosts. */
  readonly delivery: DeliveryState<Delegate>;
  /** Per client, the latest request answered. */
  readonly sessions: ReadonlyMap<HostId, KvSession>;
}

/** Why `params` cannot be used, or null. */
export function kvParamsProblem(params: KvParams): string | null {
  if (!Number.isSafeInteger(params.chunkKeysMax) || params.chunkKeysMax < 1) return 'chunkKeysMax must be a whole number >= 1';
  if (!Number.isSafeInteger(params.chunkBytesMax) || params.chunkBytesMax < 1) return 'chunkBytesMax must be a whole number of bytes >= 1';
  return null;
}

/** The initial state of host `me`: the first host owns every key; every table is empty. */
export function kvInit(config: KvConfig, me: HostId): KvHostState {
  const first = config.hosts[0];
  if (first === undefined) throw new RangeError('a kv service needs at least one host');
  if (!config.hosts.includes(me)) throw new RangeError(`host ${me} is not in the service`);
  const problem = kvParamsProblem(config.params);
  if (problem !== null) throw new RangeError(problem);
  return { config, me, delegation: delegationInit(first), table: new Map(), delivery: deliveryInit(), sessions: new Map() };
}

function step(state: KvHostState, sent: readonly Packet<KvMsg>[] = []): HostStep<KvHostState, KvMsg> {
  return { state, sent };
}

/** Why a key cannot be stored, or null. */
function keyProblem(key: KvKey): string | null {
  if (key.length > kvKeyBytesMax) return `key of ${key.length} bytes is over the limit of ${kvKeyBytesMax}`;
  if (!isKvKey(key)) return 'a key is a string of bytes (code points 0 to 255)';
  return null;
}

/** Why `op` cannot be done by any host of `config`, or null. */
export function opProblem(config: KvConfig, op: KvHostOp): string | null {
  if (op.type === 'shard') {
    const bad = keyProblem(op.range.low) ?? (op.range.high !== null ? keyProblem(op.range.high) : null);
    if (bad !== null) return bad;
    if (isEmptyRange(op.range)) return 'the range to move holds no key';
    if (!config.hosts.includes(op.recipient)) return `unknown host ${op.recipient}`;
    return null;
  }
  const bad = keyProblem(op.key);
  if (bad !== null) return bad;
  if (op.type === 'set' && op.value.length > kvValueBytesMax) {
    return `value of ${op.value.length} bytes is over the limit of ${kvValueBytesMax}`;
  }
  return null;
}

/** Splits the sorted entries of `range` into delegate messages within `params`' limits, covering the whole range. */
export function chunksOf(params: KvParams, range: KeyRange, entries: readonly (readonly [KvKey, Uint8Array])[]): Delegate[] {
  const chunks: Delegate[] = [];
  let low = range.low;
  let current: (readonly [KvKey, Uint8Array])[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entry[0].length + entry[1].length;
    if (current.length > 0 && (current.length >= params.chunkKeysMax || bytes + size > params.chunkBytesMax)) {
      chunks.push({ type: 'delegate', range: { low, high: entry[0] }, entries: current, final: false });
      low = entry[0];
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  chunks.push({ type: 'delegate', range: { low, high: range.high }, entries: current, final: true });
  return chunks;
}

/** The entries of `table` in `range`, sorted by key. */
export function entriesIn(table: ReadonlyMap<KvKey, Uint8Array>, range: KeyRange): [KvKey, Uint8Array][] {
  const out: [KvKey, Uint8Array][] = [];
  for (const [k, v] of table) if (inRange(range, k)) out.push([k, v]);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** How a move changes the mover's state: `keepRange` false is IronFleet's (the range and its keys go). */
export interface MoveEffect {
  readonly keepRange: boolean;
}

/** The mover's state and packets after moving `op.range`, which it owns, to `op.recipient`. */
function move(s: KvHostState, op: ShardOp, effect: MoveEffect): { state: KvHostState; sent: Packet<KvMsg>[]; keys: number } {
  const entries = entriesIn(s.table, op.range);
  let delivery = s.delivery;
  const sent: Packet<KvMsg>[] = [];
  for (const chunk of chunksOf(s.config.params, op.range, entries)) {
    const out = sendReliable(delivery, op.recipient, chunk);
    delivery = out.state;
    sent.push({ src: s.me, dst: op.recipient, msg: out.packet });
  }
  if (effect.keepRange) return { state: { ...s, delivery }, sent, keys: entries.length };
  const table = new Map(s.table);
  for (const [k] of entries) table.delete(k);
  return { state: { ...s, delegation: delegate(s.delegation, op.range, op.recipient), table, delivery }, sent, keys: entries.length };
}

/** The state and answer after host `s` executes `op` (valid, and on keys it owns). */
function execute(s: KvHostState, seqno: number, op: KvOp): { state: KvHostState; answer: KvAnswerMsg } {
  const { state, answer } = kvSpecApply({ table: s.table }, op);
  const value = answer.type === 'value' ? answer.value : op.type === 'set' ? op.value : null;
  return { state: state.table === s.table ? s : { ...s, table: state.table }, answer: { type: 'reply', seqno, key: op.key, value } };
}

/** The request in `input`, if it is one addressed to `s`'s host with a well-formed number. */
function requestIn(s: KvHostState, input: HostInput<KvMsg>): { src: HostId; seqno: number; op: KvHostOp } | null {
  const p = input.packet;
  if (p === undefined || p.dst !== s.me || p.msg.type !== 'request') return null;
  if (!Number.isSafeInteger(p.msg.seqno) || p.msg.seqno < 1) return null;
  return { src: p.src, seqno: p.msg.seqno, op: p.msg.op };
}

/**
 * Request: a client's next request (a number above the last this host answered it). A table
 * operation on a key this host owns is executed and answered with the key's value; one on a key
 * it does not own is answered with a redirect to the owner it knows. A move of a range it owns
 * wholly sends the range's keys to the recipient in chunks over reliable delivery, gives the range
 * to the recipient and drops the keys; a move of a range whose low key it does not own is
 * redirected. Anything no host could do is refused with the reason. The answer is kept for the
 * client.
 */
export function makeRequest(effect: MoveEffect): HostAction<KvHostState, KvMsg> {
  return (s, input) => {
    const r = requestIn(s, input);
    if (r === null) return notEnabled('no request received');
    const last = s.sessions.get(r.src);
    if (last !== undefined && r.seqno <= last.seqno) return notEnabled(`request ${r.seqno} is not after ${last.seqno}, the client's last`);
    let state = s;
    let answer: KvAnswerMsg;
    const sent: Packet<KvMsg>[] = [];
    const problem = opProblem(s.config, r.op);
    if (problem !== null) {
      answer = { type: 'refused', seqno: r.seqno, why: problem };
    } else if (r.op.type === 'shard') {
      const range = r.op.range;
      const owner = ownerOf(s.delegation, range.low);
      if (owner !== s.me) answer = { type: 'redirect', seqno: r.seqno, owner };
      else if (!ownsRange(s.delegation, range, s.me)) answer = { type: 'refused', seqno: r.seqno, why: 'the range spans hosts: move each host\'s part on its own' };
      else if (r.op.recipient === s.me) answer = { type: 'refused', seqno: r.seqno, why: `the range is already on ${s.me}` };
      else {
        const moved = move(s, r.op, effect);
        state = moved.state;
        sent.push(...moved.sent);
        answer = { type: 'moved', seqno: r.seqno, keys: moved.keys };
      }
    } else {
      const owner = ownerOf(s.delegation, r.op.key);
      if (owner !== s.me) answer = { type: 'redirect', seqno: r.seqno, owner };
      else ({ state, answer } = execute(s, r.seqno, r.op));
    }
    const sessions = new Map(state.sessions).set(r.src, { seqno: r.seqno, answer });
    return step({ ...state, sessions }, [...sent, { src: s.me, dst: r.src, msg: answer }]);
  };
}

/** Request with IronFleet's moves. */
export const request = makeRequest({ keepRange: false });

/** Reanswer: the client's last request, received again, gets the answer it got (its reply may have been lost). */
export const reanswer: HostAction<KvHostState, KvMsg> = (s, input) => {
  const r = requestIn(s, input);
  if (r === null) return notEnabled('no request received');
  const last = s.sessions.get(r.src);
  if (last === undefined || r.seqno !== last.seqno) return notEnabled(`request ${r.seqno} is not the client's last answered`);
  return step(s, [{ src: s.me, dst: r.src, msg: last.answer }]);
};

/** The delivery packet in `input`, if it is one from another host of the service addressed to `s`'s host. */
function deliveryIn(s: KvHostState, input: HostInput<KvMsg>): { src: HostId; packet: DeliveryPacket<Delegate> } | null {
  const p = input.packet;
  if (p === undefined || p.dst !== s.me || p.src === s.me || !s.config.hosts.includes(p.src)) return null;
  if (p.msg.type !== 'data' && p.msg.type !== 'ack') return null;
  return { src: p.src, packet: p.msg };
}

/** How a host receives a data packet of reliable delivery (`receiveData`, or a broken variant). */
export type ReceiveData = typeof receiveData<Delegate>;

/** `s` taking over the keys of a delegate message: the range becomes its own, with the entries' values. */
function takeOver(s: KvHostState, d: Delegate): Pick<KvHostState, 'delegation' | 'table'> {
  const table = new Map(s.table);
  for (const [k, v] of d.entries) if (inRange(d.range, k)) table.set(k, v);
  return { delegation: delegate(s.delegation, d.range, s.me), table };
}

/**
 * Deliver, built on the data receiver so that tests can build a broken variant: the next delegate
 * message from a host is delivered, its range and keys taken over, and acknowledged.
 */
export function makeDeliver(receive: ReceiveData): HostAction<KvHostState, KvMsg> {
  return (s, input) => {
    const d = deliveryIn(s, input);
    if (d === null || d.packet.type !== 'data') return notEnabled('no data packet from a host received');
    const out = receive(s.delivery, d.src, d.packet.seqno, d.packet.msg);
    if (out.deliver === undefined) return notEnabled(`data ${d.packet.seqno} from ${d.src} is not the next`);
    const sent: Packet<KvMsg>[] = out.ack !== null ? [{ src: s.me, dst: d.src, msg: out.ack }] : [];
    return step({ ...s, ...takeOver(s, out.deliver), delivery: out.state }, sent);
  };
}

/** Deliver with IronFleet's receiver. */
export const deliver = makeDeliver(receiveData);

/** Reack: data this host delivered before is acknowledged again (the first ack may have been lost). */
export const reack: HostAction<KvHostState, KvMsg> = (s, input) => {
  const d = deliveryIn(s, input);
  if (d === null || d.packet.type !== 'data') return notEnabled('no data packet from a host received');
  const out = receiveData(s.delivery, d.src, d.packet.seqno, d.packet.msg);
  if (out.deliver !== undefined || out.ack === null) return notEnabled(`data ${d.packet.seqno} from ${d.src} was not delivered before`);
  return step(s, [{ src: s.me, dst: d.src, msg: out.ack }]);
};

/** Whether the sender takes an ack: IronFleet's takes every one that acknowledges something new. */
export type AckGuard = (s: KvHostState, dst: HostId, seqno: number) => boolean;

/** Acked, built on an ack guard for broken variants: an ack of new numbers drops those messages from the channel. */
export function makeAcked(guard: AckGuard): HostAction<KvHostState, KvMsg> {
  return (s, input) => {
    const d = deliveryIn(s, input);
    if (d === null || d.packet.type !== 'ack') return notEnabled('no ack from a host received');
    const delivery = receiveAck(s.delivery, d.src, d.packet.seqno);
    if (delivery === s.delivery) return notEnabled(`ack ${d.packet.seqno} from ${d.src} acknowledges nothing new`);
    if (!guard(s, d.src, d.packet.seqno)) return notEnabled(`ack ${d.packet.seqno} from ${d.src} not taken`);
    return step({ ...s, delivery });
  };
}

/** Acked with IronFleet's sender. */
export const acked = makeAcked(() => true);

/** Resend: every unacknowledged delegate message is sent again (the host's timer decides when). */
export const resend: HostAction<KvHostState, KvMsg> = (s) => {
  const packets = resendAll(s.delivery);
  if (packets.length === 0) return notEnabled('nothing unacknowledged');
  return step(s, packets.map(({ dst, packet }) => ({ src: s.me, dst, msg: packet })));
};

/** Ignore, given the actions that take packets: a packet for this host none of them takes is dropped. */
export function makeIgnore(takers: readonly HostAction<KvHostState, KvMsg>[]): HostAction<KvHostState, KvMsg> {
  return (s, input) => {
    const p = input.packet;
    if (p === undefined || p.dst !== s.me) return notEnabled('no packet for this host received');
    for (const other of takers) if (isEnabled(other(s, input))) return notEnabled('another action takes this packet');
    return step(s);
  };
}

/** Structural equality of kv host states. */
export function equalKvHost(a: KvHostState, b: KvHostState): boolean {
  if (a.me !== b.me || (a.config !== b.config && (a.config.hosts.join() !== b.config.hosts.join() ||
    a.config.params.chunkKeysMax !== b.config.params.chunkKeysMax || a.config.params.chunkBytesMax !== b.config.params.chunkBytesMax))) return false;
  if (a.delegation.length !== b.delegation.length || a.delegation.some((x, i) => x.low !== b.delegation[i]?.low || x.host !== b.delegation[i]?.host)) return false;
  if (!sameTable(a.table, b.table)) return false;
  if (a.sessions.size !== b.sessions.size) return false;
  for (const [c, x] of a.sessions) {
    const y = b.sessions.get(c);
    if (y === undefined || y.seqno !== x.seqno || !equalKvMsg(x.answer, y.answer)) return false;
  }
  if (a.delivery.received.size !== b.delivery.received.size) return false;
  for (const [h, n] of a.delivery.received) if (b.delivery.received.get(h) !== n) return false;
  const channels = new Set([...a.delivery.send.keys(), ...b.delivery.send.keys()]);
  for (const dst of channels) {
    const x = a.delivery.send.get(dst) ?? { numAcked: 0, unacked: [] };
    const y = b.delivery.send.get(dst) ?? { numAcked: 0, unacked: [] };
    if (x.numAcked !== y.numAcked || x.unacked.length !== y.unacked.length) return false;
    if (!x.unacked.every((m, i) => {
      const n = y.unacked[i];
      return n !== undefined && equalDelegate(m, n);
    })) return false;
  }
  return true;
}

/** Actions a broken variant replaces (src/kv/testing.ts); the rest are always IronFleet's. */
export interface KvActionOverrides {
  readonly request?: HostAction<KvHostState, KvMsg>;
  readonly deliver?: HostAction<KvHostState, KvMsg>;
  readonly acked?: HostAction<KvHostState, KvMsg>;
}

/** The names of the actions that receive a packet. */
export const kvReceiveActions: readonly string[] = ['request', 'reanswer', 'deliver', 'reack', 'acked', 'ignore'];

/** The IronKV host protocol, with some actions replaced (none by default: the correct one). */
export function kvProtocolWith(overrides: KvActionOverrides = {}): HostProtocol<KvConfig, KvHostState, KvMsg> {
  const requestAction = overrides.request ?? request;
  const deliverAction = overrides.deliver ?? deliver;
  const ackedAction = overrides.acked ?? acked;
  const actions = {
    request: requestAction, reanswer, deliver: deliverAction, reack, acked: ackedAction, resend,
    ignore: makeIgnore([requestAction, reanswer, deliverAction, reack, ackedAction]),
  };
  assert(kvReceiveActions.every((a) => a in actions), 'every receive action is an action');
  return { name: 'IronKV', init: kvInit, actions, equal: equalKvHost, equalMsg: equalKvMsg };
}

/** The IronKV host protocol: requests, resent answers, reliable delivery of moves, and packets nobody takes. */
export const kvProtocol = kvProtocolWith();
