import { assert } from '../core/assert.js';
import type { Result } from '../core/result.js';
import { classifySpecStep } from '../framework/spec.js';
import { err, ok } from '../core/result.js';
import { collisionProbability, encodingOf, fingerprintState, newFingerprint, packedFingerprintsExact } from './fingerprint.js';
import { FingerprintSet } from './fpset.js';
import type { Exploration, Progress, SafetyViolation } from './explore.js';
import { explore, pathTo } from './explore.js';
import type { GraphProperty, Lasso } from './liveness.js';
import { checkLiveness } from './liveness.js';
import type { LivenessProperty, Model, ResolvedModel } from './model.js';
import { resolveModel } from './model.js';
import { stableKeyProblem } from './stable.js';
import { replay, tryReplay, viewTrace } from './trace.js';
import type { TraceView } from './trace.js';

/**
 * The model checker's entry point: explores a model, checks its invariants and refinement on the
 * way, then its liveness properties on the explored graph, and returns counts, figures and (on a
 * violation) the trace. Everything it says holds only up to the model's bounds.
 */

/**
 * How to check. `check` validates every field (and the model) before it starts and returns an
 * error sentence for the first that does not fit.
 */
export interface CheckOptions {
  /** Breadth-first (default: shortest traces) or depth-first. */
  readonly search?: 'bfs' | 'dfs';
  /**
   * Explore canonical forms under the model's symmetry. The invariants, the state constraint and
   * the refinement abstraction must not tell permuted processes apart: the check returns an
   * error naming the first property seen to do so.
   */
  readonly symmetry?: boolean;
  /** Do not expand states this many steps from an initial state: a whole number >= 0 (default: no bound). */
  readonly maxDepth?: number;
  /** Check the model's liveness properties (default true; they need the graph's edges kept). */
  readonly liveness?: boolean;
  /** Called at most every `progressIntervalMs` during the search. */
  readonly progress?: (p: Progress) => void;
  /** Milliseconds between progress calls, > 0 (default 2000). */
  readonly progressIntervalMs?: number;
  /** Milliseconds from a fixed origin (default `performance.now`). */
  readonly now?: () => number;
  /**
   * Initial fingerprint table size, in slots: a whole number from `initialCapacityMin` to
   * `FingerprintSet.capacityMax` (default 4096). Any size in that range works: a fingerprint's
   * slot is found by multiplication, not by masking, so no power of two is needed.
   */
  readonly initialCapacity?: number;
}

/** The smallest initial fingerprint table, in slots. */
export const initialCapacityMin = 16;

/** The most actions a model may have: the explored graph stores action indexes in 16 bits. */
export const actionsMax = 0xffff;

/** Every CheckOptions field, so that a misspelt option is an error rather than ignored. */
const checkOptionNames: Readonly<Record<keyof CheckOptions, true>> = {
  search: true, symmetry: true, maxDepth: true, liveness: true, progress: true, progressIntervalMs: true, now: true, initialCapacity: true,
};

/**
 * Validates a check's model and options in one place, before anything runs, so that every
 * mistake reads as a sentence rather than an assertion deep in the search. The model's parts are
 * checked as plain JavaScript values: a model loaded from a user's module has no type checker
 * behind it.
 */
export function validateCheck<S>(model: Model<S>, options: CheckOptions): Result<void, CheckSetupError> {
  const m = validateModel(model);
  if (!m.ok) return m;
  const o = validateOptions(options);
  if (!o.ok) return o;
  const label = `model ${model.name}`;
  const liveness = options.liveness !== false ? model.liveness ?? [] : [];
  if (options.symmetry === true && model.symmetry === undefined) return err(`${label} has no symmetry to reduce by`);
  if (options.symmetry === true && liveness.length > 0) {
    return err('liveness is not checked under symmetry reduction (a quotient graph can hide or invent cycles): drop --symmetry');
  }
  if (model.encoding === undefined) {
    // States fingerprinted by their stable key must be plain values: say which part is not, now.
    let problem: string | null = null;
    let k = 0;
    model.initial((s) => {
      problem ??= stableKeyProblem(s, `initial state ${k}`);
      k++;
    });
    if (problem !== null) {
      return err(`${label} gives no encoding, so its states must be plain values (see stableKey), but ${problem}; ` +
        'give the model an encoding');
    }
  }
  return ok(undefined);
}

