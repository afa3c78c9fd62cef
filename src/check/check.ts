import { assert } from '../core/assert.js';
import type { Result } from '../core/result.js';
import { classifySpecStep } from '../framework/spec.js';
import { err, ok } from '../core/result.js';
import { collisionProbability, fingerprintState, newFingerprint, packedFingerprintsExact } from './fingerprint.js';
import type { Exploration, Progress, SafetyViolation } from './explore.js';
import { explore, pathTo } from './explore.js';
import type { GraphProperty, Lasso } from './liveness.js';
import { checkLiveness } from './liveness.js';
import type { LivenessProperty, Model } from './model.js';
import { replay, viewTrace } from './trace.js';
import type { TraceView } from './trace.js';

/**
 * The model checker's entry point: explores a model, checks its invariants and refinement on the
 * way, then its liveness properties on the explored graph, and returns counts, figures and (on a
 * violation) the trace. Everything it says holds only up to the model's bounds.
 */

/** How to check. */
export interface CheckOptions {
  /** Breadth-first (default: shortest traces) or depth-first. */
  readonly search?: 'bfs' | 'dfs';
  /** Explore canonical forms under the model's symmetry. */
  readonly symmetry?: boolean;
  /** Do not expand states this many steps from an initial state. */
  readonly maxDepth?: number;
  /** Check the model's liveness properties (default true; they need the graph's edges kept). */
  readonly liveness?: boolean;
  /** Called at most every `progressIntervalMs` (default 2000) during the search. */
  readonly progress?: (p: Progress) => void;
  readonly progressIntervalMs?: number;
  /** Milliseconds from a fixed origin (default `performance.now`). */
  readonly now?: () => number;
  /** Initial fingerprint table size, in slots. */
  readonly initialCapacity?: number;
}

/** How one property fared. */
export interface PropertyResult {
  readonly kind: 'invariant' | 'refinement' | 'liveness';
  readonly name: string;
  /**
   * ok: holds in everything explored; violated: a trace is attached; incomplete: the search
   * stopped early at another violation; unchecked: liveness is not checked after a safety
   * violation.
   */
  readonly status: 'ok' | 'violated' | 'incomplete' | 'unchecked';
  /** For liveness: what it says, e.g. '<>AllDecided under WF(*)'. */
  readonly detail?: string;
}

/** A property that does not hold, with the trace that shows it. */
export interface Violation {
  readonly kind: 'invariant' | 'refinement' | 'liveness';
  readonly property: string;
  /** One sentence saying what went wrong. */
  readonly message: string;
  readonly trace: TraceView;
}

/** Everything a check reports. */
export interface CheckResult {
  readonly model: string;
  readonly bounds: string;
  readonly search: 'bfs' | 'dfs';
  readonly symmetry: boolean;
  readonly maxDepth: number | null;
  readonly statesGenerated: number;
  readonly distinctStates: number;
  readonly queueLeft: number;
  /** Greatest number of steps from an initial state to a discovered state (BFS: the diameter). */
  readonly depth: number;
  readonly expandedStates: number;
  /** States whose successors were not explored: outside the state constraint or at the depth bound. */
  readonly cutOffStates: number;
  /** Expanded states whose only successor, if any, is themselves. */
  readonly terminalStates: number;
  readonly elapsedMs: number;
  readonly distinctStatesPerSecond: number;
  readonly fingerprints: {
    readonly tableSlots: number;
    readonly tableBytes: number;
    readonly bytesPerState: number;
    /** TLC's calculated (optimistic) estimate, n(g - n) / 2^64. */
    readonly collisionProbability: number;
    /** True when fingerprints are one-to-one on this model's states, so collisions cannot happen. */
    readonly exact: boolean;
  };
  /** Bytes of every typed array the checker held (table, parents, frontier, graph). */
  readonly checkerBytes: number;
  readonly properties: readonly PropertyResult[];
  readonly violation: Violation | null;
}

/** Why a check could not start. */
export type CheckSetupError = string;

