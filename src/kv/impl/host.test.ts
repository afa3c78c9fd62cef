import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { monitor, RefinementViolation } from '../../check/monitor.js';
import type { HostEnvironment, ImplHost } from '../../framework/host.js';
import { VolatileStore } from '../../framework/memory-store.js';
import type { HostId, Packet } from '../../framework/types.js';
import type { KeyRange } from '../protocol/delegation.js';
import type { KvConfig, KvHostState } from '../protocol/host.js';
import { kvProtocol } from '../protocol/host.js';
import type { KvHostOp, KvMsg } from '../protocol/messages.js';
import type { KvKey } from '../spec.js';
import { KvHost } from './host.js';

// The implementation host under the refinement monitor: random client operations, moves, and a
// network between hosts that delivers, loses and duplicates packets in any order. Every step must
// refine its protocol action; after the network drains, the hosts together hold exactly what the
// clients' answered writes left.

const hosts = ['h0', 'h1', 'h2'];
const config: KvConfig = { hosts, params: { chunkKeysMax: 2, chunkBytesMax: 64 } };
const keys = ['a', 'b', 'c', 'd', 'e'];

type Command =
  | { readonly kind: 'op'; readonly host: number; readonly op: KvHostOp }
  | { readonly kind: 'deliver' | 'lose' | 'duplicate'; readonly index: number }
  | { readonly kind: 'tick'; readonly ms: number };

const rangeArb: fc.Arbitrary<KeyRange> = fc.tuple(fc.constantFrom('', ...keys), fc.constantFrom(null, ...keys))
  .filter(([low, high]) => high === null || low < high).map(([low, high]) => ({ low, high }));
const opArb: fc.Arbitrary<KvHostOp> = fc.oneof(
  fc.constantFrom(...keys).map((key): KvHostOp => ({ type: 'get', key })),
  fc.tuple(fc.constantFrom(...keys), fc.uint8Array({ minLength: 1, maxLength: 40 })).map(([key, value]): KvHostOp => ({ type: 'set', key, value })),
  fc.constantFrom(...keys).map((key): KvHostOp => ({ type: 'delete', key })),
  fc.tuple(rangeArb, fc.constantFrom(...hosts)).map(([range, recipient]): KvHostOp => ({ type: 'shard', range, recipient })),
);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('op' as const), host: fc.nat(2), op: opArb }),
  fc.record({ kind: fc.constantFrom('deliver' as const, 'lose' as const, 'duplicate' as const), index: fc.nat(50) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 200 }) }),
);

