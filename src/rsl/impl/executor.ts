import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
import type { HostId } from '../../framework/types.js';
import type { ExecutorState, NextOp } from '../protocol/executor.js';
import type { Ballot, Opn, Reply, ReplyCache, RequestBatch, RslParams } from '../protocol/types.js';
import { balLeq, balMax, ballotZero } from '../protocol/types.js';
import type { ServiceFactory, ServiceState } from '../service.js';
import type { RslExecutorDurableState } from './durable.js';

/**
 * The executor of the implementation host (docs/rsl.md §4.4): a real service object executing
 * requests in place, the reply cache as a Map. Its abstraction is the protocol's executor over
 * `serviceAppSpec(factory)`, whose app state is the service's serialized bytes; the snapshot is
 * cached until the next execution or state supply, so abstracting costs a serialization only
 * after the state changed.
 */
export class ExecutorImpl<S extends ServiceState> {
  protected service: S;
  /** `service.serialize()`, or null when the service changed since it was taken. */
  protected snapshot: Uint8Array | null = null;
  opsComplete: Opn = 0;
  maxBalReflected: Ballot = ballotZero;
  nextOp: NextOp = { known: false };
  /** Invariant: at most `clientsMax` clients; `replyCache.get(c).client === c`. */
  readonly replyCache = new Map<HostId, Reply>();

  constructor(private readonly factory: ServiceFactory<S>, private readonly params: RslParams) {
    this.service = factory.initialize();
  }

  /** The service's snapshot: the abstraction's app state. */
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
    this.service = restored.value;
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
}
