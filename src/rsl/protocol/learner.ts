import type { HostId } from '../../framework/types.js';
import type { Ballot, LearnerState, Opn, Proposals, RequestBatch } from './types.js';
import { balLeq, balLt, ballotZero } from './types.js';

/**
 * The learner (docs/rsl.md §4.4, IronFleet's `Learner.i.dfy`): counts, per slot, the replicas
 * that sent a 2b at the highest ballot it has seen. **[ours]** A 2b names only its slot; the
 * learner keeps the batch of each 2a its replica accepted, and a slot with a quorum of senders is
 * decided with the batch proposed at that ballot (`executorMakeDecision`).
 */

/** One replica's learner state. */
export interface LearnerRoleState {
  /** The highest ballot of any 2b taken. */
  readonly maxBallotSeen: Ballot;
  /**
   * Per slot at or above the executor's position, the replicas that sent a 2b at `maxBallotSeen`.
   * Invariant: senders non-empty, all replicas, each counted once.
   */
  readonly unexecuted: LearnerState;
  /**
   * Per learnable slot, the batch of the highest-ballot 2a this replica accepted there. Invariant:
   * every ballot is at least `maxBallotSeen` (a lower one can never be decided).
   */
  readonly proposed: Proposals;
}

/** The initial learner. */
export function learnerInit(): LearnerRoleState {
  return { maxBallotSeen: ballotZero, unexecuted: new Map(), proposed: new Map() };
}

/**
 * A 2a its replica accepted, for slot `opn` (the caller checks that the slot is still learnable):
 * keeps its batch unless a 2a at a higher ballot is already kept there. Below the highest ballot
 * seen it changes nothing.
 */
export function learnerProcess2a(l: LearnerRoleState, ballot: Ballot, opn: Opn, batch: RequestBatch): LearnerRoleState {
  if (balLt(ballot, l.maxBallotSeen)) return l;
  const kept = l.proposed.get(opn);
  if (kept !== undefined && balLeq(ballot, kept.ballot)) return l;
  return { ...l, proposed: new Map(l.proposed).set(opn, { ballot, batch }) };
}

/**
 * A 2b from replica `src` (IronFleet's `LLearnerProcess2b`; the caller checks that `src` is a
 * replica and the slot still learnable): null if its ballot is below the highest seen. A higher
 * ballot drops everything learned at lower ones; at the same ballot the sender joins the slot's
 * senders (a repeated sender changes nothing).
 */
export function learnerProcess2b(l: LearnerRoleState, src: HostId, ballot: Ballot, opn: Opn): LearnerRoleState | null {
  if (balLt(ballot, l.maxBallotSeen)) return null;
  if (balLt(l.maxBallotSeen, ballot)) {
    const proposed = new Map([...l.proposed].filter(([, p]) => balLeq(ballot, p.ballot)));
    return { maxBallotSeen: ballot, unexecuted: new Map([[opn, { senders: new Set([src]) }]]), proposed };
  }
  const tuple = l.unexecuted.get(opn);
  if (tuple !== undefined && tuple.senders.has(src)) return l;
  const next = { senders: tuple === undefined ? new Set([src]) : new Set([...tuple.senders, src]) };
  return { ...l, unexecuted: new Map(l.unexecuted).set(opn, next) };
}

/** Forgets slot `opn`, once executed. */
export function learnerForgetDecision(l: LearnerRoleState, opn: Opn): LearnerRoleState {
  if (!l.unexecuted.has(opn) && !l.proposed.has(opn)) return l;
  const unexecuted = new Map(l.unexecuted);
  unexecuted.delete(opn);
  const proposed = new Map(l.proposed);
  proposed.delete(opn);
  return { ...l, unexecuted, proposed };
}

/** Forgets every slot below `opn`, on a state supply. */
export function learnerForgetBefore(l: LearnerRoleState, opn: Opn): LearnerRoleState {
  if (![...l.unexecuted.keys(), ...l.proposed.keys()].some((slot) => slot < opn)) return l;
  return {
    ...l,
    unexecuted: new Map([...l.unexecuted].filter(([slot]) => slot >= opn)),
    proposed: new Map([...l.proposed].filter(([slot]) => slot >= opn)),
  };
}