/** Runs `commands` against monitored hosts built by `build`; returns the table the hosts hold at the end and the expected one. */
function run(commands: readonly Command[], build: (id: HostId) => ImplHost<KvHostState, KvMsg>) {
  const nodes = new Map(hosts.map((id) => [id, monitor(build(id), kvProtocol)]));
  let network: Packet<KvMsg>[] = [];
  let nowMs = 0;
  let seqno = 0;
  const expected = new Map<KvKey, Uint8Array>();
  const asked = new Map<number, KvHostOp>();
  const answers: KvMsg[] = [];
  const stepHost = (id: HostId, inbox: Packet<KvMsg> | null): Packet<KvMsg>[] => {
    const out: Packet<KvMsg>[] = [];
    let pending = inbox;
    const env: HostEnvironment<KvMsg> = {
      me: id,
      receive: () => {
        const p = pending;
        pending = null;
        return p;
      },
      now: () => nowMs,
      send: (dst, msg) => out.push({ src: id, dst, msg }),
      disk: new VolatileStore(),
      emit: () => {},
    };
    nodes.get(id)?.step(env);
    return out;
  };
  const route = (sent: Packet<KvMsg>[]): Packet<KvMsg>[] => sent.filter((p) => {
    if (p.dst !== 'client') return true;
    const m = p.msg;
    answers.push(m);
    const op = m.type === 'reply' ? asked.get(m.seqno) : undefined;
    if (op?.type === 'set') expected.set(op.key, op.value);
    else if (op?.type === 'delete') expected.delete(op.key);
    return false;
  });
  const pick = (index: number): Packet<KvMsg> | undefined => network[index % network.length];
  for (const c of commands) {
    if (c.kind === 'op') {
      const id = hosts[c.host] ?? 'h0';
      asked.set(seqno + 1, c.op);
      network.push(...route(stepHost(id, { src: 'client', dst: id, msg: { type: 'request', seqno: ++seqno, op: c.op } })));
    } else if (c.kind === 'tick') {
      nowMs += c.ms;
      for (const id of hosts) network.push(...route(stepHost(id, null)));
    } else if (network.length > 0) {
      const p = pick(c.index) as Packet<KvMsg>;
      if (c.kind !== 'duplicate') network = network.filter((q) => q !== p);
      if (c.kind !== 'lose') network.push(...route(stepHost(p.dst, p)));
    }
  }
  // Drain: deliver everything, and let timers resend, until nothing is unacknowledged.
  for (let round = 0; round < 200; round++) {
    const unacked = hosts.some((id) => [...(nodes.get(id)?.abstract().delivery.send.values() ?? [])].some((ch) => ch.unacked.length > 0));
    if (!unacked && network.length === 0) break;
    const inFlight = network;
    network = [];
    for (const p of inFlight) network.push(...route(stepHost(p.dst, p)));
    nowMs += 5000;
    for (const id of hosts) network.push(...route(stepHost(id, null)));
  }
  const held = new Map<KvKey, Uint8Array>();
  for (const id of hosts) for (const [k, v] of nodes.get(id)?.abstract().table ?? []) held.set(k, v);
  return { held, expected, answers };
}

const sorted = (m: Map<KvKey, Uint8Array>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v]]);

describe('IronKV implementation host', () => {
  it('refines the protocol on every step, and moves lose and invent nothing', () => {
    fc.assert(fc.property(fc.array(commandArb, { minLength: 20, maxLength: 80, size: 'max' }), (commands) => {
      const { held, expected } = run(commands, (id) => new KvHost(config, id));
      expect(sorted(held)).toEqual(sorted(expected));
    }), { numRuns: 300 });
  });

  it('moves a range in chunks: the recipient answers for its keys afterwards', () => {
    const set = (key: string, v: number): Command => ({ kind: 'op', host: 0, op: { type: 'set', key, value: Uint8Array.of(v) } });
    const { held, answers } = run([
      set('a', 1), set('b', 2), set('c', 3),
      { kind: 'op', host: 0, op: { type: 'shard', range: { low: 'b', high: null }, recipient: 'h2' } },
      { kind: 'deliver', index: 0 }, { kind: 'deliver', index: 0 }, { kind: 'deliver', index: 0 }, { kind: 'deliver', index: 0 },
      { kind: 'op', host: 2, op: { type: 'get', key: 'c' } },
      { kind: 'op', host: 0, op: { type: 'get', key: 'c' } },
    ], (id) => new KvHost(config, id));
    expect(answers.slice(3)).toEqual([
      { type: 'moved', seqno: 4, keys: 2 },
      { type: 'reply', seqno: 5, key: 'c', value: Uint8Array.of(3) },
      { type: 'redirect', seqno: 6, owner: 'h2' },
    ]);
    expect(sorted(held)).toEqual([['a', [1]], ['b', [2]], ['c', [3]]]);
  });

  it('a host that keeps the keys of a range it moved is caught by the monitor', () => {
    class KeepsKeys extends KvHost {
      protected override handOver(): void {}
    }
    const commands: Command[] = [
      { kind: 'op', host: 0, op: { type: 'set', key: 'a', value: Uint8Array.of(1) } },
      { kind: 'op', host: 0, op: { type: 'shard', range: { low: '', high: null }, recipient: 'h1' } },
    ];
    expect(() => run(commands, (id) => new KeepsKeys(config, id))).toThrow(RefinementViolation);
  });
});
