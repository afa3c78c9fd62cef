import type { HostId } from '../../framework/types.js';
import type { Ballot, LearnerState, Opn, RequestBatch } from './types.js';
import { balLt, ballotZero } from './types.js';

/**
 * The learner (docs/rsl.md §4.4, IronFleet's `Learner.i.dfy`): counts, per slot, the replicas
 * that sent a 2b at the highest ballot it has seen. A slot with a quorum of senders is decided.
 */

/** One replica's learner state. */
export interface LearnerRoleState {
  /** The highest ballot of any 2b taken. */
  readonly maxBallotSeen: Ballot;
  /**
   * Per slot at or above the executor's position, the replicas that sent a 2b at `maxBallotSeen`
   * and its value. Invariant: senders non-empty, all replicas, each counted once.
   */
  readonly unexecuted: LearnerState;
}

/** The initial learner. */
export function learnerInit(): LearnerRoleState {
  return { maxBallotSeen: ballotZero, unexecuted: new Map() };
}

/**
 * A 2b from replica `src` (IronFleet's `LLearnerProcess2b`; the caller checks that `src` is a
 * replica and the slot still learnable): null if its ballot is below the highest seen. A higher
 * ballot drops everything learned at lower ones; at the same ballot the sender joins the slot's
 * senders (a repeated sender changes nothing; the value is not compared, since all 2bs at one
 * ballot and slot carry one value).
 */
export function learnerProcess2b(l: LearnerRoleState, src: HostId, ballot: Ballot, opn: Opn, batch: RequestBatch): LearnerRoleState | null {
  if (balLt(ballot, l.maxBallotSeen)) return null;
  if (balLt(l.maxBallotSeen, ballot)) {
    return { maxBallotSeen: ballot, unexecuted: new Map([[opn, { senders: new Set([src]), value: batch }]]) };
  }
  const tuple = l.unexecuted.get(opn);
  if (tuple !== undefined && tuple.senders.has(src)) return l;
  const next = tuple === undefined ? { senders: new Set([src]), value: batch } : { ...tuple, senders: new Set([...tuple.senders, src]) };
  return { ...l, unexecuted: new Map(l.unexecuted).set(opn, next) };
}

/** Forgets slot `opn`, once executed. */
export function learnerForgetDecision(l: LearnerRoleState, opn: Opn): LearnerRoleState {
  if (!l.unexecuted.has(opn)) return l;
  const unexecuted = new Map(l.unexecuted);
  unexecuted.delete(opn);
  return { ...l, unexecuted };
}

/** Forgets every slot below `opn`, on a state supply. */
export function learnerForgetBefore(l: LearnerRoleState, opn: Opn): LearnerRoleState {
  if (![...l.unexecuted.keys()].some((slot) => slot < opn)) return l;
  return { ...l, unexecuted: new Map([...l.unexecuted].filter(([slot]) => slot >= opn)) };
}
