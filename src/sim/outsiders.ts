import type { HostEnvironment } from '../framework/host.js';
import type { Prng } from '../core/prng.js';
import type { OutsiderView, SimClient, SimOutsiders } from './system.js';

/**
 * An outsider in a run: an endpoint outside the service that sends what the binding's
 * `SimOutsiders.message` picks, with exponential gaps drawn from its own random stream, while the
 * fault window lasts. It is stepped like a client (when packets arrive and when its timer is due);
 * what it receives is dropped.
 */
export class Outsider<P, M> implements SimClient<M> {
  /** When this outsider sends next, by its clock (ms); null before its first step. */
  private nextSendMs: number | null = null;

  /**
   * An outsider sending what `source` picks, drawing from `prng`; `view` is what it knows when it
   * picks, `active` whether the fault window still lasts, `onSend` counts what it sent.
   */
  constructor(
    private readonly source: SimOutsiders<P, M>,
    private readonly prng: Prng,
    private readonly view: () => OutsiderView<P, M>,
    private readonly active: () => boolean,
    private readonly onSend: () => void,
  ) {}

  step(env: HostEnvironment<M>): void {
    while (env.receive() !== null) {
      // Replies to an outsider go nowhere: it is not a peer.
    }
    const nowMs = env.now();
    if (!this.active()) return;
    if (this.nextSendMs === null) {
      this.nextSendMs = nowMs + this.gapMs();
      return;
    }
    if (nowMs < this.nextSendMs) return;
    this.nextSendMs = nowMs + this.gapMs();
    const send = this.source.message(this.prng, this.view());
    if (send === null) return;
    this.onSend();
    env.send(send.dst, send.msg);
  }

  wakeAfterMs(nowMs: number): number | null {
    if (!this.active()) return null;
    return this.nextSendMs === null ? 0 : Math.max(0, this.nextSendMs - nowMs);
  }

  /**
   * An exponential gap with the source's mean, rounded up to whole ms (at least 1): clocks read
   * whole ms, so a finer gap would only wake the outsider before its clock shows the time.
   */
  private gapMs(): number {
    return Math.max(1, Math.ceil(-Math.log(1 - this.prng.nextFloat()) * this.source.meanIntervalMs));
  }
}
