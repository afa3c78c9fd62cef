/**
 * A host's clock in the simulator: simulated time seen through a fixed offset (skew) and rate
 * error (drift), read in whole milliseconds like `Date.now()`, and never going backwards.
 */

/** Where every simulated clock starts (before skew): an epoch-like number, as real clocks read. */
export const clockBaseMs = 1_700_000_000_000;

/** One host's clock. */
export class SimClock {
  private lastMs = -Infinity;
  private readonly rate: number;

  /** A clock `offsetMs` ahead of simulated time (negative: behind), running `driftPpm` fast. */
  constructor(readonly offsetMs: number, readonly driftPpm: number) {
    this.rate = 1 + driftPpm / 1_000_000;
  }

  /** The reading at simulated time `simUs`; never less than an earlier reading. */
  read(simUs: number): number {
    let ms = Math.floor(clockBaseMs + this.offsetMs + (simUs / 1000) * this.rate);
    if (ms < this.lastMs) ms = this.lastMs;
    this.lastMs = ms;
    return ms;
  }

  /** The simulated microseconds in which this clock advances by `localMs`. */
  simUsFor(localMs: number): number {
    return Math.ceil((localMs * 1000) / this.rate);
  }
}
