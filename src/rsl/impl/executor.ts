import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
import type { HostId } from '../../framework/types.js';
import { AppVersion } from '../app-version.js';
import { TrackedMap } from '../protocol/shared-map.js';
import type { ExecutorState, NextOp } from '../protocol/executor.js';
import type { Ballot, Opn, Reply, ReplyCache, RequestBatch, RslParams } from '../protocol/types.js';
import { balLeq, balMax, ballotZero } from '../protocol/types.js';
import type { ServiceFactory, ServiceState } from '../service.js';
import type { RslExecutorDurableState } from './durable.js';

/**
 * The most requests a recorded app version holds since its snapshot before the executor takes a
 * new one: it bounds the memory of the list when nothing else serializes the service (a server
 * without a data directory saves nothing, and only state supply would).
 */
export const versionRequestsMax = 4096;

/**
 * A service state that records what it handles as an app version (src/rsl/app-version.ts), once
 * `version` is set: each request handled extends it, each serialization replaces it by the root of
 * the bytes taken. It is the abstraction of an opaque service object, its last snapshot and the
 * requests handed to it since, whoever calls it (broken variants of src/rsl/testing.ts included).
 */
export class RecordedService<S extends ServiceState> implements ServiceState {
  /** The version the state stands for; null while nobody asked (recording costs nothing then). */
  version: AppVersion | null = null;

  constructor(private readonly factory: ServiceFactory<S>, readonly state: S) {}

  handleRequest(request: Uint8Array): Uint8Array {
    const reply = this.state.handleRequest(request);
    if (this.version !== null) this.version = this.version.then(request);
    return reply;
  }

  serialize(): Uint8Array {
    const snapshot = this.state.serialize();
    // What the implementation claims its state is: a monitor compares it with the version's content.
    if (this.version !== null) this.version = AppVersion.root(this.factory, snapshot);
    return snapshot;
  }
}

/**
 * The executor of the implementation host (docs/rsl.md §4.4): a real service object executing
 * requests in place, the reply cache as a Map. It has two abstractions to the protocol's executor:
 * `abstract()` over `serviceAppSpec(factory)`, whose app state is the service's serialized bytes
 * (the snapshot is cached until the next execution or state supply, so abstracting costs a
 * serialization only after the state changed), and `abstractVersions()` over
 * `serviceVersionSpec(factory)`, whose app state is the recorded `AppVersion` and costs nothing to
 * take.
 */
export class ExecutorImpl<S extends ServiceState> {
  protected service: RecordedService<S>;
  /** `service.serialize()`, or null when the service changed since it was taken. */
  protected snapshot: Uint8Array | null = null;
  opsComplete: Opn = 0;
  maxBalReflected: Ballot = ballotZero;
  nextOp: NextOp = { known: false };
  /**
   * Invariant: at most `clientsMax` clients; `replyCache.get(c).client === c`. Tracked, so that
   * `abstractVersions` hands out a view derived from the last one at the cost of the changes.
   */
  readonly replyCache = new TrackedMap<HostId, Reply>();

  constructor(private readonly factory: ServiceFactory<S>, private readonly params: RslParams) {
    this.service = new RecordedService(factory, factory.initialize());
  }

  /** The service's snapshot: the app state of `abstract()`. */
  appState(): Uint8Array {
    this.snapshot ??= this.service.serialize();
    return this.snapshot;
  }

  /** The cached reply for `client`'s request `seqno`, if the cache holds one at that seqno or later. */
  cachedReply(client: HostId, seqno: number): Reply | null {
    const cached = this.replyCache.get(client);
    return cached !== undefined && cached.seqno >= seqno ? cached : null;
  }

  /** Records the decision of slot `opsComplete`. */
  decide(batch: RequestBatch, ballot: Ballot): void {
    this.nextOp = { known: true, batch, ballot };
  }

  /** Whether execution is enabled: a decided slot, below the bound. */
  canExecute(): boolean {
    return this.nextOp.known && this.opsComplete < this.params.integerMax;
  }

