import { AssertionError } from '../core/assert.js';
import { sameBytes } from '../core/bytes.js';
import { errorText } from '../core/errors.js';
import { Hash64 } from '../core/hash.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { AppSpec } from './spec.js';

/**
 * The service interface: what a user writes to have IronRSL replicate it, typed after IronFleet's
 * C# `Service` (a name, `Initialize`, `Deserialize`, and a state with `HandleRequest` and
 * `Serialize`). Every replica runs its own copy of the state and feeds it the same requests in
 * the same order, so the copies stay equal only if the service is deterministic: the reply and
 * the next state depend on nothing but the state and the request (no clock, no randomness, no
 * state outside the object, no iteration over anything whose order is not fixed).
 *
 * Beyond IronFleet: `deserialize` returns a `Result`. A snapshot arrives from another replica
 * (state transfer) or from disk (crash recovery), and either may be corrupt or of another
 * service; that is an expected failure the replica reports and survives, not an exception. (In
 * IronFleet's C# counter, a snapshot of the wrong length silently became 0.)
 */

/**
 * One copy of a replicated service's state. It is mutable: `handleRequest` changes it in place.
 *
 * Contract, which replicas rely on and `checkDeterministic` samples:
 * - `handleRequest` is deterministic and total: it answers *every* byte string, answering a bad
 *   request with an error reply and leaving the state unchanged. A throw is a bug in the service;
 *   the replica cannot continue after one, so a server is never to throw on a client's bytes.
 * - `serialize` is canonical: two states that behave the same serialize to the same bytes (for
 *   example a map's keys in sorted order), because replicas' states are compared as bytes. It
 *   does not change the state.
 * - Bytes returned by either belong to the caller; the state keeps no view of them, nor of the
 *   request it was given.
 */
export interface ServiceState {
  /** Executes `request` on this state (in place) and returns the reply for the client. */
  handleRequest(request: Uint8Array): Uint8Array;
  /** The state as bytes: a snapshot `deserialize` turns back into an equal state. */
  serialize(): Uint8Array;
}

/**
 * A replicated service, as a user writes it: a name and the two ways to obtain a state, fresh
 * or from a snapshot. `deserialize(s.serialize())` must give a state that behaves exactly as `s`.
 */
export interface ServiceFactory<S extends ServiceState = ServiceState> {
  /** The service's name, e.g. 'counter'; replicas of one deployment must run the same service. */
  readonly name: string;
  /** The state before any request. */
  initialize(): S;
  /**
   * The state a snapshot stands for, or why `bytes` are not a snapshot of this service (corrupt,
   * truncated, another service's). Never throws. `bytes` belong to the caller: copy what is kept.
   */
  deserialize(bytes: Uint8Array): Result<S, string>;
}

/**
 * The spec's pure view of any service, as an `AppSpec` over snapshots: a state is the service's
 * serialized bytes, and `apply` deserializes them, handles the request and serializes again.
 * Generic but slow (a whole snapshot per request), which suits model checking tiny configurations
 * and checking a user's service against the spec; an app may provide a faster `AppSpec` of its
 * own that agrees with this one (as `counterAppSpec` and `kvAppSpec` in src/apps do, tested).
 * `serviceVersionSpec` (src/rsl/app-version.ts) is this spec for any service at the cost of its
 * own `handleRequest`, over app versions instead of bytes: what a running replica is checked
 * against (`rsl serve --checked`).
 *
 * A service that breaks its contract (throws, refuses its own snapshot) fails an assertion naming
 * the service: that is a bug in the service, and the spec cannot say what it should have done.
 */
export function serviceAppSpec<S extends ServiceState>(factory: ServiceFactory<S>): AppSpec<Uint8Array> {
  return {
    name: factory.name,
    init: () => callService(factory, 'serialize() of a fresh state', () => factory.initialize().serialize()),
    apply: (state, request) => {
      // The copy keeps `state` unchanged even if the service keeps a view of its snapshot.
      const restored = factory.deserialize(state.slice());
      if (!restored.ok) {
        throw new AssertionError(`service '${factory.name}' refused its own snapshot (${state.length} bytes): ${restored.error}`);
      }
      const s = restored.value;
      const reply = callService(factory, 'handleRequest', () => s.handleRequest(request.slice()));
      return { state: callService(factory, 'serialize', () => s.serialize()), reply };
    },
    equal: sameBytes,
    show: (state) => `${factory.name} state of ${state.length} bytes, hash ${new Hash64().bytes(state).hex()}`,
  };
}

/** Runs one call into a service's code, turning a throw (a bug in the service) into an assertion failure naming it. */
export function callService<T>(factory: ServiceFactory<ServiceState>, what: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw new AssertionError(`service '${factory.name}' threw in ${what}, which a service must never do: ${errorText(e)}`);
  }
}

