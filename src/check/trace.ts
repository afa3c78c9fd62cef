import { assert } from '../core/assert.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { encodingOf, fingerprintState, newFingerprint } from './fingerprint.js';
import type { EmitSuccessor, Model, StepNote } from './model.js';
import { changedFields, fieldLines, showValue, toJsonValue } from './show.js';

/**
 * Traces, rebuilt after the search by replaying the model: the search keeps only each state's
 * parent and successor ordinal, so a trace is a list of ordinals, and replaying `initial` and
 * `successors` turns it back into states, actions and inputs. Under symmetry the stored states are
 * canonical forms; the replay follows concrete states whose canonical forms match, so the trace
 * shown is a real behaviour of the model.
 */

/** One state of a trace and the step that reached it. */
export interface TraceStep<S> {
  readonly state: S;
  /** The action taken to reach this state; null for the initial state. */
  readonly action: string | null;
  readonly note?: StepNote;
}

/**
 * Replays `ordinals` (an initial state's ordinal, then one successor ordinal per step) on
 * `model`, canonicalising with its symmetry when `symmetry` is set; asserts that the replay
 * succeeds (see `tryReplay`).
 */
export function replay<S>(model: Model<S>, symmetry: boolean, ordinals: readonly number[]): TraceStep<S>[] {
  const steps = tryReplay(model, symmetry, ordinals);
  assert(steps.ok, steps.ok ? '' : steps.error);
  return steps.value;
}

/**
 * Replays `ordinals` like `replay`; an error when, under symmetry, no concrete successor has the
 * canonical form the search stored (the symmetry does not commute with the successor function, so
 * it is not a symmetry of the model). Under symmetry several concrete successors may have that
 * form; for the last step, one for which `lastPrefer(from, to)` holds is taken if there is one
 * (a step that shows the violation the search found).
 */
export function tryReplay<S>(
  model: Model<S>, symmetry: boolean, ordinals: readonly number[], lastPrefer?: (from: S, to: S) => boolean,
): Result<TraceStep<S>[], string> {
  assert(ordinals.length > 0, 'a trace starts with an initial state');
  const copy = copier(model);
  const canonical = symmetry ? model.symmetry : undefined;
  assert(!symmetry || canonical !== undefined, 'replay with symmetry on a model without one');
  const first = nth(ordinals[0] ?? 0, (emit) => model.initial((s) => emit(0, s)), copy);
  assert(first !== null, 'replay: initial state ordinal out of range');
  const steps: TraceStep<S>[] = [{ state: first.state, action: null }];
  let concrete = first.state;
  for (let i = 1; i < ordinals.length; i++) {
    const ordinal = ordinals[i] ?? 0;
    let next: Emitted<S> | null;
    if (canonical === undefined) {
      const from = concrete;
      next = nth(ordinal, (emit) => model.successors(from, emit), copy);
    } else {
      // The stored path runs through canonical forms: find the concrete successor matching it.
      const stored = copy(canonical(concrete));
      const target = nth(ordinal, (emit) => model.successors(stored, emit), copy);
      assert(target !== null, 'replay: successor ordinal out of range');
      const want = newFingerprint();
      fingerprintState(model, canonical(target.state), want);
      const got = newFingerprint();
      const from = concrete;
      const matches = (t: S): boolean => {
        fingerprintState(model, canonical(t), got);
        return got.hi === want.hi && got.lo === want.lo;
      };
      const prefer = i === ordinals.length - 1 ? lastPrefer : undefined;
      next = prefer !== undefined ? find((emit) => model.successors(from, emit), copy, (t) => prefer(from, t) && matches(t)) : null;
      next ??= find((emit) => model.successors(from, emit), copy, matches);
      if (next === null) {
        return err(`model ${model.name}'s symmetry is not a symmetry of its successors: at step ${i}, no successor of the ` +
          'state reached has the canonical form that the successor of its canonical form has (permuting a state must ' +
          'permute its successors alike)');
      }
    }
    assert(next !== null, 'replay: successor ordinal out of range');
    const action = model.actions[next.action] ?? `action ${next.action}`;
    steps.push(next.note === undefined ? { state: next.state, action } : { state: next.state, action, note: next.note });
    concrete = next.state;
  }
  return ok(steps);
}