  /**
   * Executes the decided slot with the exactly-once rule (a request whose client has a cached reply
   * at its seqno or later is skipped, its cached reply resent if at the same seqno; a new client
   * beyond `clientsMax` is skipped with no reply) and returns the replies and the batch.
   */
  execute(): { readonly replies: readonly Reply[]; readonly batch: RequestBatch } {
    const op = this.nextOp;
    if (!op.known) return { replies: [], batch: [] };
    const replies: Reply[] = [];
    for (const r of op.batch) {
      const cached = this.replyCache.get(r.client);
      if (cached !== undefined && cached.seqno >= r.seqno) {
        if (cached.seqno === r.seqno) replies.push(cached);
        continue;
      }
      if (cached === undefined && this.replyCache.size >= this.params.clientsMax) continue;
      this.snapshot = null;
      const reply: Reply = { client: r.client, seqno: r.seqno, reply: this.runRequest(r.payload) };
      this.replyCache.set(r.client, reply);
      replies.push(reply);
    }
    this.opsComplete++;
    this.maxBalReflected = balMax(this.maxBalReflected, op.ballot);
    this.nextOp = { known: false };
    const version = this.service.version;
    if (version !== null && version.depth >= versionRequestsMax) this.appState();
    return { replies, batch: op.batch };
  }

  /** Runs one request on the service (a hook for broken variants of src/rsl/testing.ts). */
  protected runRequest(payload: Uint8Array): Uint8Array {
    return this.service.handleRequest(payload);
  }

  /** Whether this executor can supply its state to a replica asking for `opn` in `ballot`. */
  canSupply(ballot: Ballot, opn: Opn): boolean {
    return balLeq(this.maxBalReflected, ballot) && this.opsComplete >= opn;
  }

  /**
   * Takes a supplied state of `opn` executed slots at `ballot` (the caller checked it is ahead), or
   * says why the snapshot is not one of this service (then nothing changed).
   */
  applySupply(ballot: Ballot, opn: Opn, app: Uint8Array, replyCache: ReplyCache): Result<void, string> {
    const restored = this.factory.deserialize(app);
    if (!restored.ok) return err(restored.error);
    const recording = this.service.version !== null;
    this.service = new RecordedService(this.factory, restored.value);
    if (recording) this.service.version = AppVersion.root(this.factory, app);
    this.snapshot = null;
    this.replyCache.clear();
    for (const [c, r] of replyCache) this.replyCache.set(c, r);
    this.opsComplete = opn;
    this.maxBalReflected = ballot;
    this.nextOp = { known: false };
    return ok(undefined);
  }

  /** What the executor keeps across a crash: its position and snapshot, the reply cache in client order. */
  durable(): RslExecutorDurableState {
    const replyCache = [...this.replyCache.values()].sort((a, b) => (a.client < b.client ? -1 : a.client > b.client ? 1 : 0));
    return { opsComplete: this.opsComplete, maxBalReflected: this.maxBalReflected, app: this.appState(), replyCache };
  }

  /** Takes the state a restarted replica recovered, or says why its snapshot is not one of this service. */
  restore(state: RslExecutorDurableState): Result<void, string> {
    return this.applySupply(state.maxBalReflected, state.opsComplete, state.app, new Map(state.replyCache.map((r) => [r.client, r])));
  }

  /** The protocol's executor state over snapshots (copies). */
  abstract(): ExecutorState<Uint8Array> {
    return {
      app: this.appState(),
      opsComplete: this.opsComplete,
      maxBalReflected: this.maxBalReflected,
      nextOp: this.nextOp,
      replyCache: new Map(this.replyCache),
    };
  }

  /**
   * The protocol's executor state over app versions (copies): the recorded version of the service,
   * which starts as the root of its snapshot the first time this is asked.
   */
  abstractVersions(): ExecutorState<AppVersion> {
    return {
      app: this.appVersion(),
      opsComplete: this.opsComplete,
      maxBalReflected: this.maxBalReflected,
      nextOp: this.nextOp,
      replyCache: this.replyCache.shared(),
    };
  }

  /** The recorded version of the service, recording from now on if it was not. */
  appVersion(): AppVersion {
    if (this.service.version === null) this.service.version = AppVersion.root(this.factory, this.appState());
    return this.service.version;
  }
}