/** What a service is, in a sentence: for errors about a user's module that should export one. */
export const serviceShape =
  'an object with name (a non-empty string), initialize() (returning a state with handleRequest(bytes) ' +
  'and serialize(), each returning a Uint8Array) and deserialize(bytes) (returning {ok: true, value: state} ' +
  'or {ok: false, error: string})';

/**
 * What is wrong with `value` as a service factory, judged by its shape alone (no call into it):
 * one phrase per problem, empty when there is none. With `serviceShape`, this is what a command
 * loading `--app ./module.js` needs to pick the export that is a service.
 */
export function serviceFactoryProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return ['not an object'];
  const record = value as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  const name = record['name'];
  if (name === undefined) problems.push('no name');
  else if (typeof name !== 'string' || name.length === 0) problems.push('name is not a non-empty string');
  for (const method of ['initialize', 'deserialize']) {
    const f = record[method];
    if (f === undefined) problems.push(`no ${method}`);
    else if (typeof f !== 'function') problems.push(`${method} is not a function`);
  }
  return problems;
}

/** What is wrong with `value` as a service state: one phrase per problem, empty when there is none. */
function serviceStateProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return ['not an object'];
  const record = value as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  for (const method of ['handleRequest', 'serialize']) {
    const f = record[method];
    if (f === undefined) problems.push(`no ${method}`);
    else if (typeof f !== 'function') problems.push(`${method} is not a function`);
  }
  return problems;
}

/**
 * `value` as a service, or a sentence saying what is wrong with it. Beyond the shape, it calls the
 * service once each way: `initialize()` must give a state with the two methods, whose
 * `serialize()` gives a `Uint8Array` that `deserialize` accepts, giving such a state again.
 * A throw from the user's code is reported, not propagated. It does not run requests: see
 * `checkDeterministic` for that.
 */
export function validateService(value: unknown): Result<ServiceFactory, string> {
  const problems = serviceFactoryProblems(value);
  if (problems.length > 0) return err(`not a service: ${problems.join('; ')}. A service is ${serviceShape}.`);
  const factory = value as ServiceFactory;
  const who = `service '${factory.name}'`;
  const fresh = attempt(() => factory.initialize());
  if (!fresh.ok) return err(`${who}: initialize() threw: ${fresh.error}`);
  const stateProblems = serviceStateProblems(fresh.value);
  if (stateProblems.length > 0) return err(`${who}: initialize() did not return a state (${stateProblems.join('; ')}). A service is ${serviceShape}.`);
  const snapshot = attempt(() => fresh.value.serialize());
  if (!snapshot.ok) return err(`${who}: serialize() of a fresh state threw: ${snapshot.error}`);
  if (!(snapshot.value instanceof Uint8Array)) return err(`${who}: serialize() returned ${describe(snapshot.value)}, not a Uint8Array`);
  const restored = attempt(() => factory.deserialize(snapshot.value));
  if (!restored.ok) return err(`${who}: deserialize() threw on a fresh state's snapshot (it must return an error instead): ${restored.error}`);
  const r: unknown = restored.value;
  if (r === null || typeof r !== 'object' || typeof (r as { ok?: unknown }).ok !== 'boolean') {
    return err(`${who}: deserialize() returned ${describe(r)}, not {ok: true, value} or {ok: false, error}`);
  }
  const result = r as Result<unknown, unknown>;
  if (!result.ok) return err(`${who}: deserialize() refused a fresh state's snapshot: ${String(result.error)}`);
  const restoredProblems = serviceStateProblems(result.value);
  if (restoredProblems.length > 0) return err(`${who}: deserialize() did not return a state (${restoredProblems.join('; ')})`);
  return ok(factory);
}

/** The value `call` returns, or the text of what it threw. */
function attempt<T>(call: () => T): Result<T, string> {
  try {
    return ok(call());
  } catch (e) {
    return err(errorText(e));
  }
}

/** A short description of a value of unexpected type, for error sentences. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'a Uint8Array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Checks, on a sample of requests, that a service behaves as a replicated one must: it replays
 * `requests` on three copies — two fresh states, and one that is serialized and deserialized
 * before every request (as a replica that caught up by state transfer is) — and compares every
 * reply and every snapshot. Also caught: a throw, a snapshot refused by its own service,
 * `serialize` changing the state, `handleRequest` changing its request. Each copy receives its own
 * copy of each request. The error names the first request at which something differed.
 *
 * A sample passing is evidence, not a guarantee: non-determinism that needs other requests (or
 * another process, or another time of day) to show goes unseen.
 */
