import type { HostId } from '../../framework/types.js';
import type { LearnerRoleState } from '../protocol/learner.js';
import type { Ballot, LearnerTuple, Opn, RequestBatch } from '../protocol/types.js';
import { balLt, ballotZero } from '../protocol/types.js';

/** One slot as the learner counts it: its senders at the highest ballot, and the value. */
interface Tally {
  readonly senders: Set<HostId>;
  readonly value: RequestBatch;
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
    if (tally === undefined) this.unexecuted.set(opn, { senders: new Set([src]), value: batch });
    else tally.senders.add(src);
  }

  /** Forgets slot `opn`, once executed. */
  forgetDecision(opn: Opn): void {
    this.unexecuted.delete(opn);
  }

  /** Forgets every slot below `opn`, on a state supply. */
  forgetBefore(opn: Opn): void {
    for (const slot of this.unexecuted.keys()) if (slot < opn) this.unexecuted.delete(slot);
  }

  /** The protocol's learner state (copies). */
  abstract(): LearnerRoleState {
    const unexecuted = new Map<Opn, LearnerTuple>();
    for (const [opn, t] of this.unexecuted) unexecuted.set(opn, { senders: new Set(t.senders), value: t.value });
    return { maxBallotSeen: this.maxBallotSeen, unexecuted };
  }
}