/** Checks `model`; an error when the options do not fit the model. */
export function check<S>(model: Model<S>, options: CheckOptions = {}): Result<CheckResult, CheckSetupError> {
  const symmetry = options.symmetry === true;
  const liveness = options.liveness !== false ? model.liveness ?? [] : [];
  if (symmetry && model.symmetry === undefined) return err(`model ${model.name} has no symmetry to reduce by`);
  if (symmetry && liveness.length > 0) {
    return err('liveness is not checked under symmetry reduction (a quotient graph can hide or invent cycles): drop --symmetry');
  }
  const maxDepth = options.maxDepth ?? Infinity;
  if (!(maxDepth >= 0)) return err(`maxDepth must be >= 0, got ${maxDepth}`);
  const compiled = compileLiveness(model, liveness);
  if (!compiled.ok) return compiled;
  const search = options.search ?? 'bfs';

  const exploration = explore(model, {
    search,
    symmetry,
    maxDepth,
    graphPredicates: liveness.length > 0 ? compiled.value.predicates : null,
    ...(options.progress !== undefined ? { progress: options.progress } : {}),
    progressIntervalMs: options.progressIntervalMs ?? 2000,
    now: options.now ?? (() => performance.now()),
    initialCapacity: options.initialCapacity ?? 4096,
  });

  const properties: PropertyResult[] = [];
  let violation: Violation | null = null;
  const safety = exploration.violation;
  const safetyStatus = (violated: boolean): PropertyResult['status'] => (violated ? 'violated' : safety !== null ? 'incomplete' : 'ok');
  for (const inv of model.invariants ?? []) {
    properties.push({ kind: 'invariant', name: inv.name, status: safetyStatus(safety?.kind === 'invariant' && safety.name === inv.name) });
  }
  if (model.refinement !== undefined) {
    const violated = safety?.kind === 'refinementInit' || safety?.kind === 'refinementStep';
    properties.push({ kind: 'refinement', name: model.refinement.spec.name, status: safetyStatus(violated) });
  }
  if (safety !== null) violation = safetyViolation(model, symmetry, exploration, safety);

  for (let k = 0; k < liveness.length; k++) {
    const property = liveness[k];
    const graphProperty = compiled.value.properties[k];
    if (property === undefined || graphProperty === undefined) continue;
    const detail = describeLiveness(property);
    if (safety !== null || exploration.graph === null) {
      properties.push({ kind: 'liveness', name: property.name, status: 'unchecked', detail });
      continue;
    }
    const lasso = checkLiveness(exploration.graph, graphProperty);
    properties.push({ kind: 'liveness', name: property.name, status: lasso === null ? 'ok' : 'violated', detail });
    // Every property is decided; the first one that fails gets the trace.
    if (lasso !== null && violation === null) violation = livenessViolation(model, exploration, property, lasso);
  }

  const distinct = exploration.distinct;
  return ok({
    model: model.name,
    bounds: model.bounds,
    search,
    symmetry,
    maxDepth: Number.isFinite(maxDepth) ? maxDepth : null,
    statesGenerated: exploration.generated,
    distinctStates: distinct,
    queueLeft: exploration.queueLeft,
    depth: exploration.depth,
    expandedStates: exploration.expanded,
    cutOffStates: exploration.cutOff,
    terminalStates: exploration.terminal,
    elapsedMs: exploration.elapsedMs,
    distinctStatesPerSecond: exploration.elapsedMs > 0 ? distinct / (exploration.elapsedMs / 1000) : 0,
    fingerprints: {
      tableSlots: exploration.tableSlots,
      tableBytes: exploration.tableBytes,
      bytesPerState: distinct > 0 ? exploration.tableBytes / distinct : 0,
      collisionProbability: collisionProbability(distinct, exploration.generated),
      exact: model.encoding.kind === 'packed' && packedFingerprintsExact(model.encoding.words),
    },
    checkerBytes: exploration.checkerBytes,
    properties,
    violation,
  });
}

/** One line saying what a liveness property asserts. */
export function describeLiveness<S>(p: LivenessProperty<S>): string {
  const fairness = p.fairness.length === 0 ? 'no fairness' : `weak fairness of ${p.fairness.join(', ')}`;
  return p.kind === 'eventually' ? `<>${p.name} under ${fairness}` : `${p.name} (P ~> Q) under ${fairness}`;
}

interface CompiledLiveness<S> {
  readonly predicates: ((s: S) => boolean)[];
  readonly properties: GraphProperty[];
}

function compileLiveness<S>(model: Model<S>, liveness: readonly LivenessProperty<S>[]): Result<CompiledLiveness<S>, string> {
  const predicates: ((s: S) => boolean)[] = [];
  const properties: GraphProperty[] = [];
  for (const p of liveness) {
    const fair = new Uint8Array(model.actions.length);
    for (const pattern of p.fairness) {
      const re = globToRegExp(pattern);
      let matched = false;
      model.actions.forEach((name, a) => {
        if (re.test(name)) {
          fair[a] = 1;
          matched = true;
        }
      });
      if (!matched) return err(`liveness ${p.name}: fairness pattern '${pattern}' matches no action of ${model.name}`);
    }
    if (p.kind === 'eventually') {
      predicates.push(p.holds);
      properties.push({ trigger: 'initial', goal: predicates.length - 1, fair });
    } else {
      predicates.push(p.p, p.q);
      properties.push({ trigger: predicates.length - 2, goal: predicates.length - 1, fair });
    }
  }
  if (predicates.length > 32) return err('at most 32 liveness predicates per check');
  return ok({ predicates, properties });
}