export function checkDeterministic(factory: ServiceFactory<ServiceState>, requests: readonly Uint8Array[]): Result<{ readonly requests: number }, string> {
  const who = `service '${factory.name}'`;
  const a = attempt(() => factory.initialize());
  const b = attempt(() => factory.initialize());
  if (!a.ok || !b.ok) return err(`${who}: initialize() threw: ${!a.ok ? a.error : !b.ok ? b.error : ''}`);
  const first = snapshotOf(factory, a.value, 'a fresh state');
  if (!first.ok) return first;
  const second = snapshotOf(factory, b.value, 'a second fresh state');
  if (!second.ok) return second;
  if (!sameBytes(first.value, second.value)) return err(`${who}: two fresh states serialize differently (${hexPrefix(first.value)} and ${hexPrefix(second.value)})`);
  let snapshot = first.value;
  for (const [i, request] of requests.entries()) {
    const at = `request #${i} (${hexPrefix(request)})`;
    const restored = attempt(() => factory.deserialize(snapshot));
    if (!restored.ok) return err(`${who}: deserialize() threw before ${at}: ${restored.error}`);
    if (!restored.value.ok) return err(`${who}: refused its own snapshot before ${at}: ${restored.value.error}`);
    const c = restored.value.value;
    const replies: Uint8Array[] = [];
    for (const [copy, state] of [['first', a.value], ['second', b.value], ['restored', c]] as const) {
      const mine = request.slice();
      const reply = attempt(() => state.handleRequest(mine));
      if (!reply.ok) return err(`${who}: handleRequest threw on ${at} in the ${copy} copy: ${reply.error}`);
      if (!(reply.value instanceof Uint8Array)) return err(`${who}: handleRequest returned ${describe(reply.value)} on ${at}, not a Uint8Array`);
      if (!sameBytes(mine, request)) return err(`${who}: handleRequest changed the bytes of ${at}`);
      replies.push(reply.value.slice());
    }
    const [ra, rb, rc] = replies;
    if (ra === undefined || rb === undefined || rc === undefined) return err(`${who}: no reply to ${at}`);
    if (!sameBytes(ra, rb)) return err(`${who}: two fresh copies replied differently to ${at}: ${hexPrefix(ra)} and ${hexPrefix(rb)}`);
    if (!sameBytes(ra, rc)) return err(`${who}: a copy restored from a snapshot replied differently to ${at}: ${hexPrefix(rc)} instead of ${hexPrefix(ra)}`);
    const sa = snapshotOf(factory, a.value, `the state after ${at}`);
    if (!sa.ok) return sa;
    const sb = snapshotOf(factory, b.value, `the state after ${at}`);
    if (!sb.ok) return sb;
    const sc = snapshotOf(factory, c, `the restored state after ${at}`);
    if (!sc.ok) return sc;
    if (!sameBytes(sa.value, sb.value)) return err(`${who}: two fresh copies' states differ after ${at} (snapshots ${hexPrefix(sa.value)} and ${hexPrefix(sb.value)})`);
    if (!sameBytes(sa.value, sc.value)) return err(`${who}: a copy restored from a snapshot differs after ${at} (snapshot ${hexPrefix(sc.value)} instead of ${hexPrefix(sa.value)})`);
    snapshot = sa.value;
  }
  return ok({ requests: requests.length });
}

/** The snapshot of `state`, checking that serializing twice gives the same bytes (so `serialize` leaves the state alone). */
function snapshotOf(factory: ServiceFactory<ServiceState>, state: ServiceState, what: string): Result<Uint8Array, string> {
  const who = `service '${factory.name}'`;
  const once = attempt(() => state.serialize());
  if (!once.ok) return err(`${who}: serialize() of ${what} threw: ${once.error}`);
  if (!(once.value instanceof Uint8Array)) return err(`${who}: serialize() of ${what} returned ${describe(once.value)}, not a Uint8Array`);
  const kept = once.value.slice();
  const twice = attempt(() => state.serialize());
  if (!twice.ok) return err(`${who}: serialize() of ${what} threw the second time: ${twice.error}`);
  if (!(twice.value instanceof Uint8Array) || !sameBytes(kept, twice.value)) {
    return err(`${who}: serializing ${what} twice gave different bytes (serialize must not change the state)`);
  }
  return ok(kept);
}

/** At most the first 16 bytes of `b` in hex, with its length, for error sentences. */
function hexPrefix(b: Uint8Array): string {
  const shown = Array.from(b.subarray(0, 16), (x) => x.toString(16).padStart(2, '0')).join('');
  return `${b.length} bytes ${b.length === 0 ? '' : shown}${b.length > 16 ? '…' : ''}`.trimEnd();
}
