import type { Model } from '../lin/model.js';
import { checkHistory } from '../lin/check.js';
import { formatViolation } from '../lin/explain.js';
import type { HistoryEvent, LinVerdict } from './history.js';

/** The most bytes one history check may hold before it answers "unknown" (deterministic, unlike a time limit). */
export const simLinCacheBytesMax = 256 * 1024 * 1024;

/**
 * A workload's history check built on the linearizability checker of src/lin: a run's history is
 * linearizable for `model`, or the run fails with the checker's explanation. The checker is given
 * a memory bound and a fixed clock, so its verdict depends on the history alone and a seed still
 * replays bit for bit.
 */
export function linearizabilityCheck<S, I, O>(model: Model<S, I, O>): (history: readonly HistoryEvent<I, O>[]) => LinVerdict {
  return (history) => {
    const r = checkHistory(history, model, { cacheBytesMax: simLinCacheBytesMax, now: () => 0 });
    switch (r.kind) {
      case 'linearizable': return { kind: 'linearizable' };
      case 'notLinearizable': return { kind: 'violation', detail: formatViolation(r.violation).join('\n') };
      case 'unknown': return { kind: 'unknown', detail: `the checker stopped at its ${r.reason === 'memoryLimit' ? 'memory' : 'time'} limit` };
      case 'malformed': return { kind: 'malformed', detail: r.error.message };
      default: {
        const never: never = r;
        return { kind: 'malformed', detail: `unexpected verdict ${JSON.stringify(never)}` };
      }
    }
  };
}
