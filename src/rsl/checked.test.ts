import { describe, expect, it } from 'vitest';
import { counterRequest, counterService, encodeCounterValue } from '../apps/counter.js';
import { kvGet, kvService, kvSet } from '../apps/kv.js';
import { RefinementViolation } from '../check/monitor.js';
import { simulate } from '../sim/simulator.js';
import type { Result } from '../core/result.js';
import type { HostEnvironment } from '../framework/host.js';
import { MemoryStore } from '../framework/memory-store.js';
import type { Packet } from '../framework/types.js';
import type { VersionSpecStats } from './app-version.js';
import { serviceVersionSpec } from './app-version.js';
import { checkedRslReplica } from './checked.js';
import { ExecutorImpl, versionRequestsMax } from './impl/executor.js';
import { RslReplica } from './impl/replica.js';
import type { RslConstants } from './protocol/replica.js';
import type { Ballot, Reply, RequestBatch } from './protocol/types.js';
import { defaultRslParams } from './protocol/types.js';
import type { ServiceFactory, ServiceState } from './service.js';
import { AcceptBelowPromiseReplica, ExecuteTwiceReplica } from './testing.js';
import type { RslImplMsg } from './wire.js';
import { sessionClientId } from './wire.js';
import type { RslSimOptions } from './sim.js';
import { rslSystem } from './sim.js';