function copier<S>(model: Model<S>): (s: S) => S {
  const encoding = encodingOf(model);
  if (encoding.kind === 'packed') return (s) => encoding.fromWords(Uint32Array.from(encoding.toWords(s)));
  return (s) => s;
}

type Emitter<S> = (emit: EmitSuccessor<S>) => void;

/** One emitted successor, copied. */
interface Emitted<S> {
  readonly state: S;
  readonly action: number;
  readonly note: StepNote | undefined;
}

/** The `k`-th state `run` emits. */
function nth<S>(k: number, run: Emitter<S>, copy: (s: S) => S): Emitted<S> | null {
  let i = 0;
  return find(run, copy, () => i++ === k);
}

/** The first state `run` emits that satisfies `match`. */
function find<S>(run: Emitter<S>, copy: (s: S) => S, match: (t: S) => boolean): Emitted<S> | null {
  let found: Emitted<S> | null = null;
  run((action, t, note) => {
    if (found === null && match(t)) found = { state: copy(t), action, note };
  });
  return found;
}

/** A trace as shown to people and written as JSON: per step, what happened and what changed. */
export interface TraceView {
  readonly steps: readonly TraceStepView[];
  /**
   * For liveness counterexamples: the behaviour continues forever from the last step by looping
   * back to step `start` (or, when `stutter` is set, by staying in the last state).
   */
  readonly loop: { readonly start: number; readonly stutter: boolean } | null;
}

/** One step of a TraceView. */
export interface TraceStepView {
  readonly step: number;
  /** The action taken; null for the initial state. */
  readonly action: string | null;
  readonly host?: string;
  /** The packet received, rendered `src -> dst message`. */
  readonly packet?: string;
  /** Other inputs, rendered `key=value`. */
  readonly input?: string;
  /** Fields that changed, `path: old -> new`; for the initial state, every field. */
  readonly changes: readonly string[];
  /** The whole state, as a JSON-safe value. */
  readonly state: unknown;
}

/**
 * Turns replayed steps into a TraceView, diffing consecutive states' views (the states
 * themselves when the model has no view).
 */
export function viewTrace<S>(model: Model<S>, steps: readonly TraceStep<S>[], loop: TraceView['loop']): TraceView {
  const viewOf = model.view;
  const views = steps.map((s) => (viewOf !== undefined ? viewOf.call(model, s.state) : s.state));
  return {
    steps: steps.map((s, i) => {
      const view = views[i];
      const changes = i === 0 ? fieldLines(view) : changedFields(views[i - 1], view);
      const out: { -readonly [K in keyof TraceStepView]: TraceStepView[K] } = {
        step: i, action: s.action, changes, state: toJsonValue(view),
      };
      if (s.note?.host !== undefined) out.host = s.note.host;
      if (s.note?.packet !== undefined) out.packet = `${s.note.packet.src} -> ${s.note.packet.dst} ${showValue(s.note.packet.msg)}`;
      if (s.note?.input !== undefined) {
        const parts = Object.entries(s.note.input).map(([k, v]) => `${k}=${showValue(v)}`);
        if (parts.length > 0) out.input = parts.join(' ');
      }
      return out;
    }),
    loop,
  };
}

/** The lines of a trace for a terminal. */
export function formatTrace(trace: TraceView): string[] {
  const lines: string[] = [];
  for (const s of trace.steps) {
    const head = [`step ${s.step}`, s.action ?? 'initial state'];
    if (s.host !== undefined && (s.action === null || !s.action.includes(s.host))) head.push(`host ${s.host}`);
    if (s.packet !== undefined) head.push(`receives ${s.packet}`);
    if (s.input !== undefined) head.push(s.input);
    const mark = trace.loop !== null && !trace.loop.stutter && s.step === trace.loop.start ? '  <- loop starts here' : '';
    lines.push(`  ${head.join('  ')}${mark}`);
    if (s.changes.length === 0) lines.push('      (no visible change)');
    for (const c of s.changes) lines.push(`      ${c}`);
  }
  if (trace.loop !== null) {
    const last = trace.steps.length - 1;
    lines.push(trace.loop.stutter
      ? `  then stays in the state of step ${last} forever (no fair action is enabled there)`
      : `  then repeats steps ${trace.loop.start + 1}..${last} forever (step ${last} is the state of step ${trace.loop.start})`);
  }
  return lines;
}
