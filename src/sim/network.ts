import type { Prng } from '../core/prng.js';
import type { NetworkFaults } from './faults.js';
import { sampleDelayUs } from './faults.js';

/**
 * The simulated network between endpoints (hosts and clients, by index). It decides each packet's
 * fate at send time (lost, delayed, held back, duplicated) and keeps which links the active
 * partitions cut; the simulator checks a cut at delivery time, so a partition also catches
 * packets already in flight.
 */

/** What the network did, in counts. */
export interface NetworkCounts {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Packets that arrived while a partition cut their link. */
  partitionDrops: number;
  /** Packets that arrived at a crashed endpoint. */
  downDrops: number;
  /** Packets that arrived at a full inbox. */
  overflowDrops: number;
  /** Packets sent to an id that is no endpoint. */
  unknownDst: number;
}

/** The fate of one packet: how many copies arrive, when, and whether it was held back. */
export interface Fate {
  /** 0 (lost), 1, or 2 (duplicated). */
  copies: number;
  /** Arrival time of each copy, in simulated microseconds; only the first `copies` are meaningful. */
  readonly arrivalsUs: [number, number];
  /** Extra hold-back of a reordered packet, in microseconds (0 when not reordered). */
  heldBackUs: number;
}

/** The network of one run. */
export class SimNetwork {
  /** Whether per-packet faults apply (the fault window); latency always does. */
  faultsOn = false;
  readonly counts: NetworkCounts = {
    sent: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, partitionDrops: 0, downDrops: 0, overflowDrops: 0, unknownDst: 0,
  };
  /** For each directed link src * n + dst, how many active partitions cut it. */
  private readonly cuts: Int32Array;
  private cutLinks = 0;
  /** The fate of the last packet sent; reused, so read it before the next send. */
  private readonly fate: Fate = { copies: 0, arrivalsUs: [0, 0], heldBackUs: 0 };

  /** A network between `endpoints` endpoints, drawing faults from `prng`. */
  constructor(readonly endpoints: number, private readonly faults: NetworkFaults, private readonly prng: Prng) {
    this.cuts = new Int32Array(endpoints * endpoints);
  }

  /** Decides the fate of a packet sent at `nowUs`. */
  transmit(nowUs: number): Fate {
    const f = this.fate;
    const p = this.prng;
    const faults = this.faults;
    this.counts.sent++;
    f.heldBackUs = 0;
    if (this.faultsOn && p.chance(faults.lossRate)) {
      this.counts.lost++;
      f.copies = 0;
      return f;
    }
    f.copies = 1;
    f.arrivalsUs[0] = nowUs + sampleDelayUs(faults.delay, p);
    if (this.faultsOn) {
      if (p.chance(faults.reorderRate)) {
        f.heldBackUs = 1 + p.nextInt(Math.max(1, Math.round(faults.reorderDelayMsMax * 1000)));
        f.arrivalsUs[0] += f.heldBackUs;
        this.counts.reordered++;
      }
      if (p.chance(faults.dupRate)) {
        f.copies = 2;
        f.arrivalsUs[1] = nowUs + sampleDelayUs(faults.delay, p);
        this.counts.duplicated++;
      }
    }
    return f;
  }

  /** Cuts the links from every endpoint in `from` to every endpoint in `to` (one partition's worth). */
  cut(from: readonly number[], to: readonly number[]): void {
    this.adjust(from, to, 1);
  }

  /** Undoes one `cut` of the same links. */
  heal(from: readonly number[], to: readonly number[]): void {
    this.adjust(from, to, -1);
  }

  /** Whether some active partition cuts the link from `src` to `dst`. */
  isCut(src: number, dst: number): boolean {
    return this.cutLinks > 0 && (this.cuts[src * this.endpoints + dst] ?? 0) > 0;
  }

  private adjust(from: readonly number[], to: readonly number[], by: number): void {
    for (const s of from) {
      for (const d of to) {
        const i = s * this.endpoints + d;
        const before = this.cuts[i] ?? 0;
        const after = before + by;
        this.cuts[i] = after;
        if (before === 0 && after > 0) this.cutLinks++;
        if (before > 0 && after === 0) this.cutLinks--;
      }
    }
  }
}