function validateOptions(options: CheckOptions): Result<void, CheckSetupError> {
  if (typeof options !== 'object' || options === null) return err(`check options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(checkOptionNames, key)) {
      return err(`unknown check option '${key}' (the options are ${Object.keys(checkOptionNames).join(', ')})`);
    }
  }
  const o = options as Readonly<Record<keyof CheckOptions, unknown>>;
  if (o.search !== undefined && o.search !== 'bfs' && o.search !== 'dfs') return err(`check option search must be 'bfs' or 'dfs', got ${describe(o.search)}`);
  for (const key of ['symmetry', 'liveness'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') return err(`check option ${key} must be true or false, got ${describe(o[key])}`);
  }
  for (const key of ['progress', 'now'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'function') return err(`check option ${key} must be a function, got ${describe(o[key])}`);
  }
  if (o.maxDepth !== undefined && !(Number.isSafeInteger(o.maxDepth) && (o.maxDepth as number) >= 0)) {
    return err(`check option maxDepth must be a whole number >= 0 (leave it out for no bound), got ${describe(o.maxDepth)}`);
  }
  if (o.progressIntervalMs !== undefined &&
    !(typeof o.progressIntervalMs === 'number' && Number.isFinite(o.progressIntervalMs) && o.progressIntervalMs > 0)) {
    return err(`check option progressIntervalMs must be a number of milliseconds > 0, got ${describe(o.progressIntervalMs)}`);
  }
  const capacity = o.initialCapacity;
  if (capacity !== undefined &&
    !(Number.isSafeInteger(capacity) && (capacity as number) >= initialCapacityMin && (capacity as number) <= FingerprintSet.capacityMax)) {
    return err(`check option initialCapacity must be a whole number of slots from ${initialCapacityMin} to ` +
      `${FingerprintSet.capacityMax}, got ${describe(capacity)}`);
  }
  return ok(undefined);
}

function validateModel<S>(model: Model<S>): Result<void, CheckSetupError> {
  if (typeof model !== 'object' || model === null) return err(`a model must be an object, got ${describe(model)}`);
  const m = model as unknown as Readonly<Record<string, unknown>>;
  if (typeof m.name !== 'string' || m.name === '') return err(`a model's name must be a non-empty string, got ${describe(m.name)}`);
  const label = `model ${m.name}`;
  if (m.bounds !== undefined && typeof m.bounds !== 'string') return err(`${label}: bounds must be a string, got ${describe(m.bounds)}`);
  for (const key of ['initial', 'successors'] as const) {
    if (typeof m[key] !== 'function') return err(`${label}: ${key} must be a function, got ${describe(m[key])}`);
  }
  for (const key of ['view', 'constraint', 'symmetry'] as const) {
    if (m[key] !== undefined && typeof m[key] !== 'function') return err(`${label}: ${key} must be a function, got ${describe(m[key])}`);
  }

  const actions = m.actions;
  if (!Array.isArray(actions)) return err(`${label}: actions must be an array of names, got ${describe(actions)}`);
  if (actions.length > actionsMax) return err(`${label}: at most ${actionsMax} actions, got ${actions.length}`);
  const actionNames = new Set<string>();
  for (const [i, a] of actions.entries()) {
    if (typeof a !== 'string' || a === '') return err(`${label}: action ${i} must have a non-empty name, got ${describe(a)}`);
    if (actionNames.has(a)) return err(`${label}: action names must be distinct, and '${a}' appears twice`);
    actionNames.add(a);
  }

  const encoding = m.encoding;
  if (encoding !== undefined) {
    const e = (typeof encoding === 'object' && encoding !== null ? encoding : {}) as Readonly<Record<string, unknown>>;
    if (e.kind === 'packed') {
      if (!(Number.isSafeInteger(e.words) && (e.words as number) >= 1)) {
        return err(`${label}: a packed encoding's words must be a whole number >= 1, got ${describe(e.words)}`);
      }
      if (typeof e.toWords !== 'function' || typeof e.fromWords !== 'function') return err(`${label}: a packed encoding needs toWords and fromWords functions`);
    } else if (e.kind === 'object') {
      if (typeof e.fingerprint !== 'function') return err(`${label}: an object encoding needs a fingerprint function`);
    } else {
      return err(`${label}: encoding must be {kind: 'packed', ...} or {kind: 'object', ...} (or left out), got ${describe(encoding)}`);
    }
  }

  const invariants = m.invariants;
  if (invariants !== undefined) {
    if (!Array.isArray(invariants)) return err(`${label}: invariants must be an array, got ${describe(invariants)}`);
    const names = new Set<string>();
    for (const [i, inv] of invariants.entries()) {
      const v = (typeof inv === 'object' && inv !== null ? inv : {}) as Readonly<Record<string, unknown>>;
      if (typeof v.name !== 'string' || v.name === '') return err(`${label}: invariant ${i} must have a non-empty name, got ${describe(v.name)}`);
      if (typeof v.holds !== 'function') return err(`${label}: invariant ${v.name} needs a holds function`);
      if (names.has(v.name)) return err(`${label}: invariant names must be distinct, and '${v.name}' appears twice`);
      names.add(v.name);
    }
  }

  const refinement = m.refinement;
  if (refinement !== undefined) {
    const r = (typeof refinement === 'object' && refinement !== null ? refinement : {}) as Readonly<Record<string, unknown>>;
    if (typeof r.abstract !== 'function') return err(`${label}: refinement needs an abstract function`);
    const spec = (typeof r.spec === 'object' && r.spec !== null ? r.spec : {}) as Readonly<Record<string, unknown>>;
    if (typeof spec.name !== 'string') return err(`${label}: refinement needs a spec (a SpecMachine) with a name`);
    for (const key of ['init', 'next', 'equal', 'show'] as const) {
      if (typeof spec[key] !== 'function') return err(`${label}: the spec ${spec.name} needs a ${key} function`);
    }
  }

  const liveness = m.liveness;
  if (liveness !== undefined) {
    if (!Array.isArray(liveness)) return err(`${label}: liveness must be an array, got ${describe(liveness)}`);
    const names = new Set<string>();
    for (const [i, property] of liveness.entries()) {
      const p = (typeof property === 'object' && property !== null ? property : {}) as Readonly<Record<string, unknown>>;
      if (typeof p.name !== 'string' || p.name === '') return err(`${label}: liveness property ${i} must have a non-empty name, got ${describe(p.name)}`);
      const what = `${label}: liveness property ${p.name}`;
      if (names.has(p.name)) return err(`${label}: liveness property names must be distinct, and '${p.name}' appears twice`);
      names.add(p.name);
      const predicates = p.kind === 'eventually' ? ['holds'] : p.kind === 'leadsTo' ? ['p', 'q'] : null;
      if (predicates === null) return err(`${what}: kind must be 'eventually' or 'leadsTo', got ${describe(p.kind)}`);
      for (const key of predicates) if (typeof p[key] !== 'function') return err(`${what} needs a ${key} function`);
      for (const key of ['fairness', 'strongFairness']) {
        const list = p[key];
        if (list === undefined && key !== 'fairness') continue;
        if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x !== '')) {
          return err(`${what}: ${key} must be an array of action names or patterns, got ${describe(list)}`);
        }
      }
    }
  }
  return ok(undefined);
}

