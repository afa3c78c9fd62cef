import type { HostId } from '../../framework/types.js';
import type { LearnerRoleState } from '../protocol/learner.js';
import type { Ballot, LearnerTuple, Opn, RequestBatch } from '../protocol/types.js';
import { balLt, ballotZero } from '../protocol/types.js';

/** One slot as the learner counts it: its senders at the highest ballot, and the value. */
interface Tally {
  readonly senders: Set<HostId>;
  readonly value: RequestBatch;
  /** The protocol's tuple for this tally, once made; dropped when a sender joins. */
  tuple: LearnerTuple | null;
}

/** The learner of the implementation host (docs/rsl.md §4.4): the protocol's learner in mutable form. */
export class LearnerImpl {
  maxBallotSeen: Ballot = ballotZero;
  /** Invariant: senders non-empty, all replicas. */
  readonly unexecuted = new Map<Opn, Tally>();

  /** Whether a 2b at `ballot` is taken: not below the highest ballot seen. */
  takes2b(ballot: Ballot): boolean {
    return !balLt(ballot, this.maxBallotSeen);
  }

  /** Counts a 2b from replica `src` (the caller checked `takes2b` and that the slot is learnable). */
  process2b(src: HostId, ballot: Ballot, opn: Opn, batch: RequestBatch): void {
    if (balLt(this.maxBallotSeen, ballot)) {
      this.maxBallotSeen = ballot;
      this.unexecuted.clear();
    }
    const tally = this.unexecuted.get(opn);
    if (tally === undefined) {
      this.unexecuted.set(opn, { senders: new Set([src]), value: batch, tuple: null });
    } else if (!tally.senders.has(src)) {
      tally.senders.add(src);
      tally.tuple = null;
    }
  }

  /** Forgets slot `opn`, once executed. */
  forgetDecision(opn: Opn): void {
    this.unexecuted.delete(opn);
  }

  /** Forgets every slot below `opn`, on a state supply. */
  forgetBefore(opn: Opn): void {
    for (const slot of this.unexecuted.keys()) if (slot < opn) this.unexecuted.delete(slot);
  }

  /**
   * The protocol's learner state (copies). A lagging replica may hold many tallies (it learns
   * slots it cannot execute yet), and a step changes one: each tally's tuple is made once and
   * reused until a sender joins, so the monitor's before and after states share it.
   */
  abstract(): LearnerRoleState {
    const unexecuted = new Map<Opn, LearnerTuple>();
    for (const [opn, t] of this.unexecuted) {
      t.tuple ??= { senders: new Set(t.senders), value: t.value };
      unexecuted.set(opn, t.tuple);
    }
    return { maxBallotSeen: this.maxBallotSeen, unexecuted };
  }
}
