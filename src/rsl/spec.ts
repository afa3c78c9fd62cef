import { sameBytes } from '../core/bytes.js';
import type { SpecMachine } from '../framework/spec.js';
import type { HostId } from '../framework/types.js';

/**
 * IronRSL's specification: the replicated service behaves as one machine that executes client
 * requests one at a time. Its state is the sequence of requests executed so far; the app state is
 * the result of applying them in order, and a step executes one or more requests (IronFleet's
 * `Service_Next` executes a batch). Beyond IronFleet: exactly once. A request is named by (client, seqno); it executes only
 * if its seqno is above the latest its client has had executed, so however often it is resent it
 * executes at most once, and a client's requests execute in seqno order.
 *
 * What users rely on is the correspondence (`replyCorresponds`): a reply a server sends for a
 * client's latest executed request is the app's reply to it at the point it executed.
 */

/** The service's app as the spec sees it: a pure function of a state and a request. */
export interface AppSpec<A> {
  readonly name: string;
  /** The app's state before any request. */
  init(): A;
  /** The state after `request`, and the reply to it. Must not change `state`. */
  apply(state: A, request: Uint8Array): { readonly state: A; readonly reply: Uint8Array };
  equal(a: A, b: A): boolean;
  /** A short rendering for traces. */
  show(a: A): string;
}

/** A client's request: (client, seqno) names it; `request` is the app's bytes. */
export interface RslRequest {
  readonly client: HostId;
  readonly seqno: number;
  readonly request: Uint8Array;
}

/** The latest request of one client that executed, and the app's reply to it. */
export interface LatestReply {
  readonly seqno: number;
  readonly reply: Uint8Array;
}

/** The service state. */
export interface RslSpecState<A> {
  readonly app: A;
  /** Per client, its latest executed request and the reply. Absent: none executed yet. */
  readonly latest: ReadonlyMap<HostId, LatestReply>;
  /**
   * Every request executed so far, in order: the sequence the service is the result of. `app`
   * and `latest` are what executing it from the app's initial state gives; they are kept so a
   * step is checked by executing only the requests it adds.
   */
  readonly log: readonly RslRequest[];
}

/** Whether `r` may execute in `s`: exactly once means its seqno is above its client's latest. */
export function isFresh<A>(s: RslSpecState<A>, r: RslRequest): boolean {
  return r.seqno > (s.latest.get(r.client)?.seqno ?? -1);
}

/** The state after executing `batch` in order after `s`, or null if a request in it is not fresh when it runs. */
export function executeBatch<A>(app: AppSpec<A>, s: RslSpecState<A>, batch: readonly RslRequest[]): RslSpecState<A> | null {
  let state = s.app;
  const latest = new Map(s.latest);
  for (const r of batch) {
    if (r.seqno <= (latest.get(r.client)?.seqno ?? -1)) return null;
    const out = app.apply(state, r.request);
    state = out.state;
    latest.set(r.client, { seqno: r.seqno, reply: out.reply });
  }
  return { app: state, latest, log: [...s.log, ...batch] };
}

/** The IronRSL spec machine for `app`. */
export function rslSpec<A>(app: AppSpec<A>): SpecMachine<RslSpecState<A>> {
  const equal = (a: RslSpecState<A>, b: RslSpecState<A>): boolean =>
    a === b || (a.log.length === b.log.length && app.equal(a.app, b.app) && sameLatest(a.latest, b.latest) && samePrefix(a.log, b.log, a.log.length));
  return {
    name: `IronRSL(${app.name})`,
    init: (s) => app.equal(s.app, app.init()) && s.latest.size === 0 && s.log.length === 0,
    // A step executes one or more requests after those already executed (IronFleet's batch).
    next: (s, t) => {
      if (t.log.length <= s.log.length || !samePrefix(s.log, t.log, s.log.length)) return false;
      const after = executeBatch(app, s, t.log.slice(s.log.length));
      return after !== null && equal(after, t);
    },
    equal,
    show: (s) => `${app.show(s.app)}; ${s.log.length} executed: [${s.log.slice(-8).map((r) => `${r.client}#${r.seqno}`).join(', ')}]`,
  };
}

/** The initial service state of `app`. */
export function rslSpecInit<A>(app: AppSpec<A>): RslSpecState<A> {
  return { app: app.init(), latest: new Map(), log: [] };
}

/**
 * The spec's correspondence for one reply a server sends to `client` for request `seqno`: for
 * the client's latest executed request it must be the app's reply; a reply for a request not yet
 * executed is never allowed. A reply for an older request is stale and allowed: a client has one
 * request outstanding and sends seqno n + 1 only after accepting the reply to n, so it never
 * accepts a stale one.
 */
export function replyCorresponds<A>(s: RslSpecState<A>, client: HostId, seqno: number, reply: Uint8Array): boolean {
  const latest = s.latest.get(client);
  if (latest === undefined || seqno > latest.seqno) return false;
  return seqno < latest.seqno || sameBytes(latest.reply, reply);
}

function sameLatest(a: ReadonlyMap<HostId, LatestReply>, b: ReadonlyMap<HostId, LatestReply>): boolean {
  if (a.size !== b.size) return false;
  for (const [client, x] of a) {
    const y = b.get(client);
    if (y === undefined || (x !== y && (x.seqno !== y.seqno || !sameBytes(x.reply, y.reply)))) return false;
  }
  return true;
}

/**
 * Whether the first `n` requests of `a` and `b` are the same. Checkers build each state's log from
 * the one before it, so most entries are the same objects: those cost one comparison.
 */
function samePrefix(a: readonly RslRequest[], b: readonly RslRequest[], n: number): boolean {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) {
    const r = a[i];
    const q = b[i];
    if (r === q) continue;
    if (r === undefined || q === undefined || r.client !== q.client || r.seqno !== q.seqno || !sameBytes(r.request, q.request)) return false;
  }
  return true;
}
