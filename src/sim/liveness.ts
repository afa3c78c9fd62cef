import type { LivenessCondition } from './system.js';

/**
 * Ready-made liveness conditions. Each is judged at the end of a run, over what happened after
 * faults stopped, so the quiet period must be at least as long as the bound.
 */

/** Every host emits an event starting with `prefix` within `withinMs` after faults stop. */
export function everyHostEmitsWithin<P, O, R>(prefix: string, withinMs: number): LivenessCondition<P, O, R> {
  return {
    description: `every host emits '${prefix.trim()}' within ${withinMs} ms after faults stop`,
    check: (view) => {
      const deadline = view.quietFromMs + withinMs;
      if (view.endMs < deadline) return `the quiet period (${view.endMs - view.quietFromMs} ms) is shorter than the bound`;
      const late: string[] = [];
      for (const id of view.hostIds) {
        const first = view.emittedSinceQuiet(id).find((e) => e.event.startsWith(prefix));
        if (first === undefined || first.atMs > deadline) late.push(id);
      }
      return late.length === 0 ? null : `not by ${deadline.toFixed(3)}ms: ${late.join(', ')}`;
    },
  };
}

/**
 * Every client operation completes within `withinMs` of the later of its call and the end of the
 * fault window. Operations whose bound falls after the end of the run are not judged.
 */
export function everyRequestCompletesWithin<P, O, R>(withinMs: number): LivenessCondition<P, O, R> {
  return {
    description: `every request completes within ${withinMs} ms once faults have stopped`,
    check: (view) => {
      const calls = new Map<string, number>();
      const returned = new Map<string, number>();
      for (const e of view.history) {
        if (e.type === 'call') calls.set(String(e.id), e.time ?? 0);
        else returned.set(String(e.id), e.time ?? 0);
      }
      const late: string[] = [];
      for (const [id, calledMs] of calls) {
        const deadline = Math.max(calledMs, view.quietFromMs) + withinMs;
        if (deadline > view.endMs) continue;
        const at = returned.get(id);
        if (at === undefined || at > deadline) late.push(`op ${id} (called at ${calledMs.toFixed(3)}ms)`);
      }
      if (late.length === 0) return null;
      return `${late.length} late: ${late.slice(0, 5).join(', ')}${late.length > 5 ? ', ...' : ''}`;
    },
  };
}
