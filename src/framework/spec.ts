/**
 * The top layer: a system's specification as a state machine whose initial states and steps are
 * predicates, as in IronFleet (`Service_Init`, `Service_Next`). A spec is what users trust, so it
 * stays tiny; every lower layer is checked to refine it.
 */

/** A specification: which states are initial, and which pairs of states are allowed steps. */
export interface SpecMachine<S> {
  readonly name: string;
  /** Whether `s` is an initial state. */
  init(s: S): boolean;
  /** Whether `s -> t` is an allowed step (a stutter, `t` equal to `s`, is checked separately). */
  next(s: S, t: S): boolean;
  /** Whether two spec states are equal (a step between equal states is a stutter). */
  equal(a: S, b: S): boolean;
  /** A readable rendering of a state, for traces. */
  show(s: S): string;
}

/** How a lower-layer transition maps onto the spec. */
export type SpecStepKind = 'step' | 'stutter' | 'violation';

/**
 * Classifies the abstract transition `s -> t`: an allowed spec step, a stutter (no visible
 * change), or a violation of the spec.
 */
export function classifySpecStep<S>(spec: SpecMachine<S>, s: S, t: S): SpecStepKind {
  if (spec.equal(s, t)) return 'stutter';
  return spec.next(s, t) ? 'step' : 'violation';
}
