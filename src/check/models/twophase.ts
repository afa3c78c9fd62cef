import { assert } from '../../core/assert.js';
import type { LivenessProperty, Model } from '../model.js';
import { packedEncoding } from '../model.js';
import { aborted, committed, prepared, rmStates, tcommitSpec, working } from './tcommit.js';

/**
 * Lamport's TwoPhase commit (TwoPhase.tla) as a packed model: a transaction manager (TM) and
 * `rms` resource managers (RMs) exchanging Prepared(rm), Commit and Abort messages through a set
 * of messages that only grows. The counts TLC reports for it are the reference: 288 distinct
 * states for 3 RMs, 8,832 for 5, 1,745,408 for 8.
 *
 * A state is one nibble for the TM and one per RM, eight nibbles to a 32-bit word:
 *   nibble 0 (TM):  bits 0-1 tmState (0 init, 1 committed, 2 aborted), bit 2 Commit sent, bit 3 Abort sent
 *   nibble 1+i:     bits 0-1 rmState[i] (0 working, 1 prepared, 2 committed, 3 aborted),
 *                   bit 2 i in tmPrepared, bit 3 Prepared(i) sent
 * Every field of TwoPhase.tla is a bit field here, so distinct encodings are distinct states.
 *
 * Steps that change nothing (TMRcvPrepared of an RM already in tmPrepared, an RM receiving the
 * decision it already has) are stutters and are not emitted, so "states generated" is lower than
 * TLC's; the distinct count is the same.
 */

/** Injected bugs, to show the checker finding them. */
export type TwoPhaseBug = 'commit-early';

/** The injected bugs, with what each does. */
export const twoPhaseBugs: Readonly<Record<TwoPhaseBug, string>> = {
  'commit-early': 'the TM may commit without waiting for every RM to be prepared',
};

/** Options of the TwoPhase model. */
export interface TwoPhaseOptions {
  /** Number of resource managers, 1..15. */
  readonly rms: number;
  /** Also check liveness (keeps the explored graph). */
  readonly liveness?: boolean;
  /** Check refinement of TCommit on every step (default true). */
  readonly refinement?: boolean;
  readonly bug?: TwoPhaseBug;
}

/** The largest number of RMs: the TM and RM nibbles fit in two words. */
export const twoPhaseRmsMax = 15;

const tmInit = 0;
const tmCommitted = 1;
const tmAborted = 2;
const tmStates = ['init', 'committed', 'aborted'] as const;
const commitSent = 4;
const abortSent = 8;
const inTmPrepared = 4;
const preparedSent = 8;

/** Actions per RM, in the order their indexes follow the two TM actions. */
const rmActionNames = ['TMRcvPrepared', 'RMPrepare', 'RMChooseToAbort', 'RMRcvCommitMsg', 'RMRcvAbortMsg'] as const;

function nibble(w: Uint32Array, i: number): number {
  return ((w[i >>> 3] ?? 0) >>> ((i & 7) << 2)) & 15;
}

function setNibble(w: Uint32Array, i: number, v: number): void {
  const k = i >>> 3;
  const shift = (i & 7) << 2;
  w[k] = (((w[k] ?? 0) & ~(15 << shift)) | (v << shift)) >>> 0;
}

