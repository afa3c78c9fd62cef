import { assert, AssertionError } from '../core/assert.js';
import { sameBytes } from '../core/bytes.js';
import { Hash64 } from '../core/hash.js';
import type { ServiceFactory, ServiceState } from './service.js';
import { callService } from './service.js';
import type { AppSpec } from './spec.js';

/**
 * App versions: the state of any service (`ServiceFactory`) as an immutable value that costs O(1)
 * to extend by a request and, in the common case, O(1) to compare. `serviceAppSpec` is the same
 * spec over snapshot bytes, and pays a deserialization and a serialization of the whole state per
 * request; checking a replica with it costs O(state) per request (docs/rsl.md, "Speed").
 *
 * A version is a *root*, standing for a snapshot (the service's serialized bytes), or a *child*,
 * standing for its parent's state after one more request. Its content (the snapshot it stands for)
 * is computed only when asked, by deserializing the nearest snapshot above it and replaying the
 * requests since. Versions form a persistent list: a child shares everything above it with its
 * parent, and `then` hands back the child made last for the same request, so two parties that
 * handled the same requests from one version (the implementation recording what its service ran,
 * the spec applying what the protocol executes) end with the same object.
 *
 * `serviceVersionSpec(factory)` is the `AppSpec<AppVersion>`: `apply` runs the request on a shadow
 * copy of the service, a mutable state owned by the newest version and handed on to the child, so
 * a request costs what the service's `handleRequest` costs. Applying an older version again (the
 * shadow has moved on) restores a state from the nearest snapshot and replays. `equal` is content
 * equality: the same object, or the same root with the same requests since, is equal at once; any
 * other pair (different roots, as after a state transfer or a snapshot the implementation took) is
 * compared by serialized bytes.
 */

/** An immutable service state: a snapshot, or a parent version with one more request handled. */
export class AppVersion {
  /**
   * Requests handled since `base`: 0 for a root. The only own enumerable field, so a structural
   * diff of two versions (the monitor's report) shows this and never walks the list.
   */
  readonly depth: number;
  readonly #factory: ServiceFactory;
  readonly #parent: AppVersion | null;
  readonly #request: Uint8Array;
  readonly #base: AppVersion;
  /** The snapshot: given for a root; for a child, its serialization once a spec took it (a memo). */
  #snapshot: Uint8Array | null;
  /** The service's reply to `request` in the parent's state, once a spec ran it (a memo). */
  #reply: Uint8Array | null = null;
  /** The child `then` made last: the same request again gives it back. */
  #lastChild: AppVersion | null = null;

  private constructor(factory: ServiceFactory, parent: AppVersion | null, request: Uint8Array, snapshot: Uint8Array | null) {
    this.#factory = factory;
    this.#parent = parent;
    this.#request = request;
    this.#base = parent === null ? this : parent.#base;
    this.depth = parent === null ? 0 : parent.depth + 1;
    this.#snapshot = snapshot;
  }

  /** The version standing for `snapshot`, a state of `factory`'s service. The bytes must not change afterwards. */
  static root(factory: ServiceFactory, snapshot: Uint8Array): AppVersion {
    return new AppVersion(factory, null, new Uint8Array(0), snapshot);
  }

