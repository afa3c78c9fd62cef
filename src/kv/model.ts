import { assert } from '../core/assert.js';
import type { NetworkMode } from '../check/distributed.js';
import { distributedModel } from '../check/distributed.js';
import type { LivenessProperty, Model } from '../check/model.js';
import { stableKey } from '../check/stable.js';
import type { HostProtocol } from '../framework/protocol.js';
import type { HostId } from '../framework/types.js';
import type { KvConfig, KvHostState } from './protocol/host.js';
import { kvProtocol, kvReceiveActions } from './protocol/host.js';
import type { KvHostOp, KvMsg } from './protocol/messages.js';
import type { KvDistributedState } from './protocol/refinement.js';
import { kvAbstraction, kvInvariants, kvServiceAbstraction } from './protocol/refinement.js';
import { channelTo } from './protocol/single-delivery.js';
import type { KvKey } from './spec.js';
import { kvServiceSpec, kvSpec, showKey } from './spec.js';
import type { KvBug } from './testing.js';
import { kvBugProtocol } from './testing.js';

/**
 * IronKV's distributed system as a model: the hosts of src/kv/protocol (h0, h1, ...), clients
 * that read and write a few keys, a mover that asks for ranges to move, and a network that keeps
 * every packet ever sent (IronFleet's) or lossy links. Checked on every reachable state: every key
 * is owned by exactly one host or one in-flight delegate message, values sit only where they are
 * owned, and reliable delivery's counts agree (src/kv/protocol/refinement.ts). On every
 * transition: refinement to the service spec (a write only as a waiting request asks, every answer
 * the table's at the moment it is given) in IronFleet's network, to the table spec on lossy links,
 * where answers are lost and the network no longer tells which were given. Liveness under fair
 * delivery: every delegate message is eventually delivered and acknowledged, and (in IronFleet's
 * network) every request answered; on lossy links through retransmission.
 *
 * Clients and the mover are outsiders of the distributed model (stateless senders), as in the
 * IronRSL model. In IronFleet's network a client follows the client protocol of
 * src/kv/protocol/messages.ts, read off the network: it sends its first request to any host, a
 * request again only to the host it sent it to, and after an answer its next request number to
 * any host, with its next operation, or the same one again after a redirect. On lossy links, where
 * the network forgets, a client may send any of its operations, each under its own number, to any
 * host at any time; the hosts' sessions then drop the stale ones.
 */

/** The model's keys, in order. */
export const kvModelKeys: readonly KvKey[] = ['a', 'b', 'c'];

/** Known broken variants, with what each does and which check sees it. */
export const kvBugs: Readonly<Record<KvBug, string>> = {
  'receive-any-seqno': 'a host delivers any delegate message it receives, duplicates and reordered ones included, caught by refinement or EveryKeyOwnedOnce',
  'serve-after-delegate': 'a host keeps the range it moves and goes on serving it, caught by EveryKeyOwnedOnce',
  'drop-final-ack': "a mover drops the ack of its move's last chunk and resends it forever, caught by liveness",
};

/** Options of the kv model. */
export interface KvModelOptions {
  /** Hosts h0..hN-1 (default 2). */
  readonly hosts?: number;
  /** How many of `kvModelKeys` the clients use (default 2). */
  readonly keys?: number;
  /** Clients c0.. (default 1). */
  readonly clients?: number;
  /** Table operations per client (default 3; 2 on lossy links). */
  readonly requests?: number;
  /** Moves the mover m0 asks for (default 2; 1 on lossy links). */
  readonly moves?: number;
  /** Keys per delegate message (default 1, so a move of two keys takes two chunks). */
  readonly chunkKeys?: number;
  /**
   * How many packets outsiders may have in the network at once (IronFleet's network: ever sent;
   * default: every operation once plus one redirect; lossy links: in flight, default 1).
   */
  readonly outsiderPackets?: number;
  readonly network?: NetworkMode;
  readonly liveness?: boolean;
  readonly bug?: KvBug;
  /** A protocol to check instead of IronKV's (for tests of the checks themselves). */
  readonly protocol?: HostProtocol<KvConfig, KvHostState, KvMsg>;
}

/** The most hosts, keys, clients, requests and moves the model takes (each multiplies the states). */
export const kvModelMax = { hosts: 3, keys: 3, clients: 2, requests: 3, moves: 3 } as const;

/** Client `i`'s operations: a set, a get and a delete in turn, on the keys in turn. */
function clientOps(i: number, requests: number, keys: readonly KvKey[]): KvHostOp[] {
  const ops: KvHostOp[] = [];
  for (let j = 0; j < requests; j++) {
    const key = keys[(i + j) % keys.length] ?? 'a';
    const kind = (i + j) % 3;
    ops.push(kind === 0 ? { type: 'set', key, value: Uint8Array.of(i + 1) } : kind === 1 ? { type: 'get', key } : { type: 'delete', key });
  }
  return ops;
}