/** The TwoPhase model for `options.rms` resource managers. */
export function twoPhaseModel(options: TwoPhaseOptions): Model<Uint32Array> {
  const n = options.rms;
  assert(Number.isInteger(n) && n >= 1 && n <= twoPhaseRmsMax, `rms must be 1..${twoPhaseRmsMax}, got ${n}`);
  const words = Math.ceil((n + 1) / 8);
  const commitEarly = options.bug === 'commit-early';
  const rmName = (i: number): string => `r${i + 1}`;
  const actions = ['TMCommit', 'TMAbort'];
  for (let i = 0; i < n; i++) for (const a of rmActionNames) actions.push(`${a}(${rmName(i)})`);

  const next = new Uint32Array(words);
  const canonical = new Uint32Array(words);
  const sortBuf = new Uint8Array(n);

  const copyInto = (s: Uint32Array): Uint32Array => {
    for (let k = 0; k < words; k++) next[k] = s[k] ?? 0;
    return next;
  };

  const successors = (s: Uint32Array, emit: (action: number, t: Uint32Array) => void): void => {
    const tm = nibble(s, 0);
    const tmState = tm & 3;
    if (tmState === tmInit) {
      let allPrepared = true;
      for (let i = 0; i < n && allPrepared; i++) if ((nibble(s, i + 1) & inTmPrepared) === 0) allPrepared = false;
      if (allPrepared || commitEarly) {
        setNibble(copyInto(s), 0, (tm & ~3) | tmCommitted | commitSent);
        emit(0, next);
      }
      setNibble(copyInto(s), 0, (tm & ~3) | tmAborted | abortSent);
      emit(1, next);
    }
    for (let i = 0; i < n; i++) {
      const rm = nibble(s, i + 1);
      const rmState = rm & 3;
      const base = 2 + i * rmActionNames.length;
      // TMRcvPrepared(rm)
      if (tmState === tmInit && (rm & preparedSent) !== 0 && (rm & inTmPrepared) === 0) {
        setNibble(copyInto(s), i + 1, rm | inTmPrepared);
        emit(base, next);
      }
      if (rmState === working) {
        // RMPrepare(rm)
        setNibble(copyInto(s), i + 1, (rm & ~3) | prepared | preparedSent);
        emit(base + 1, next);
        // RMChooseToAbort(rm)
        setNibble(copyInto(s), i + 1, (rm & ~3) | aborted);
        emit(base + 2, next);
      }
      // RMRcvCommitMsg(rm)
      if ((tm & commitSent) !== 0 && rmState !== committed) {
        setNibble(copyInto(s), i + 1, (rm & ~3) | committed);
        emit(base + 3, next);
      }
      // RMRcvAbortMsg(rm)
      if ((tm & abortSent) !== 0 && rmState !== aborted) {
        setNibble(copyInto(s), i + 1, (rm & ~3) | aborted);
        emit(base + 4, next);
      }
    }
  };

  // RMs are interchangeable: sorting their nibbles gives one representative per class.
  const symmetry = (s: Uint32Array): Uint32Array => {
    for (let i = 0; i < n; i++) sortBuf[i] = nibble(s, i + 1);
    sortBuf.sort();
    canonical.fill(0);
    setNibble(canonical, 0, nibble(s, 0));
    for (let i = 0; i < n; i++) setNibble(canonical, i + 1, sortBuf[i] ?? 0);
    return canonical;
  };

  /** The RM state vector, two bits per RM: TCommit's state. */
  const abstract = (s: Uint32Array): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v |= (nibble(s, i + 1) & 3) << (2 * i);
    return v >>> 0;
  };

  const someRm = (s: Uint32Array, state: number): boolean => {
    for (let i = 0; i < n; i++) if ((nibble(s, i + 1) & 3) === state) return true;
    return false;
  };
  const allDecided = (s: Uint32Array): boolean => {
    for (let i = 0; i < n; i++) {
      const x = nibble(s, i + 1) & 3;
      if (x !== committed && x !== aborted) return false;
    }
    return true;
  };

  const liveness: LivenessProperty<Uint32Array>[] = [
    // With every action weakly fair, the TM eventually decides and every RM learns the decision.
    { kind: 'eventually', name: 'AllDecided', holds: allDecided, fairness: ['*'] },
    // Once an RM is prepared, it eventually commits or aborts.
    {
      kind: 'leadsTo', name: 'PreparedLeadsToDecided',
      p: (s) => someRm(s, prepared), q: (s) => !someRm(s, prepared), fairness: ['*'],
    },
  ];

  return {
    name: 'twophase',
    bounds: `${n} RM${n === 1 ? '' : 's'}${commitEarly ? ', bug commit-early' : ''}`,
    actions,
    encoding: packedEncoding(words),
    initial: (emit) => emit(new Uint32Array(words)),
    successors,
    invariants: [
      // No RM has committed while another has aborted.
      { name: 'TCConsistent', holds: (s) => !(someRm(s, committed) && someRm(s, aborted)) },
    ],
    symmetry,
    ...(options.refinement !== false ? { refinement: { spec: tcommitSpec(n), abstract } } : {}),
    ...(options.liveness === true ? { liveness } : {}),
    view: (s) => {
      const rmState: Record<string, string> = {};
      const tmPrepared: string[] = [];
      const msgs: string[] = [];
      for (let i = 0; i < n; i++) {
        const rm = nibble(s, i + 1);
        rmState[rmName(i)] = rmStates[rm & 3] ?? '?';
        if ((rm & inTmPrepared) !== 0) tmPrepared.push(rmName(i));
        if ((rm & preparedSent) !== 0) msgs.push(`Prepared(${rmName(i)})`);
      }
      const tm = nibble(s, 0);
      if ((tm & commitSent) !== 0) msgs.push('Commit');
      if ((tm & abortSent) !== 0) msgs.push('Abort');
      return { rmState, tmState: tmStates[tm & 3] ?? '?', tmPrepared, msgs };
    },
  };
}