/** The value of a Result the test expects to be ok. */
function must<T>(r: Result<T, unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

const constants: RslConstants = { config: { replicaIds: ['r0', 'r1', 'r2'] }, params: { ...defaultRslParams, heartbeatPeriodMs: 100 } };
const ballot: Ballot = { seqno: 1, proposer: 1 };
const counter = counterService as unknown as ServiceFactory;
const c0 = sessionClientId('c', 0);
const c1 = sessionClientId('c', 1);
const c2 = sessionClientId('c', 2);

/**
 * Replica r0 of the counter under the checked monitor (`checkedRslReplica`), fed a script by the
 * other replicas, which are not run: r1 proposes batches with 2as, r1 and r2 vote for them with 2bs, ask for r0's state and
 * supply theirs. The script covers a batch, a resent request in a later slot (executed once), a
 * heartbeat that saves the executor (its snapshot is compared), a state request (the supply is
 * compared) and a state supply with a slot executed on top. Returns the first refinement violation,
 * or null and what was checked.
 */
function runScript(variant: typeof RslReplica = RslReplica): {
  readonly violation: RefinementViolation | null; readonly actions: ReadonlyMap<string, number>; readonly spec: VersionSpecStats;
} {
  const replica = must(RslReplica.recover(constants, 'r0', new MemoryStore(), counter, variant));
  const spec = serviceVersionSpec(counter);
  const host = checkedRslReplica(replica, counter, spec);
  const inbox: Packet<RslImplMsg>[] = [];
  let nowMs = 1;
  const env: HostEnvironment<RslImplMsg> = {
    me: 'r0', receive: () => inbox.shift() ?? null, now: () => nowMs, send: () => undefined, disk: new MemoryStore(), emit: () => undefined,
  };
  const idle = (): void => {
    for (let i = 0; i < 200; i++) {
      const report = host.step(env);
      if (report.action === null && inbox.length === 0) return;
    }
    throw new Error('r0 did not settle');
  };
  const decide = (opn: number, batch: RequestBatch): void => {
    // r1 leads the ballot: r0 accepts its 2a, and with r1's and r2's 2bs the slot is chosen.
    inbox.push({ src: 'r1', dst: 'r0', msg: { type: '2a', ballot, opn, batch } });
    for (const src of ['r1', 'r2']) inbox.push({ src, dst: 'r0', msg: { type: '2b', ballot, opn } });
    idle();
  };
  const request = (client: string, seqno: number) => ({ client, seqno, payload: counterRequest() });
  try {
    idle();
    decide(0, [request(c0, 1), request(c1, 1), request(c2, 1)]);
    // c0's request 1 again, in a later slot: executed once, its cached reply sent again.
    decide(1, [request(c0, 1), request(c0, 2), request(c1, 2)]);
    nowMs += 200; // the heartbeat is due: it syncs the executor's log (the first one checkpointed it)
    idle();
    inbox.push({ src: 'r1', dst: 'r0', msg: { type: 'appStateRequest', ballot, opn: 2 } });
    idle();
    const cache: Reply[] = [{ client: c0, seqno: 9, reply: encodeCounterValue(40) }];
    inbox.push({
      src: 'r2', dst: 'r0',
      msg: { type: 'appStateSupply', ballot, opn: 5, state: { app: encodeCounterValue(41), replyCache: new Map(cache.map((r) => [r.client, r])) } },
    });
    idle();
    decide(5, [request(c0, 9), request(c0, 10), request(c2, 2)]);
    nowMs += 200; // after the supplied state the log has a gap: this heartbeat checkpoints, snapshot and all
    idle();
    return { violation: null, actions: host.stats.actions, spec: spec.stats };
  } catch (e) {
    if (e instanceof RefinementViolation) return { violation: e, actions: host.stats.actions, spec: spec.stats };
    throw e;
  }
}

/** A replica whose executor is made by `make` (broken variants below). */
function withExecutor(make: (factory: ServiceFactory, params: RslConstants['params']) => ExecutorImpl<ServiceState>): typeof RslReplica {
  class Variant<S extends ServiceState = ServiceState> extends RslReplica<S> {
    protected override createExecutor(factory: ServiceFactory<S>): ExecutorImpl<S> {
      return make(factory as unknown as ServiceFactory, this.constants.params) as unknown as ExecutorImpl<S>;
    }
  }
  return Variant as unknown as typeof RslReplica;
}

/** Executes a rearranged batch: `rearrange` gets the decided one. */
class RearrangingExecutor extends ExecutorImpl<ServiceState> {
  constructor(factory: ServiceFactory, params: RslConstants['params'], private readonly rearrange: (batch: RequestBatch) => RequestBatch) {
    super(factory, params);
  }

  override execute(): { readonly replies: readonly Reply[]; readonly batch: RequestBatch } {
    if (this.nextOp.known) this.nextOp = { ...this.nextOp, batch: this.rearrange(this.nextOp.batch) };
    return super.execute();
  }
}

/** Answers with the service's reply, its last byte changed. */
class WrongReplyExecutor extends ExecutorImpl<ServiceState> {
  protected override runRequest(payload: Uint8Array): Uint8Array {
    const reply = super.runRequest(payload).slice();
    reply[reply.length - 1] = (reply[reply.length - 1] ?? 0) ^ 1;
    return reply;
  }
}

/** Caches each executed reply under a seqno one too high. */
class CorruptCacheExecutor extends ExecutorImpl<ServiceState> {
  override execute(): { readonly replies: readonly Reply[]; readonly batch: RequestBatch } {
    const out = super.execute();
    for (const r of out.replies) this.replyCache.set(r.client, { ...r, seqno: r.seqno + 1 });
    return out;
  }
}

/**
 * Runs one more request on its service behind the recording's back, after executing slot 1: the
 * replies so far were right, the state is not (the next snapshot shows it).
 */
class SilentCorruptionExecutor extends ExecutorImpl<ServiceState> {
  override execute(): { readonly replies: readonly Reply[]; readonly batch: RequestBatch } {
    const out = super.execute();
    if (this.opsComplete === 2) this.service.state.handleRequest(counterRequest());
    return out;
  }
}

/** Supplies a snapshot one request ahead of its state, once it has executed slot 1. */
class BadSupplyExecutor extends ExecutorImpl<ServiceState> {
  override appState(): Uint8Array {
    const snapshot = super.appState();
    if (this.opsComplete < 2) return snapshot;
    const ahead = must(counter.deserialize(snapshot));
    ahead.handleRequest(counterRequest());
    return ahead.serialize();
  }
}

describe('IronRSL checked over app versions (rsl serve --checked)', () => {
  it('passes the correct replica through batches, a resent request, executor checkpoints, a state request and a state supply', () => {
    const { violation, actions, spec } = runScript();
    expect(violation).toBeNull();
    // The whole state was touched only to start the shadow, to restart it from the supplied state,
    // and to compare the supplied snapshot and the checkpoint after the supply with the spec's content.
    expect(spec).toEqual({ restores: 2, serializations: 2 });
    // What was checked: executions, the save before a heartbeat, both sides of a state transfer.
    expect(actions.get('maybeExecute')).toBe(3);
    expect(actions.get('processAppStateRequest')).toBe(1);
    expect(actions.get('processAppStateSupply')).toBe(1);
    expect(actions.get('sendHeartbeat')).toBeGreaterThanOrEqual(2);
  });

  const caught: readonly [string, typeof RslReplica, RegExp][] = [
    ['runs a resent request again (testing.ts execute-twice)', ExecuteTwiceReplica as unknown as typeof RslReplica, /\(maybeExecute\): (stateMismatch|sentMismatch)/],
    ['skips a request', withExecutor((f, p) => new RearrangingExecutor(f, p, (b) => b.slice(1))), /\(maybeExecute\): stateMismatch/],
    ['runs a batch out of order', withExecutor((f, p) => new RearrangingExecutor(f, p, (b) => [...b].reverse())), /\(maybeExecute\): stateMismatch/],
    ['answers with a wrong reply', withExecutor((f, p) => new WrongReplyExecutor(f, p)), /\(maybeExecute\): (stateMismatch|sentMismatch)/],
    ['corrupts its reply cache', withExecutor((f, p) => new CorruptCacheExecutor(f, p)), /\(maybeExecute\): stateMismatch: executor\.replyCache/],
    ['changes its service behind the recording (seen when it next serializes it, here for a state supply)', withExecutor((f, p) => new SilentCorruptionExecutor(f, p)), /\(processAppStateRequest\): stateMismatch: executor\.app/],
    ['supplies a wrong snapshot', withExecutor((f, p) => new BadSupplyExecutor(f, p)), /\(processAppStateRequest\): sentMismatch/],
  ];
  for (const [what, variant, failure] of caught) {
    it(`catches an executor that ${what}`, () => {
      const { violation } = runScript(variant);
      expect(violation?.message).toMatch(failure);
    });
  }

  it('catches an acceptor that takes a 2a below its promise (testing.ts accept-below-promise-impl)', () => {
    const replica = must(RslReplica.recover(constants, 'r2', new MemoryStore(), counter, AcceptBelowPromiseReplica as unknown as typeof RslReplica));
    const host = checkedRslReplica(replica, counter);
    const inbox: Packet<RslImplMsg>[] = [
      { src: 'r1', dst: 'r2', msg: { type: '1a', ballot: { seqno: 1, proposer: 1 } } },
      { src: 'r0', dst: 'r2', msg: { type: '2a', ballot: { seqno: 1, proposer: 0 }, opn: 0, batch: [] } },
    ];
    const env: HostEnvironment<RslImplMsg> = {
      me: 'r2', receive: () => inbox.shift() ?? null, now: () => 0, send: () => undefined, disk: new MemoryStore(), emit: () => undefined,
    };
    expect(host.step(env).action).toBe('process1a');
    expect(() => host.step(env)).toThrow(/refinement violation .*process2a.*notEnabled/);
  });

  it('keeps the shadow with the versions: a cluster under load restores each replica\'s service once, to start', () => {
    const ids = ['r0', 'r1', 'r2'];
    const params = { ...constants.params, batchDelayMs: 1 };
    const inboxes = new Map(ids.map((id) => [id, [] as Packet<RslImplMsg>[]]));
    const toClient: Packet<RslImplMsg>[] = [];
    let nowMs = 0;
    const specs = ids.map(() => serviceVersionSpec(kvService as unknown as ServiceFactory));
    const hosts = ids.map((id, i) => {
      const replica = must(RslReplica.recover({ ...constants, params }, id, new MemoryStore(), kvService));
      const inbox = inboxes.get(id) ?? [];
      const env: HostEnvironment<RslImplMsg> = {
        me: id, receive: () => inbox.shift() ?? null, now: () => nowMs, disk: new MemoryStore(), emit: () => undefined,
        send: (dst, msg) => (inboxes.get(dst) ?? toClient).push({ src: id, dst, msg }),
      };
      const spec = specs[i];
      if (spec === undefined) throw new Error('no spec');
      return { host: checkedRslReplica(replica, kvService, spec), env, inbox };
    });
    const seqnos = [0, 0, 0, 0, 0, 0, 0, 0];
    const send = (session: number): void => {
      const seqno = (seqnos[session] ?? 0) + 1;
      seqnos[session] = seqno;
      const payload = seqno % 2 === 0 ? must(kvGet(`k${seqno % 5}`)) : must(kvSet(`k${seqno % 5}`, Uint8Array.of(session, seqno & 0xff)));
      inboxes.get('r0')?.push({ src: 'c', dst: 'r0', msg: { type: 'request', session, seqno, payload } });
    };
    seqnos.forEach((_, session) => send(session));
    let answered = 0;
    while (answered < 600) {
      for (const { host, env, inbox } of hosts) {
        for (let k = 0; k < 1000 && (inbox.length > 0 || host.wakeAfterMs(nowMs) === 0); k++) {
          if (host.step(env).action === null && inbox.length === 0) break;
        }
      }
      for (const p of toClient.splice(0)) {
        if (p.msg.type === 'reply' && p.msg.seqno === seqnos[p.msg.session]) {
          answered++;
          send(p.msg.session);
        }
      }
      nowMs++;
      expect(nowMs).toBeLessThan(100_000);
    }
    // The shadow followed the versions from request to request: restored once per replica, when it
    // first ran a request, and never again (heartbeats sync the executor's log, they take no snapshot).
    for (const spec of specs) expect(spec.stats.restores).toBe(1);
  });

  it('keeps a recorded version short: the executor takes a snapshot every versionRequestsMax requests', () => {
    const executor = new ExecutorImpl(kvService, constants.params);
    const start = executor.appVersion();
    expect(start.depth).toBe(0);
    let version = start;
    for (let i = 0; i < versionRequestsMax + 10; i++) {
      executor.decide([{ client: c0, seqno: i + 1, payload: i % 2 === 0 ? must(kvSet('k', Uint8Array.of(i & 0xff))) : must(kvGet('k')) }], ballot);
      executor.execute();
      version = executor.appVersion();
      expect(version.depth).toBe(i < versionRequestsMax - 1 ? i + 1 : (i + 1) % versionRequestsMax);
    }
    expect(version.base).not.toBe(start);
    expect(version.base.knownSnapshot).not.toBeNull();
  });
});

/**
 * `rslSystem(options)` with every replica stepped under the checked monitor over app versions
 * instead of the one over snapshots (the simulator's own abstraction, for its spec check and its
 * outsiders, stays the snapshot one). Each call of the replica's snapshot abstraction serializes
 * its service, which makes the recorded version a root: the runs exercise restores and content
 * comparisons far more often than a server does.
 */
function versionChecked(options: RslSimOptions, checks = new Map<string, number>()): ReturnType<typeof rslSystem> {
  const system = rslSystem(options);
  const factory = (options.app === 'counter' ? counterService : kvService) as unknown as ServiceFactory;
  return {
    ...system,
    wrap: (h) => {
      const checked = checkedRslReplica(h as unknown as RslReplica, factory);
      return {
        step: (env) => {
          const report = checked.step(env);
          if (report.action !== null) checks.set(report.action, (checks.get(report.action) ?? 0) + 1);
          return report;
        },
        abstract: () => h.abstract(),
        wakeAfterMs: (nowMs) => checked.wakeAfterMs(nowMs),
      };
    },
  };
}

describe('IronRSL checked over app versions in the simulator', () => {
  it('passes runs with faults (crashes, view changes, state transfer) of the kv store and the counter', () => {
    const checks = new Map<string, number>();
    for (const [app, seed] of [['kv', 1], ['kv', 2], ['kv', 3], ['counter', 4], ['counter', 5]] as const) {
      const r = simulate(versionChecked({ app }, checks), { seed, durationMs: 1_000, quietMs: 3_500 });
      expect(r.failure, `${app} seed ${seed}`).toBeNull();
      expect(r.history?.returns ?? 0).toBeGreaterThan(20);
    }
    // The runs had view changes and state transfers, both sides checked.
    for (const action of ['maybeEnterNewView', 'processAppStateRequest', 'processAppStateSupply', 'maybeExecute']) {
      expect(checks.get(action) ?? 0, action).toBeGreaterThan(0);
    }
  }, 120_000);

  it('catches the executor that runs a resent request again with the monitor, where the simulator over snapshots needs its spec check', () => {
    const system = versionChecked({ app: 'counter', variant: 'execute-twice' });
    const failures = [1, 2, 3, 4].map((seed) => simulate(system, { seed, durationMs: 1_000, quietMs: 3_500 }).failure);
    const caught = failures.find((f) => f !== null);
    expect(caught?.kind).toBe('exception');
    expect(caught?.message).toMatch(/refinement violation .*\(maybeExecute\)/);
  }, 60_000);
});