  /**
   * This version with `request` handled next. O(1): the child made last from this version, if it
   * was for the same request bytes, else a new one. The request bytes must not change afterwards.
   */
  then(request: Uint8Array): AppVersion {
    const last = this.#lastChild;
    if (last !== null && sameBytes(last.#request, request)) return last;
    const child = new AppVersion(this.#factory, this, request, null);
    this.#lastChild = child;
    return child;
  }

  /** The service this is a state of. */
  get factory(): ServiceFactory {
    return this.#factory;
  }

  /** The version this one extends by `request`; null for a root. */
  get parent(): AppVersion | null {
    return this.#parent;
  }

  /** The request that made this version from its parent (empty for a root). */
  get request(): Uint8Array {
    return this.#request;
  }

  /** The root this version descends from (itself for a root). */
  get base(): AppVersion {
    return this.#base;
  }

  /** The snapshot this version stands for, if known without running the service (always, for a root). */
  get knownSnapshot(): Uint8Array | null {
    return this.#snapshot;
  }

  /** The service's reply to `request` in the parent's state, if a spec ran it. */
  get knownReply(): Uint8Array | null {
    return this.#reply;
  }

  /** Records the serialization of this version, which a spec computed. */
  rememberSnapshot(snapshot: Uint8Array): void {
    assert(this.#parent !== null || sameBytes(this.#snapshot ?? snapshot, snapshot), 'a root\'s snapshot is given, not computed');
    this.#snapshot ??= snapshot;
  }

  /**
   * Records the reply to `request`, which a spec computed; a second computation must agree, or the
   * service is not deterministic and no spec can describe it.
   */
  rememberReply(reply: Uint8Array): void {
    if (this.#reply === null) {
      this.#reply = reply;
      return;
    }
    if (!sameBytes(this.#reply, reply)) {
      throw new AssertionError(`service '${this.#factory.name}' replied differently to the same request in the same state: it is not deterministic`);
    }
  }
}


/** A mutable service state standing for the content of `at` (and of `alias`, checked equal by bytes). */
interface Shadow {
  readonly state: ServiceState;
  readonly at: AppVersion;
  alias: AppVersion | null;
}

/** What a `ServiceVersionSpec` did that costs the whole state: for tests and benchmarks. */
export interface VersionSpecStats {
  /** Service states restored from a snapshot (the shadow did not stand for the version applied or compared). */
  restores: number;
  /** Snapshots taken of the shadow or of a restored state, to compare versions of different roots. */
  serializations: number;
}

/** The `AppSpec` of app versions of one service: `serviceVersionSpec`. */
export interface VersionSpec extends AppSpec<AppVersion> {
  /** The snapshot `version` stands for. */
  snapshotOf(version: AppVersion): Uint8Array;
  readonly stats: VersionSpecStats;
}

/** The `AppSpec` of app versions of one service; see the module comment. */
class ServiceVersionSpec implements VersionSpec {
  readonly name: string;
  readonly stats: VersionSpecStats = { restores: 0, serializations: 0 };
  /** The initial version, made once so every replica's initial state is the same object. */
  private initial: AppVersion | null = null;
  /** The service copy the newest applied version owns; null before the first apply. */
  private shadow: Shadow | null = null;

  constructor(private readonly factory: ServiceFactory) {
    this.name = factory.name;
  }

  init(): AppVersion {
    this.initial ??= AppVersion.root(this.factory, callService(this.factory, 'serialize() of a fresh state', () => this.factory.initialize().serialize()));
    return this.initial;
  }

  apply(version: AppVersion, request: Uint8Array): { readonly state: AppVersion; readonly reply: Uint8Array } {
    this.assertOwn(version);
    const child = version.then(request);
    const owned = this.shadowAt(version);
    if (owned === null) {
      const known = child.knownReply;
      // Applied before (another branch of a search): the reply is known, the shadow stays where it is.
      if (known !== null) return { state: child, reply: known };
    }
    const state = owned ?? this.restore(version);
    const reply = this.run(state, child);
    this.shadow = { state, at: child, alias: null };
    return { state: child, reply };
  }

  equal(a: AppVersion, b: AppVersion): boolean {
    if (a === b) return true;
    if (a.factory !== b.factory) return false;
    const same = this.sameRequestsSince(a, b) || sameBytes(this.snapshotOf(a), this.snapshotOf(b));
    // Equal content: the shadow stands for the other version as well, so its next request needs no
    // restore (after a state transfer, a snapshot the implementation took, or two lists of the
    // same requests that do not share their nodes).
    const shadow = this.shadow;
    if (same && shadow !== null) {
      if (this.shadowAt(a) !== null) shadow.alias = b;
      else if (this.shadowAt(b) !== null) shadow.alias = a;
    }
    return same;
  }

  /** Whether `a` and `b` have one root and the same requests since, back to where their lists meet. */
  private sameRequestsSince(a: AppVersion, b: AppVersion): boolean {
    if (a.base !== b.base || a.depth !== b.depth) return false;
    let x = a;
    let y = b;
    while (x !== y) {
      const px = x.parent;
      const py = y.parent;
      if (px === null || py === null || !sameBytes(x.request, y.request)) return false;
      x = px;
      y = py;
    }
    return true;
  }

  show(version: AppVersion): string {
    const base = version.base.knownSnapshot ?? new Uint8Array(0);
    return `${this.name} state: ${version.depth} request(s) after a snapshot of ${base.length} bytes, hash ${new Hash64().bytes(base).hex()}`;
  }

  /** The snapshot `version` stands for: known, or the shadow's or a restored state's serialization (remembered). */
  snapshotOf(version: AppVersion): Uint8Array {
    const known = version.knownSnapshot;
    if (known !== null) return known;
    this.assertOwn(version);
    const state = this.shadowAt(version) ?? this.restore(version);
    this.stats.serializations++;
    const snapshot = callService(this.factory, 'serialize', () => state.serialize());
    version.rememberSnapshot(snapshot);
    return snapshot;
  }

  /** The shadow's state, if it stands for `version`. */
  private shadowAt(version: AppVersion): ServiceState | null {
    const shadow = this.shadow;
    return shadow !== null && (shadow.at === version || shadow.alias === version) ? shadow.state : null;
  }

  /** A new service state standing for `version`: its nearest known snapshot, deserialized, with the requests since replayed. */
  private restore(version: AppVersion): ServiceState {
    this.stats.restores++;
    const path: AppVersion[] = [];
    let v = version;
    let snapshot = v.knownSnapshot;
    while (snapshot === null) {
      path.push(v);
      const parent = v.parent;
      // Only a root has no parent, and a root's snapshot is known.
      assert(parent !== null, 'an app version without a snapshot above it');
      v = parent;
      snapshot = v.knownSnapshot;
    }
    // The copy keeps the version's bytes unchanged even if the service keeps a view of them.
    const restored = this.factory.deserialize(snapshot.slice());
    if (!restored.ok) {
      throw new AssertionError(`service '${this.factory.name}' refused a snapshot it accepted before (${snapshot.length} bytes): ${restored.error}`);
    }
    const state = restored.value;
    for (let i = path.length - 1; i >= 0; i--) {
      const next = path[i];
      if (next !== undefined) this.run(state, next);
    }
    return state;
  }

  /** Runs `child`'s request on `state` (standing for its parent), remembering and returning the reply. */
  private run(state: ServiceState, child: AppVersion): Uint8Array {
    // The copy keeps the request unchanged even if the service writes to it.
    const reply = callService(this.factory, 'handleRequest', () => state.handleRequest(child.request.slice()));
    child.rememberReply(reply);
    return reply;
  }

  private assertOwn(version: AppVersion): void {
    assert(version.factory === this.factory, () => `an app version of service '${version.factory.name}' given to the spec of '${this.factory.name}'`);
  }
}

/**
 * The spec's view of any service over app versions: what `serviceAppSpec(factory)` is over snapshot
 * bytes (the same replies; `equal` compares the same snapshots), at a cost per request of the
 * service's own `handleRequest`. Each call makes a spec with its own shadow copy of the service.
 */
export function serviceVersionSpec(factory: ServiceFactory): VersionSpec {
  return new ServiceVersionSpec(factory);
}
