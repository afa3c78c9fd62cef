import { describe, expect, it } from 'vitest';
import type { DistributedState } from '../framework/distributed.js';
import { distributedInit, distributedNext } from '../framework/distributed.js';
import type { HostProtocol } from '../framework/protocol.js';
import { notEnabled } from '../framework/protocol.js';
import type { Packet } from '../framework/types.js';
import type { CheckOptions, CheckResult } from './check.js';
import { check } from './check.js';
import { distributedModel, packetKeys } from './distributed.js';
import { newFingerprint } from './fingerprint.js';
import type { Model } from './model.js';
import type { RingHost, RingMsg, RingOptions } from './models/ring.js';
import { ringModel, ringProtocol } from './models/ring.js';
import { formatResult } from './report.js';
import { stableKey } from './stable.js';

function run<S>(model: Model<S>, options: CheckOptions = {}): CheckResult {
  const r = check(model, options);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const ring = (o: RingOptions, options: CheckOptions = {}): CheckResult => run(ringModel(o), options);

type RingState = DistributedState<RingHost, RingMsg>;

/** A state's identity for comparisons: host states in order, then the set of packet keys. */
function identity(ds: RingState): string {
  const hosts = [...ds.hosts].map(([id, s]) => `${id}=${stableKey(s)}`).join(';');
  const network = ds.network.map((p) => stableKey(p)).sort().join(';');
  return `${hosts}|${network}`;
}

describe('distributed adapter: token ring', () => {
  it('explores hosts plus the network of every packet sent, and OneHolder holds', () => {
    const r = ring({ hosts: 3, maxRound: 4 });
    expect(r.violation).toBeNull();
    expect(r.properties).toEqual([{ kind: 'invariant', name: 'OneHolder', status: 'ok' }]);
    // One path: the token held at round 0, then in flight and held for rounds 1..5; the state
    // where a host holds round 5 is outside the constraint, so it is checked but not expanded.
    expect(r.distinctStates).toBe(11);
    expect(r.cutOffStates).toBe(1);
    expect(r.depth).toBe(10);
    expect(run(ringModel({ hosts: 3, maxRound: 4 }), { search: 'dfs' }).distinctStates).toBe(11);
  });

  it('finds an injected bug (retaking an old token) with the shortest trace, showing hosts and packets', () => {
    const r = ring({ hosts: 3, maxRound: 6, bug: 'retake' });
    const v = r.violation;
    expect(v?.property).toBe('OneHolder');
    // h0 passes, h1 takes and passes, h1 takes its old token again, h2 takes the new one.
    expect(v?.trace.steps.map((s) => s.action)).toEqual([null, 'pass(h0)', 'take(h1)', 'pass(h1)', 'take(h1)', 'take(h2)']);
    expect(v?.trace.steps[4]?.packet).toBe('h0 -> h1 {type: "token", round: 1}');
    expect(v?.trace.steps[3]?.changes).toEqual(['hosts.h1.holding: true -> false', 'network: + h1 -> h2 {type: "token", round: 2}']);
    const text = formatResult(r).join('\n');
    expect(text).toContain('step 4  take(h1)  receives h0 -> h1 {type: "token", round: 1}');
  });

  it('checks liveness on a protocol: the last host eventually holds the token under weak fairness', () => {
    const r = ring({ hosts: 3, maxRound: 4, liveness: true });
    expect(r.violation).toBeNull();
    expect(r.properties.find((p) => p.kind === 'liveness')?.status).toBe('ok');
    const model = ringModel({ hosts: 3, maxRound: 4, liveness: true });
    const live = model.liveness?.[0];
    if (live?.kind !== 'eventually') throw new Error('expected an eventually property');
    const unfair = run({ ...model, liveness: [{ ...live, fairness: ['pass(*)'] }] });
    // Without fairness for take, the token may stay in flight forever.
    expect(unfair.violation?.kind).toBe('liveness');
    expect(unfair.violation?.trace.loop?.stutter).toBe(true);
    expect(unfair.violation?.trace.steps.map((s) => s.action)).toEqual([null, 'pass(h0)']);
  });

  it('has the same successors as the framework\'s distributedNext', () => {
    const protocol = ringProtocol('retake');
    const config = { hosts: ['h0', 'h1', 'h2'] };
    const model = distributedModel({
      name: 'ring', bounds: '', protocol, config, hostIds: config.hosts, inputs: { receives: (a) => a === 'take' },
    });
    let frontier: RingState[] = [distributedInit(protocol, config, config.hosts)];
    for (let depth = 0; depth < 5; depth++) {
      const next: RingState[] = [];
      for (const ds of frontier) {
        const ours: string[] = [];
        model.successors(ds, (_a, t) => {
          ours.push(identity(t));
          next.push(t);
        });
        const theirs: string[] = [];
        for (const host of config.hosts) {
          const s = distributedNext(protocol, ds, { host, action: 'pass', input: {} });
          if (s !== undefined) theirs.push(identity(s));
          for (const packet of ds.network) {
            const t = distributedNext(protocol, ds, { host, action: 'take', input: { packet } });
            if (t !== undefined) theirs.push(identity(t));
          }
        }
        expect(ours.sort()).toEqual(theirs.sort());
      }
      frontier = next;
    }
    expect(frontier.length).toBeGreaterThan(0);
  });

  it('keeps the network canonical: equal sets of packets fingerprint alike whatever the order sent', () => {
    const keys = packetKeys<RingMsg>(stableKey);
    const a: Packet<RingMsg> = { src: 'h0', dst: 'h1', msg: { type: 'token', round: 1 } };
    const b: Packet<RingMsg> = { src: 'h1', dst: 'h2', msg: { type: 'token', round: 2 } };
    const b2: Packet<RingMsg> = { src: 'h1', dst: 'h2', msg: { type: 'token', round: 2 } };
    const ab = keys.insertAll(keys.insertAll([], [a]), [b]);
    const ba = keys.insertAll(keys.insertAll([], [b]), [a, b2]);
    expect(ab.map(keys.key)).toEqual(ba.map(keys.key));
    expect(ba.length).toBe(2);
    const model = ringModel({ hosts: 3, maxRound: 2 });
    if (model.encoding?.kind !== 'object') throw new Error('expected object states');
    const hosts = distributedInit(ringProtocol(), { hosts: ['h0', 'h1', 'h2'] }, ['h0', 'h1', 'h2']).hosts;
    const f = newFingerprint();
    const g = newFingerprint();
    model.encoding.fingerprint({ hosts, network: ab }, f);
    model.encoding.fingerprint({ hosts, network: ba }, g);
    expect([f.hi, f.lo]).toEqual([g.hi, g.lo]);
    model.encoding.fingerprint({ hosts, network: [a] }, g);
    expect([f.hi, f.lo]).not.toEqual([g.hi, g.lo]);
  });
});

describe('distributed adapter: inputs other than packets', () => {
  // One host that records the latest clock reading it was stepped with.
  const clock: HostProtocol<null, { readonly lastMs: number }, never> = {
    name: 'clock',
    init: () => ({ lastMs: 0 }),
    actions: {
      tick: (s, input) => (input.nowMs !== undefined && input.nowMs > s.lastMs
        ? { state: { lastMs: input.nowMs }, sent: [] } : notEnabled('clock did not advance')),
    },
    equal: (a, b) => a.lastMs === b.lastMs,
    equalMsg: () => true,
  };

  it('tries each action with every input the enumerator gives, and shows them in traces', () => {
    const model = distributedModel({
      name: 'clock', bounds: 'nowMs in 1..3', protocol: clock, config: null, hostIds: ['h'],
      inputs: { receives: () => false, inputs: () => [{ nowMs: 1 }, { nowMs: 2 }, { nowMs: 3 }] },
      invariants: [{ name: 'Below3', holds: (ds) => (ds.hosts.get('h')?.lastMs ?? 0) < 3 }],
    });
    const r = run(model);
    const steps = r.violation?.trace.steps ?? [];
    expect(steps.map((s) => [s.action, s.input, s.host])).toEqual([[null, undefined, undefined], ['tick(h)', 'nowMs=3', 'h']]);
    const all = run({ ...model, invariants: [] });
    expect(all.distinctStates).toBe(4);
  });
});

describe('distributed adapter: outsiders and lossy links', () => {
  // One host that remembers which values it has received, from anyone.
  type Seen = { readonly seen: readonly number[] };
  const collector: HostProtocol<null, Seen, number> = {
    name: 'collector',
    init: () => ({ seen: [] }),
    actions: {
      take: (s, input) => {
        const m = input.packet?.msg;
        if (m === undefined) return notEnabled('no packet');
        return { state: { seen: s.seen.includes(m) ? s.seen : [...s.seen, m].sort() }, sent: [] };
      },
    },
    equal: (a, b) => stableKey(a) === stableKey(b),
    equalMsg: (a, b) => a === b,
  };
  const values = [1, 2, 3];
  const collectorModel = (packetsMax: number, network: 'ironfleet' | 'lossy') => distributedModel({
    name: 'collector', bounds: '', protocol: collector, config: null, hostIds: ['h'],
    inputs: { receives: () => true },
    outsiders: { ids: ['x0'], messages: () => values.map((msg) => ({ dst: 'h', msg })), packetsMax },
    network,
  });

  it('names outsider sends and losses as actions of their own', () => {
    expect(collectorModel(1, 'ironfleet').actions).toEqual(['take(h)', 'send(x0)']);
    expect(collectorModel(1, 'lossy').actions).toEqual(['take(h)', 'send(x0)', 'lose(h)', 'lose(x0)']);
  });

  it('lets outsiders send any listed message, up to packetsMax packets in the network', () => {
    // IronFleet's network keeps what the outsider sent: at most one packet of three, and the
    // host has seen it or not: 1 + 3 * 2 states. With two: networks of up to two packets, each
    // with any subset of them seen: 1 + 3 * 2 + 3 * 4.
    expect(run(collectorModel(1, 'ironfleet')).distinctStates).toBe(7);
    expect(run(collectorModel(2, 'ironfleet')).distinctStates).toBe(19);
    expect(run(collectorModel(0, 'ironfleet')).distinctStates).toBe(1);
  });

  it('on lossy links, consumes a packet on receipt and loses packets, so an outsider may send again', () => {
    // Any subset of values seen, with the network empty or holding one of the three packets.
    const model = collectorModel(1, 'lossy');
    expect(run(model).distinctStates).toBe(8 * 4);
    const lost: string[] = [];
    const consumed: number[] = [];
    const ds = { hosts: new Map([['h', { seen: [] }]]), network: [{ src: 'x0', dst: 'h', msg: 2 }] };
    model.successors(ds, (a, t, note) => {
      if (model.actions[a] === 'lose(h)') lost.push(`${note?.host ?? '?'} ${t.network.length}`);
      if (model.actions[a] === 'take(h)') consumed.push(t.network.length);
    });
    expect(lost).toEqual(['h 0']);
    expect(consumed).toEqual([0]);
  });

  it('keeps the lossy network a set: sending a packet already in flight changes nothing', () => {
    const echo: HostProtocol<null, null, string> = {
      name: 'echo', init: () => null,
      actions: { send: () => ({ state: null, sent: [{ src: 'h', dst: 'h', msg: 'ping' }] }) },
      equal: () => true, equalMsg: (a, b) => a === b,
    };
    const model = distributedModel({
      name: 'echo', bounds: '', protocol: echo, config: null, hostIds: ['h'], inputs: { receives: () => false }, network: 'lossy',
    });
    // The empty network and the one holding ping: send adds it, lose removes it.
    const r = run(model);
    expect(r.distinctStates).toBe(2);
  });
});
