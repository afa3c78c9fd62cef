import { assert } from '../core/assert.js';
import { formatHistory } from './format.js';
import { describeJson } from './json.js';
import type { ClientId, HistoryEvent } from './types.js';

/** The most events one recorder holds: a bound on memory for long runs. */
export const recorderEventsMaxDefault = 20_000_000;

/**
 * Records a client history in memory as operations are invoked and respond, stamping each event
 * with a time from the clock it is given (real or simulated), and writes it out as a history file.
 * Ids are assigned in invocation order from 1.
 *
 * An operation whose outcome is unknown (the client crashed or gave up) is simply never responded
 * to; its client then continues, if at all, under a new client id.
 */
export class HistoryRecorder<I = unknown, O = unknown> {
  private readonly recorded: HistoryEvent<I, O>[] = [];
  private readonly outstanding = new Set<number>();
  private nextId = 1;

  /**
   * A recorder reading time in milliseconds from `now` (omit it to record no times: the order of
   * events is then the real-time order). At most `eventsMax` events are held.
   */
  constructor(
    private readonly now?: () => number,
    private readonly eventsMax: number = recorderEventsMaxDefault,
  ) {}

  /** Records that `client` invoked `op`; returns the operation's id, for `respond`. */
  invoke(client: ClientId, op: I): number {
    const id = this.nextId++;
    this.push({ type: 'call', id, client, op, ...this.stamp() });
    this.outstanding.add(id);
    return id;
  }

  /** Records that operation `id` returned `output` to its client. */
  respond(id: number, output: O): void {
    assert(this.outstanding.delete(id), () => `operation ${describeJson(id)} is not outstanding`);
    this.push({ type: 'return', id, output, ...this.stamp() });
  }

  /** Ids of operations invoked and not yet responded to. */
  pending(): number[] {
    return [...this.outstanding];
  }

  /** The events recorded so far, in order. */
  events(): readonly HistoryEvent<I, O>[] {
    return this.recorded;
  }

  /** The history as the text of a history file (JSON lines). */
  toJsonLines(): string {
    return formatHistory(this.recorded);
  }

  private stamp(): { time?: number } {
    return this.now === undefined ? {} : { time: this.now() };
  }

  private push(event: HistoryEvent<I, O>): void {
    assert(this.recorded.length < this.eventsMax, () => `history recorder is full (${this.eventsMax} events)`);
    this.recorded.push(event);
  }
}
