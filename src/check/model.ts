import type { SpecMachine } from '../framework/spec.js';
import type { Fingerprint } from './fingerprint.js';
import { encodingOf } from './fingerprint.js';

/**
 * What the model checker explores: initial states, named actions and the successors of a state,
 * with the properties to check. A model is a plain object; src/cli/models.ts lists the ones the
 * `ironfleet check` command knows, and src/check/distributed.ts builds one from any host protocol.
 *
 * The least a model gives is `name`, `actions`, `initial` and `successors` (and, to be useful,
 * `invariants`): states are then immutable plain values fingerprinted by their `stableKey`, and
 * traces show them as they are.
 */
export interface Model<S> {
  /** The model's name, e.g. 'twophase'. */
  readonly name: string;
  /**
   * The bounds this instance is checked up to, in words, e.g. '3 RMs' or '3 hosts, epoch <= 4'.
   * Reports say "model-checked up to bounds (...)"; without it they say the bounds are as the
   * model gives them.
   */
  readonly bounds?: string;
  /**
   * Every action's name, indexed by the number successors are emitted with. Parameterised
   * actions get one name per instance, e.g. 'RMPrepare(r1)', so fairness can name each.
   */
  readonly actions: readonly string[];
  /**
   * How states are stored and fingerprinted. Without one, states are immutable plain values
   * (objects, arrays, Maps, Sets, primitives, typed arrays; see `stableKey`) that the model never
   * changes after emitting them, fingerprinted by their stable key (`stableKeyEncoding`).
   */
  readonly encoding?: StateEncoding<S>;
  /**
   * Calls `emit` once per initial state, in a fixed order. A packed model may pass the same
   * buffer each time, rewritten: the checker copies what it keeps.
   */
  initial(emit: (s: S) => void): void;
  /**
   * Calls `emit` once per successor of `s`, in an order fixed by `s` alone (traces are rebuilt by
   * replaying it). Emitting a state equal to `s` is allowed and is treated as a stutter.
   */
  successors(s: S, emit: EmitSuccessor<S>): void;
  /** Safety properties: each must hold in every reachable state. */
  readonly invariants?: readonly Invariant<S>[];
  /**
   * A state constraint, e.g. "epoch <= maxEpoch": states for which it is false are still counted
   * and checked against the invariants, but their successors are not explored.
   */
  readonly constraint?: (s: S) => boolean;
  /**
   * A canonical form under a symmetry of the model (for example permutations of interchangeable
   * hosts): two states are equivalent iff their canonical forms are equal. Used with --symmetry.
   * May return a reused buffer, like `emit`.
   */
  readonly symmetry?: (s: S) => S;
  /** A refinement check against a spec: every step maps to a spec step or a stutter. */
  readonly refinement?: RefinementMapping<S, unknown>;
  /** Liveness properties, checked on the explored graph under weak (and, where named, strong) fairness. */
  readonly liveness?: readonly LivenessProperty<S>[];
  /**
   * A plain value showing `s` (objects, arrays, Maps, primitives), for traces and diffs; without
   * it, traces show the state itself.
   */
  readonly view?: (s: S) => unknown;
}

/** A model with every optional part the checker relies on filled in (see `resolveModel`). */
export interface ResolvedModel<S> extends Model<S> {
  readonly bounds: string;
  readonly encoding: StateEncoding<S>;
  readonly view: (s: S) => unknown;
}

/**
 * `model` with its defaults filled in: bounds '' (as the model gives them), the stableKey
 * encoding (`encodingOf`) and the identity view.
 */
export function resolveModel<S>(model: Model<S>): ResolvedModel<S> {
  // Inherits from `model` rather than copying it, so methods that use `this` and parts this
  // function does not know of keep working.
  const defaults = {
    bounds: model.bounds ?? '',
    encoding: encodingOf(model),
    view: model.view ?? ((s: S): unknown => s),
  };
  return Object.assign(Object.create(model) as Model<S>, defaults);
}

/**
 * Receives one successor: the index of the action (into `Model.actions`), the state, and
 * optionally what the step consumed (host, packet, clock reading) for traces.
 */
export type EmitSuccessor<S> = (action: number, t: S, note?: StepNote) => void;

/** What a step consumed, shown in traces; models that need none pass nothing. */
export interface StepNote {
  /** The host that took the step. */
  readonly host?: string;
  /** The packet received, if any. */
  readonly packet?: { readonly src: string; readonly dst: string; readonly msg: unknown };
  /** Other inputs (clock reading, choices), shown as `key=value`. */
  readonly input?: Readonly<Record<string, unknown>>;
}

/**
 * How a model's states are kept. `packed`: each state is a fixed number of 32-bit words, stored in
 * typed arrays and fingerprinted directly (the fast path). `object`: states are immutable values
 * kept as objects and fingerprinted by the model, or by their stable key when the model gives no
 * encoding (the generic path).
 */
export type StateEncoding<S> = PackedEncoding<S> | ObjectEncoding<S>;

/** States are `words` 32-bit words; `toWords`/`fromWords` are identities for Uint32Array states. */
export interface PackedEncoding<S> {
  readonly kind: 'packed';
  readonly words: number;
  toWords(s: S): Uint32Array;
  fromWords(w: Uint32Array): S;
}

/** States are immutable values; `fingerprint` writes a 64-bit fingerprint of `s` into `out`. */
export interface ObjectEncoding<S> {
  readonly kind: 'object';
  fingerprint(s: S, out: Fingerprint): void;
}

/** The encoding of models whose states are `words` packed 32-bit words. */
export function packedEncoding(words: number): PackedEncoding<Uint32Array> {
  return { kind: 'packed', words, toWords: (s) => s, fromWords: (w) => w };
}

/** A named safety property. */
export interface Invariant<S> {
  readonly name: string;
  holds(s: S): boolean;
}

/** The abstraction of a model to a spec, checked on every explored transition. */
export interface RefinementMapping<S, A> {
  readonly spec: SpecMachine<A>;
  /** Maps a model state to the spec state it stands for. */
  abstract(s: S): A;
}

/**
 * A liveness property, checked under weak fairness of the actions named in `fairness` and strong
 * fairness of those named in `strongFairness`: each entry is an action name or a pattern with `*`
 * (e.g. 'RMPrepare(*)', or '*' for all), and every matching action is fair on its own. Weakly fair:
 * if it stays enabled, it is eventually taken. Strongly fair: if it is enabled again and again
 * (even with gaps), it is eventually taken, e.g. delivery over a link that loses packets.
 */
export type LivenessProperty<S> =
  | {
    /** `<>P`: every fair behaviour from an initial state reaches a state satisfying `holds`. */
    readonly kind: 'eventually';
    readonly name: string;
    readonly holds: (s: S) => boolean;
    readonly fairness: readonly string[];
    readonly strongFairness?: readonly string[];
  }
  | {
    /** `P ~> Q`: from every reachable state satisfying `p`, every fair behaviour reaches `q`. */
    readonly kind: 'leadsTo';
    readonly name: string;
    readonly p: (s: S) => boolean;
    readonly q: (s: S) => boolean;
    readonly fairness: readonly string[];
    readonly strongFairness?: readonly string[];
  };

/**
 * A model whose state type is hidden, for registries that hold models of different state types;
 * `use` hands the model to a function generic in the state type.
 */
export interface SomeModel {
  use<R>(f: <S>(model: Model<S>) => R): R;
}

/** Wraps `model` as a SomeModel. */
export function someModel<S>(model: Model<S>): SomeModel {
  return { use: (f) => f(model) };
}
