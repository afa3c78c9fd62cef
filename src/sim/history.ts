import type { CallEvent, HistoryEvent, ReturnEvent } from '../lin/types.js';
import type { HostId } from '../framework/types.js';
import { assert } from '../core/assert.js';

/**
 * Client histories recorded in simulation, in the vocabulary of src/lin: a call when a client
 * invokes an operation, a return when its response arrives, both stamped with simulated time
 * (one global time, not a host's skewed clock, so real-time order is the true order).
 */

export type { HistoryEvent } from '../lin/types.js';

/**
 * What a linearizability check hook says about a history. A malformed history (a recording bug)
 * is told apart from a violation (a bug in the system); `unknown` means the checker gave up
 * within its budget, which is reported but not a failure.
 */
export type LinVerdict =
  | { readonly kind: 'linearizable' }
  | { readonly kind: 'violation'; readonly detail: string }
  | { readonly kind: 'malformed'; readonly detail: string }
  | { readonly kind: 'unknown'; readonly detail: string };

/** How a simulated client records its operations; the simulator stamps the times. */
export interface HistoryRecorder<O, R> {
  /** Records that this client invoked `op`; returns the operation's id. */
  call(op: O): number;
  /** Records that operation `id` returned `output`. */
  ret(id: number, output: R): void;
}

/** The most events a history keeps; past it the history is marked truncated and not checked. */
export const historyEventsMax = 1_000_000;

/** A run's history: every call and return, in simulated-time order. */
export class History<O, R> {
  readonly events: HistoryEvent<O, R>[] = [];
  /** Whether events were dropped because the history was full. */
  truncated = false;
  private nextId = 1;
  private readonly open = new Map<number, HostId>();

  /** The recorder of `client`, stamping events with `nowMs()`. */
  recorder(client: HostId, nowMs: () => number, onEvent: (e: HistoryEvent<O, R>) => void): HistoryRecorder<O, R> {
    return {
      call: (op) => {
        const id = this.nextId++;
        this.open.set(id, client);
        const e: CallEvent<O> = { type: 'call', id, client, op, time: nowMs() };
        this.add(e, onEvent);
        return id;
      },
      ret: (id, output) => {
        // A client returning an operation it never called, or twice, is a bug in the workload.
        assert(this.open.get(id) === client, () => `client ${client} returned operation ${id}, which it has not open`);
        this.open.delete(id);
        const e: ReturnEvent<R> = { type: 'return', id, output, time: nowMs() };
        this.add(e, onEvent);
      },
    };
  }

  /** How many operations were called and have not returned. */
  get pending(): number {
    return this.open.size;
  }

  private add(e: HistoryEvent<O, R>, onEvent: (e: HistoryEvent<O, R>) => void): void {
    onEvent(e);
    if (this.events.length >= historyEventsMax) {
      this.truncated = true;
      return;
    }
    this.events.push(e);
  }
}