/** The mover's operations: every key but the last (every key, if one) to the next host in turn. */
function moverOps(moves: number, keys: readonly KvKey[], hosts: readonly HostId[]): KvHostOp[] {
  const high = keys.length > 1 ? (keys[keys.length - 1] ?? null) : null;
  return Array.from({ length: moves }, (_, j) => ({
    type: 'shard' as const, range: { low: '', high }, recipient: hosts[(j + 1) % hosts.length] ?? 'h0',
  }));
}

/** What outsider `who` has asked, read off IronFleet's network: each request number with its host, operation and answer. */
function history(ds: KvDistributedState, who: HostId): Map<number, { dst: HostId; op: KvHostOp; answer: KvMsg['type'] | null }> {
  const out = new Map<number, { dst: HostId; op: KvHostOp; answer: KvMsg['type'] | null }>();
  for (const p of ds.network) if (p.src === who && p.msg.type === 'request') out.set(p.msg.seqno, { dst: p.dst, op: p.msg.op, answer: null });
  for (const p of ds.network) {
    if (p.dst !== who || p.msg.type === 'request' || p.msg.type === 'data' || p.msg.type === 'ack') continue;
    const r = out.get(p.msg.seqno);
    if (r !== undefined && r.dst === p.src) r.answer = p.msg.type;
  }
  return out;
}

/** The requests outsider `who` with operations `ops` may send now in IronFleet's network (see the module comment). */
function nextRequests(ds: KvDistributedState, who: HostId, ops: readonly KvHostOp[], hosts: readonly HostId[]): { dst: HostId; msg: KvMsg }[] {
  const asked = history(ds, who);
  const last = asked.size;
  const latest = asked.get(last);
  let index = 0;
  for (const r of asked.values()) if (r.answer !== null && r.answer !== 'redirect') index++;
  if (latest !== undefined && latest.answer === null) return [];
  const op = ops[index];
  if (op === undefined) return [];
  return hosts.map((dst) => ({ dst, msg: { type: 'request', seqno: last + 1, op } }));
}

function showOp(op: KvHostOp): string {
  switch (op.type) {
    case 'get': return `get ${showKey(op.key)}`;
    case 'delete': return `delete ${showKey(op.key)}`;
    case 'set': return `set ${showKey(op.key)}=${[...op.value].join('.')}`;
    case 'shard': return `shard [${showKey(op.range.low)}, ${op.range.high === null ? 'end' : showKey(op.range.high)}) -> ${op.recipient}`;
  }
}

function viewMsg(m: KvMsg): unknown {
  switch (m.type) {
    case 'request': return `request #${m.seqno} ${showOp(m.op)}`;
    case 'reply': return `reply #${m.seqno} ${showKey(m.key)}=${m.value === null ? 'absent' : [...m.value].join('.')}`;
    case 'moved': return `moved #${m.seqno} (${m.keys} keys)`;
    case 'redirect': return `redirect #${m.seqno} to ${m.owner}`;
    case 'refused': return `refused #${m.seqno}: ${m.why}`;
    case 'ack': return `ack ${m.seqno}`;
    case 'data': {
      const d = m.msg;
      const entries = d.entries.map(([k, v]) => `${showKey(k)}=${[...v].join('.')}`).join(' ');
      return `data ${m.seqno} delegate [${showKey(d.range.low)}, ${d.range.high === null ? 'end' : showKey(d.range.high)})${entries === '' ? '' : ` ${entries}`}${d.final ? ' final' : ''}`;
    }
  }
}

function viewHost(s: KvHostState): unknown {
  return {
    delegation: s.delegation.map((b) => `${showKey(b.low)}:${b.host}`).join(' '),
    table: [...s.table].map(([k, v]) => `${showKey(k)}=${[...v].join('.')}`).sort().join(' '),
    sent: [...s.delivery.send].map(([d, c]) => `${d}: acked ${c.numAcked}, ${c.unacked.length} unacked`).join('; '),
    delivered: [...s.delivery.received].map(([h, n]) => `${h}: ${n}`).join('; '),
    sessions: [...s.sessions].map(([c, x]) => `${c}#${x.seqno} ${x.answer.type}`).join('; '),
  };
}

/** The key of a host state: everything but the configuration, which all hosts share and never change. */
function hostKey(s: KvHostState): string {
  return stableKey([s.me, s.delegation, s.table, s.delivery.send, s.delivery.received, s.sessions]);
}

/** Whether `from` has delegate messages to `to` not yet acknowledged. */
function unackedBetween(from: HostId, to: HostId) {
  return (ds: KvDistributedState): boolean => {
    const h = ds.hosts.get(from);
    return h !== undefined && channelTo(h.delivery, to).unacked.length > 0;
  };
}

/** Whether some request of `who` in the network has no answer from the host it was sent to. */
function unanswered(who: HostId) {
  return (ds: KvDistributedState): boolean => {
    for (const r of history(ds, who).values()) if (r.answer === null) return true;
    return false;
  };
}

