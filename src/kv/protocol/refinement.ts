import type { DistributedState } from '../../framework/distributed.js';
import type { HostId } from '../../framework/types.js';
import type { KvAnswer, KvKey, KvOp, KvServiceState, KvSpecState } from '../spec.js';
import type { KeyRange } from './delegation.js';
import { inRange, ownerOf, rangesOf } from './delegation.js';
import type { KvHostState } from './host.js';
import type { Delegate, KvMsg } from './messages.js';
import { channelTo, lastReceived } from './single-delivery.js';

/**
 * The abstraction from IronKV's distributed system to its spec (IronFleet's SHT refinement), and
 * the invariants it rests on, checked on every explored state.
 *
 * A key belongs at any moment to exactly one place: the host whose own delegation map gives it to
 * itself, or a delegate message that its sender has sent and its recipient not yet delivered (in
 * flight). The table is then every host's table with every in-flight delegate's entries. Both
 * read host states only: a delegate is in flight by its sender's channel and its recipient's
 * delivery count, not by the network, so they hold in any network.
 */

/** IronKV's distributed state. */
export type KvDistributedState = DistributedState<KvHostState, KvMsg>;

/** A delegate message its sender keeps, numbered `seqno` to `to`, that `to` has not delivered. */
export interface InFlightDelegate {
  readonly from: HostId;
  readonly to: HostId;
  readonly seqno: number;
  readonly delegate: Delegate;
}

/** Every delegate message in flight, by sender, recipient and number. */
export function inFlightDelegates(ds: KvDistributedState): InFlightDelegate[] {
  const out: InFlightDelegate[] = [];
  for (const [from, h] of ds.hosts) {
    for (const [to, c] of h.delivery.send) {
      const r = ds.hosts.get(to);
      const delivered = r === undefined ? 0 : lastReceived(r.delivery, from);
      c.unacked.forEach((delegate, i) => {
        const seqno = c.numAcked + i + 1;
        if (seqno > delivered) out.push({ from, to, seqno, delegate });
      });
    }
  }
  return out;
}

/** Who claims which keys: each host its own ranges by its own map, and each in-flight delegate its range. */
export function claims(ds: KvDistributedState): { readonly range: KeyRange; readonly by: string }[] {
  const out: { range: KeyRange; by: string }[] = [];
  for (const [id, h] of ds.hosts) for (const range of rangesOf(h.delegation, id)) out.push({ range, by: id });
  for (const f of inFlightDelegates(ds)) out.push({ range: f.delegate.range, by: `delegate ${f.from}->${f.to} #${f.seqno}` });
  return out;
}

/**
 * Every key is claimed exactly once. Checked over the whole key space, not just the model's keys:
 * every claim's bounds cut the keys into intervals within which no claim starts or ends, so
 * counting the claims of each interval's least key counts them for every key in it.
 */
export function everyKeyOwnedOnce(ds: KvDistributedState): boolean {
  const all = claims(ds);
  const points = new Set<KvKey>(['']);
  for (const c of all) {
    points.add(c.range.low);
    if (c.range.high !== null) points.add(c.range.high);
  }
  for (const p of points) {
    let n = 0;
    for (const c of all) if (inRange(c.range, p)) n++;
    if (n !== 1) return false;
  }
  return true;
}

/** Every host holds values only for keys its own map gives it, and every delegate only for keys of its range. */
export function valuesWhereOwned(ds: KvDistributedState): boolean {
  for (const [id, h] of ds.hosts) {
    for (const k of h.table.keys()) if (ownerOf(h.delegation, k) !== id) return false;
    for (const c of h.delivery.send.values()) {
      for (const d of c.unacked) if (!d.entries.every(([k]) => inRange(d.range, k))) return false;
    }
  }
  return true;
}

/**
 * Reliable delivery's counts agree: between two hosts, the sender's acknowledged count is at most
 * what the recipient delivered, which is at most what the sender sent.
 */
export function acksFollowDelivery(ds: KvDistributedState): boolean {
  for (const [from, h] of ds.hosts) {
    for (const [to, r] of ds.hosts) {
      if (to === from) continue;
      const c = channelTo(h.delivery, to);
      const delivered = lastReceived(r.delivery, from);
      if (!(c.numAcked <= delivered && delivered <= c.numAcked + c.unacked.length)) return false;
    }
  }
  return true;
}

/** The invariants, by name. */
export const kvInvariants: readonly { readonly name: string; holds(ds: KvDistributedState): boolean }[] = [
  { name: 'EveryKeyOwnedOnce', holds: everyKeyOwnedOnce },
  { name: 'ValuesWhereOwned', holds: valuesWhereOwned },
  { name: 'AcksFollowDelivery', holds: acksFollowDelivery },
];

/** The table: every host's values for the keys it owns, and every in-flight delegate's. */
export function kvTable(ds: KvDistributedState): Map<KvKey, Uint8Array> {
  const table = new Map<KvKey, Uint8Array>();
  for (const [id, h] of ds.hosts) for (const [k, v] of h.table) if (ownerOf(h.delegation, k) === id) table.set(k, v);
  for (const f of inFlightDelegates(ds)) for (const [k, v] of f.delegate.entries) if (inRange(f.delegate.range, k)) table.set(k, v);
  return table;
}

/** The abstraction to the table spec. */
export function kvAbstraction(ds: KvDistributedState): KvSpecState {
  return { table: kvTable(ds) };
}

/** A request's id: its client and number. */
export function requestId(client: HostId, seqno: number): string {
  return `${client}#${seqno}`;
}

/**
 * The abstraction to the service spec, for IronFleet's network, which keeps every packet ever
 * sent: a table request is waiting while no host has answered it, and every reply a host sent is
 * an answer to the request of its client and number. A reply whose request is not in the network
 * is an answer to no waiting request, which the service spec refuses.
 */
export function kvServiceAbstraction(ds: KvDistributedState): KvServiceState {
  const requests = new Map<string, KvOp>();
  const answeredIds = new Set<string>();
  for (const p of ds.network) {
    if (p.msg.type === 'request' && p.msg.op.type !== 'shard') requests.set(requestId(p.src, p.msg.seqno), p.msg.op);
    else if (ds.hosts.has(p.src) && (p.msg.type === 'reply' || p.msg.type === 'redirect' || p.msg.type === 'refused' || p.msg.type === 'moved')) {
      answeredIds.add(requestId(p.dst, p.msg.seqno));
    }
  }
  const waiting = new Map<string, KvOp>();
  for (const [id, op] of requests) if (!answeredIds.has(id)) waiting.set(id, op);
  const answered = new Map<string, { id: string; op: KvOp; answer: KvAnswer }>();
  for (const p of ds.network) {
    if (p.msg.type !== 'reply' || !ds.hosts.has(p.src)) continue;
    const id = requestId(p.dst, p.msg.seqno);
    const asked = requests.get(id);
    const known = asked !== undefined && asked.key === p.msg.key;
    const op: KvOp = known ? asked : { type: 'get', key: p.msg.key };
    const answer: KvAnswer = op.type === 'get' ? { type: 'value', value: p.msg.value } : { type: 'done' };
    const shown = p.msg.value === null ? '-' : [...p.msg.value].join('.');
    answered.set(`${id}|${known ? '' : '?'}${p.msg.key}=${shown}`, { id: known ? id : `${id}?`, op, answer });
  }
  return { table: kvTable(ds), waiting, answered };
}