/** A pattern where `*` matches any run of characters, as a RegExp matching whole names. */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${escaped}$`);
}

function safetyViolation<S>(model: Model<S>, symmetry: boolean, exploration: Exploration, v: SafetyViolation): Violation {
  switch (v.kind) {
    case 'invariant': {
      const steps = replay(model, symmetry, pathTo(exploration, v.state));
      const last = steps[steps.length - 1];
      const inv = (model.invariants ?? []).find((i) => i.name === v.name);
      assert(last !== undefined && inv !== undefined && !inv.holds(last.state), replayDiverged(model));
      return {
        kind: 'invariant', property: v.name,
        message: `invariant ${v.name} does not hold after ${steps.length - 1} step${steps.length === 2 ? '' : 's'}`,
        trace: viewTrace(model, steps, null),
      };
    }
    case 'refinementInit': {
      const refinement = model.refinement;
      const steps = replay(model, symmetry, [v.ordinal]);
      const first = steps[0];
      const shown = refinement !== undefined && first !== undefined ? refinement.spec.show(refinement.abstract(first.state)) : '?';
      return {
        kind: 'refinement', property: refinement?.spec.name ?? 'refinement',
        message: `an initial state maps to ${shown}, which is not an initial state of the spec`,
        trace: viewTrace(model, steps, null),
      };
    }
    case 'refinementStep': {
      const refinement = model.refinement;
      const steps = replay(model, symmetry, [...pathTo(exploration, v.from), v.ordinal]);
      const last = steps[steps.length - 1];
      const before = steps[steps.length - 2];
      assert(refinement !== undefined && last !== undefined && before !== undefined, replayDiverged(model));
      const from = refinement.abstract(before.state);
      const to = refinement.abstract(last.state);
      assert(classifySpecStep(refinement.spec, from, to) === 'violation', replayDiverged(model));
      const shown = `${refinement.spec.show(from)} -> ${refinement.spec.show(to)}`;
      return {
        kind: 'refinement', property: refinement.spec.name,
        message: `step ${steps.length - 1} (${last.action ?? '?'}) maps to the spec transition ${shown}, ` +
          'which is neither a spec step nor a stutter',
        trace: viewTrace(model, steps, null),
      };
    }
  }
}

function replayDiverged<S>(model: Model<S>): string {
  return `replaying the trace did not reach the state the search found: model ${model.name}'s successors ` +
    'must come in an order fixed by the state alone';
}

function sameState<S>(model: Model<S>, a: S, b: S): boolean {
  const encoding = model.encoding;
  if (encoding.kind === 'packed') {
    const x = encoding.toWords(a);
    const y = encoding.toWords(b);
    return x.every((w, i) => w === y[i]);
  }
  const f = newFingerprint();
  const g = newFingerprint();
  fingerprintState(model, a, f);
  fingerprintState(model, b, g);
  return f.hi === g.hi && f.lo === g.lo;
}

function livenessViolation<S>(model: Model<S>, exploration: Exploration, property: LivenessProperty<S>, lasso: Lasso): Violation {
  const ordinals = [
    ...pathTo(exploration, lasso.trigger),
    ...lasso.approach.map((e) => e.ordinal),
    ...lasso.cycle.map((e) => e.ordinal),
  ];
  const steps = replay(model, false, ordinals);
  const loopStart = steps.length - 1 - lasso.cycle.length;
  const first = steps[loopStart];
  const last = steps[steps.length - 1];
  assert(first !== undefined && last !== undefined && sameState(model, first.state, last.state), replayDiverged(model));
  const stutter = lasso.cycle.length === 0;
  const goal = property.kind === 'eventually' ? property.name : `the goal of ${property.name}`;
  const start = property.kind === 'eventually' ? 'from an initial state' : `from the state after step ${steps.length - 1 - lasso.cycle.length - lasso.approach.length}, where P holds,`;
  return {
    kind: 'liveness',
    property: property.name,
    message: `${describeLiveness(property)} fails: ${start} a fair behaviour never reaches ${goal}` +
      (stutter ? ' (it stops where no fair action is enabled)' : ' (it loops forever)'),
    trace: viewTrace(model, steps, { start: loopStart, stutter }),
  };
}