/** IronKV's distributed system as a model, within the options' bounds. */
export function kvModel(options: KvModelOptions = {}): Model<KvDistributedState> {
  const hostCount = options.hosts ?? 2;
  const keyCount = options.keys ?? 2;
  const clientCount = options.clients ?? 1;
  const lossy = options.network === 'lossy';
  // Lossy links multiply the states (any operation in flight at any time): smaller defaults there.
  const requests = options.requests ?? (lossy ? 2 : 3);
  const moves = options.moves ?? (lossy ? 1 : 2);
  const chunkKeys = options.chunkKeys ?? 1;
  const within = (n: number, lo: number, hi: number): boolean => Number.isInteger(n) && n >= lo && n <= hi;
  assert(within(hostCount, 1, kvModelMax.hosts), `hosts must be a whole number from 1 to ${kvModelMax.hosts}`);
  assert(within(keyCount, 1, kvModelMax.keys), `keys must be a whole number from 1 to ${kvModelMax.keys}`);
  assert(within(clientCount, 0, kvModelMax.clients), `clients must be a whole number from 0 to ${kvModelMax.clients}`);
  assert(within(requests, 0, kvModelMax.requests), `requests must be a whole number from 0 to ${kvModelMax.requests}`);
  assert(within(moves, 0, kvModelMax.moves), `moves must be a whole number from 0 to ${kvModelMax.moves}`);
  assert(within(chunkKeys, 1, 64), 'chunk keys must be a whole number from 1 to 64');
  const hosts = Array.from({ length: hostCount }, (_, i) => `h${i}`);
  const keys = kvModelKeys.slice(0, keyCount);
  const outsiders = new Map<HostId, KvHostOp[]>();
  for (let i = 0; i < clientCount; i++) if (requests > 0) outsiders.set(`c${i}`, clientOps(i, requests, keys));
  if (moves > 0) outsiders.set('m0', moverOps(moves, keys, hosts));
  const operations = [...outsiders.values()].reduce((n, ops) => n + ops.length, 0);
  const packetsMax = options.outsiderPackets ?? (lossy ? 1 : operations + 1);
  assert(within(packetsMax, 0, 32), 'outsider packets must be a whole number from 0 to 32');
  const protocol = options.protocol ?? (options.bug !== undefined ? kvBugProtocol(options.bug) : kvProtocol);
  const config: KvConfig = { hosts, params: { chunkKeysMax: chunkKeys, chunkBytesMax: 1 << 20 } };

  // On lossy links each operation has its own number, so a stale copy is dropped by the session.
  const lossyMessages = new Map<HostId, { dst: HostId; msg: KvMsg }[]>();
  for (const [who, ops] of outsiders) {
    lossyMessages.set(who, ops.flatMap((op, j) => hosts.map((dst) => ({ dst, msg: { type: 'request' as const, seqno: j + 1, op } }))));
  }

  const fairness = lossy ? ['resend(*)'] : ['request(*)', 'deliver(*)', 'acked(*)'];
  const strongFairness = lossy ? kvReceiveActions.map((a) => `${a}(*)`) : [];
  const liveness: LivenessProperty<KvDistributedState>[] = [];
  for (const from of hosts) {
    for (const to of hosts) {
      if (from === to || moves === 0) continue;
      const p = unackedBetween(from, to);
      liveness.push({
        kind: 'leadsTo', name: `${from}To${to}Delivered`, fairness,
        ...(strongFairness.length > 0 ? { strongFairness } : {}),
        p, q: (ds) => !p(ds),
      });
    }
  }
  if (!lossy) {
    for (const who of outsiders.keys()) {
      const p = unanswered(who);
      liveness.push({ kind: 'leadsTo', name: `${who}Answered`, fairness, p, q: (ds) => !p(ds) });
    }
  }

  const bounds = [
    `${hostCount} host${hostCount === 1 ? '' : 's'}`, `${keyCount} key${keyCount === 1 ? '' : 's'}`,
    `${clientCount} client${clientCount === 1 ? '' : 's'} x ${requests} request${requests === 1 ? '' : 's'}`,
    `${moves} move${moves === 1 ? '' : 's'}`, `${chunkKeys} key${chunkKeys === 1 ? '' : 's'} per chunk`,
    `${packetsMax} outsider packet${packetsMax === 1 ? '' : 's'}${lossy ? ' in flight' : ''}`,
    ...(lossy ? ['lossy links'] : []),
    ...(options.bug !== undefined ? [`bug ${options.bug}`] : []),
  ];
  return distributedModel({
    name: 'kv',
    bounds: bounds.join(', '),
    protocol,
    config,
    hostIds: hosts,
    inputs: { receives: (action) => kvReceiveActions.includes(action) },
    hostKey,
    viewHost,
    viewMsg,
    invariants: kvInvariants,
    refinement: lossy ? { spec: kvSpec, abstract: kvAbstraction } : { spec: kvServiceSpec, abstract: kvServiceAbstraction },
    ...(options.liveness === true ? { liveness } : {}),
    ...(outsiders.size > 0
      ? {
        outsiders: {
          ids: [...outsiders.keys()],
          messages: (who: HostId, ds: KvDistributedState) => lossy
            ? (lossyMessages.get(who) ?? [])
            : nextRequests(ds, who, outsiders.get(who) ?? [], hosts),
          packetsMax,
        },
      }
      : {}),
    ...(lossy ? { network: 'lossy' as const } : {}),
  });
}
