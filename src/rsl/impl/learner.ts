import type { HostId } from '../../framework/types.js';
import type { LearnerRoleState } from '../protocol/learner.js';
import type { Ballot, LearnerTuple, Opn, Proposal, RequestBatch } from '../protocol/types.js';
import { balLeq, balLt, ballotZero } from '../protocol/types.js';

/** One slot as the learner counts it: its senders at the highest ballot. */
interface Tally {
  readonly senders: Set<HostId>;
  /** The protocol's tuple for this tally, once made; dropped when a sender joins. */
  tuple: LearnerTuple | null;
}

/** The learner of the implementation host (docs/rsl.md §4.4): the protocol's learner in mutable form. */
export class LearnerImpl {
  maxBallotSeen: Ballot = ballotZero;
  /** Invariant: senders non-empty, all replicas. */
  readonly unexecuted = new Map<Opn, Tally>();
  /** Per learnable slot, the highest-ballot 2a accepted (immutable entries, shared with the abstraction). */
  readonly proposed = new Map<Opn, Proposal>();

  /** Keeps the batch of a 2a its replica accepted (the caller checked that the slot is learnable). */
  process2a(ballot: Ballot, opn: Opn, batch: RequestBatch): void {
    if (balLt(ballot, this.maxBallotSeen)) return;
    const kept = this.proposed.get(opn);
    if (kept === undefined || balLt(kept.ballot, ballot)) this.proposed.set(opn, { ballot, batch });
  }

  /** Whether a 2b at `ballot` is taken: not below the highest ballot seen. */
  takes2b(ballot: Ballot): boolean {
    return !balLt(ballot, this.maxBallotSeen);
  }

  /** Counts a 2b from replica `src` (the caller checked `takes2b` and that the slot is learnable). */
  process2b(src: HostId, ballot: Ballot, opn: Opn): void {
    if (balLt(this.maxBallotSeen, ballot)) {
      this.maxBallotSeen = ballot;
      this.unexecuted.clear();
      for (const [slot, p] of this.proposed) if (!balLeq(ballot, p.ballot)) this.proposed.delete(slot);
    }
    const tally = this.unexecuted.get(opn);
    if (tally === undefined) {
      this.unexecuted.set(opn, { senders: new Set([src]), tuple: null });
    } else if (!tally.senders.has(src)) {
      tally.senders.add(src);
      tally.tuple = null;
    }
  }

  /** Forgets slot `opn`, once executed. */
  forgetDecision(opn: Opn): void {
    this.unexecuted.delete(opn);
    this.proposed.delete(opn);
  }

  /** Forgets every slot below `opn`, on a state supply. */
  forgetBefore(opn: Opn): void {
    for (const slot of this.unexecuted.keys()) if (slot < opn) this.unexecuted.delete(slot);
    for (const slot of this.proposed.keys()) if (slot < opn) this.proposed.delete(slot);
  }

  /**
   * The protocol's learner state (copies). A lagging replica may hold many tallies (it learns
   * slots it cannot execute yet), and a step changes one: each tally's tuple is made once and
   * reused until a sender joins, so the monitor's before and after states share it.
   */
  abstract(): LearnerRoleState {
    const unexecuted = new Map<Opn, LearnerTuple>();
    for (const [opn, t] of this.unexecuted) {
      t.tuple ??= { senders: new Set(t.senders) };
      unexecuted.set(opn, t.tuple);
    }
    return { maxBallotSeen: this.maxBallotSeen, unexecuted, proposed: new Map(this.proposed) };
  }
}