/** A short description of a value, for error sentences. */
function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
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
  /** The model's bounds in words; '' when it names none (it is checked up to the bounds it sets). */
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

/**
 * Why a check could not start (a model or option that does not fit, one sentence), or why its
 * result could not be trusted (under symmetry, a property that tells permuted processes apart).
 */
export type CheckSetupError = string;

/** Checks `model`; an error when the model or the options are malformed or do not fit together. */
export function check<S>(userModel: Model<S>, options: CheckOptions = {}): Result<CheckResult, CheckSetupError> {
  const valid = validateCheck(userModel, options);
  if (!valid.ok) return valid;
  const model = resolveModel(userModel);
  const symmetry = options.symmetry === true;
  const liveness = options.liveness !== false ? model.liveness ?? [] : [];
  const maxDepth = options.maxDepth ?? Infinity;
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
  if (safety !== null) {
    const found = safetyViolation(model, symmetry, exploration, safety);
    if (!found.ok) return found;
    violation = found.value;
  }

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
  const kinds: string[] = [];
  if (p.fairness.length > 0) kinds.push(`weak fairness of ${p.fairness.join(', ')}`);
  if (p.strongFairness !== undefined && p.strongFairness.length > 0) kinds.push(`strong fairness of ${p.strongFairness.join(', ')}`);
  const fairness = kinds.length === 0 ? 'no fairness' : kinds.join(' and ');
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
    const strong = new Uint8Array(model.actions.length);
    const patterns: [string, Uint8Array][] = [
      ...p.fairness.map((pattern): [string, Uint8Array] => [pattern, fair]),
      ...(p.strongFairness ?? []).map((pattern): [string, Uint8Array] => [pattern, strong]),
    ];
    for (const [pattern, marks] of patterns) {
      const re = globToRegExp(pattern);
      let matched = false;
      model.actions.forEach((name, a) => {
        if (re.test(name)) {
          marks[a] = 1;
          matched = true;
        }
      });
      if (!matched) return err(`liveness ${p.name}: fairness pattern '${pattern}' matches no action of ${model.name}`);
    }
    if (p.kind === 'eventually') {
      predicates.push(p.holds);
      properties.push({ trigger: 'initial', goal: predicates.length - 1, fair, strong });
    } else {
      predicates.push(p.p, p.q);
      properties.push({ trigger: predicates.length - 2, goal: predicates.length - 1, fair, strong });
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

function safetyViolation<S>(
  model: ResolvedModel<S>, symmetry: boolean, exploration: Exploration, v: SafetyViolation,
): Result<Violation, CheckSetupError> {
  switch (v.kind) {
    case 'invariant': {
      const inv = (model.invariants ?? []).find((i) => i.name === v.name);
      assert(inv !== undefined, replayDiverged(model));
      const replayed = tryReplay(model, symmetry, pathTo(exploration, v.state), (_, to) => !inv.holds(to));
      if (!replayed.ok) return replayed;
      const steps = replayed.value;
      const last = steps[steps.length - 1];
      assert(last !== undefined, replayDiverged(model));
      if (inv.holds(last.state)) {
        // The search saw it fail on a canonical form; no equivalent state the trace can reach fails it.
        assert(symmetry, replayDiverged(model));
        return err(tellsApart(model, `invariant ${v.name}`, 'it fails on a canonical form but holds on the equivalent states the trace reaches'));
      }
      return ok({
        kind: 'invariant', property: v.name,
        message: `invariant ${v.name} does not hold after ${steps.length - 1} step${steps.length === 2 ? '' : 's'}`,
        trace: viewTrace(model, steps, null),
      });
    }
    case 'refinementInit': {
      const refinement = model.refinement;
      const steps = replay(model, symmetry, [v.ordinal]);
      const first = steps[0];
      const shown = refinement !== undefined && first !== undefined ? refinement.spec.show(refinement.abstract(first.state)) : '?';
      return ok({
        kind: 'refinement', property: refinement?.spec.name ?? 'refinement',
        message: `an initial state maps to ${shown}, which is not an initial state of the spec`,
        trace: viewTrace(model, steps, null),
      });
    }
    case 'refinementStep': {
      const refinement = model.refinement;
      assert(refinement !== undefined, replayDiverged(model));
      const violates = (a: S, b: S): boolean => classifySpecStep(refinement.spec, refinement.abstract(a), refinement.abstract(b)) === 'violation';
      const replayed = tryReplay(model, symmetry, [...pathTo(exploration, v.from), v.ordinal], violates);
      if (!replayed.ok) return replayed;
      const steps = replayed.value;
      const last = steps[steps.length - 1];
      const before = steps[steps.length - 2];
      assert(last !== undefined && before !== undefined, replayDiverged(model));
      const from = refinement.abstract(before.state);
      const to = refinement.abstract(last.state);
      if (classifySpecStep(refinement.spec, from, to) !== 'violation') {
        // The search took the step from a canonical form; no equivalent step the trace can take violates the spec.
        assert(symmetry, replayDiverged(model));
        return err(tellsApart(model, `the refinement abstraction to ${refinement.spec.name}`,
          `step ${steps.length - 1} (${last.action ?? '?'}) violates the spec when taken from a canonical form, ` +
          'but no equivalent step from the state the trace reaches does'));
      }
      const shown = `${refinement.spec.show(from)} -> ${refinement.spec.show(to)}`;
      return ok({
        kind: 'refinement', property: refinement.spec.name,
        message: `step ${steps.length - 1} (${last.action ?? '?'}) maps to the spec transition ${shown}, ` +
          'which is neither a spec step nor a stutter',
        trace: viewTrace(model, steps, null),
      });
    }
    case 'symmetry':
      return err(tellsApart(model, v.property, `it gives one answer on ${v.state} and another on its canonical form ${v.canonical}`));
  }
}

/** The error for a property that tells permuted processes apart, so symmetry reduction is unsound. */
function tellsApart<S>(model: Model<S>, property: string, evidence: string): string {
  return `symmetry reduction is unsound for model ${model.name}: ${property} tells permuted processes apart (${evidence}). ` +
    'Check without symmetry, or state the property so that it does not depend on which process is which';
}

function replayDiverged<S>(model: Model<S>): string {
  return `replaying the trace did not reach the state the search found: model ${model.name}'s successors ` +
    'must come in an order fixed by the state alone';
}

function sameState<S>(model: Model<S>, a: S, b: S): boolean {
  const encoding = encodingOf(model);
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
