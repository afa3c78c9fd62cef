import type { Packet } from './types.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';

/**
 * The IO journal of one implementation host step, as in IronFleet: every receive (a packet, or
 * none waiting), the clock read, and every send, in the order they happened.
 */
export type IoEvent<M> =
  | { readonly kind: 'receive'; readonly packet: Packet<M> }
  | { readonly kind: 'receiveNone' }
  | { readonly kind: 'clock'; readonly nowMs: number }
  | { readonly kind: 'send'; readonly packet: Packet<M> };

/** The IO of one step, in order. */
export type IoJournal<M> = readonly IoEvent<M>[];

/**
 * IronFleet's reduction obligation: a step's IO is its receives, then at most one clock read, then
 * its sends. Steps of that shape can be reordered into atomic protocol steps, which is what lets a
 * protocol step stand for a whole implementation step. Any other order is rejected with the index
 * of the offending event.
 */
export function checkReductionOrder<M>(journal: IoJournal<M>): Result<void, string> {
  // Phase 0: receives; 1: after the clock read; 2: sending.
  let phase = 0;
  for (let i = 0; i < journal.length; i++) {
    const event = journal[i];
    if (event === undefined) continue;
    switch (event.kind) {
      case 'receive':
      case 'receiveNone':
        if (phase > 0) return err(`event ${i}: a receive after ${phase === 1 ? 'the clock read' : 'a send'}`);
        break;
      case 'clock':
        if (phase === 1) return err(`event ${i}: a second clock read in one step`);
        if (phase === 2) return err(`event ${i}: a clock read after a send`);
        phase = 1;
        break;
      case 'send':
        phase = 2;
        break;
      default: {
        const never: never = event;
        return err(`event ${i}: unknown IO event ${JSON.stringify(never)}`);
      }
    }
  }
  return ok(undefined);
}

/** The packets a journal received, in order. */
export function journalReceives<M>(journal: IoJournal<M>): Packet<M>[] {
  const out: Packet<M>[] = [];
  for (const e of journal) if (e.kind === 'receive') out.push(e.packet);
  return out;
}

/** The packets a journal sent, in order. */
export function journalSends<M>(journal: IoJournal<M>): Packet<M>[] {
  const out: Packet<M>[] = [];
  for (const e of journal) if (e.kind === 'send') out.push(e.packet);
  return out;
}

/** The clock reading of a journal, if it read the clock. */
export function journalClock<M>(journal: IoJournal<M>): number | undefined {
  for (const e of journal) if (e.kind === 'clock') return e.nowMs;
  return undefined;
}
