import { Hash64 } from '../core/hash.js';

/**
 * The trace of a run: a running 64-bit hash over every event (so two runs can be compared bit for
 * bit by one number), and the last events kept in a ring buffer so a failure can show what led
 * to it. Events are stored as fields and rendered to text only when someone asks.
 */

/** What kind of event a trace record is. */
export type TraceKind =
  | 'step' | 'send' | 'deliver' | 'drop' | 'dup' | 'reorder' | 'emit'
  | 'crash' | 'restart' | 'disk' | 'partition' | 'heal' | 'call' | 'return' | 'quiet' | 'fail';

const kindCode: Readonly<Record<TraceKind, number>> = {
  step: 1, send: 2, deliver: 3, drop: 4, dup: 5, reorder: 6, emit: 7,
  crash: 8, restart: 9, disk: 10, partition: 11, heal: 12, call: 13, return: 14, quiet: 15, fail: 16,
};

/** The most distinct action names numbered; past it, names are hashed in full each time. */
const namesInternedMax = 4_096;

/** One trace event. `a`/`b` are endpoint indexes (-1 when unused), `id` a packet or operation id. */
export interface TraceRecord {
  atUs: number;
  kind: TraceKind;
  a: number;
  b: number;
  id: number;
  /** A short text (an action name, an event, a reason), or null. */
  text: string | null;
  /** The message of a send, rendered only if the record is printed. */
  msg: unknown;
}

/** The running hash and the most recent events of a run. */
export class TraceLog {
  private readonly hash = new Hash64();
  private readonly ring: TraceRecord[];
  /** Action names seen so far, numbered in order of first sight. */
  private readonly names = new Map<string, number>();
  /** How many events were recorded in all. */
  count = 0;

  /** A log that keeps the last `kept` events (0 keeps none, and only hashes). */
  constructor(readonly kept: number) {
    this.ring = Array.from({ length: kept }, () => ({ atUs: 0, kind: 'step', a: -1, b: -1, id: -1, text: null, msg: undefined }));
  }

  /** Records an event and mixes it into the hash; returns its ordinal (from 1) for `complete`. */
  record(kind: TraceKind, atUs: number, a: number, b: number, id: number, text: string | null, msg?: unknown): number {
    const h = this.hash;
    // Kind and endpoints share one word (endpoints < 2^12); a flag bit says whether the time
    // needs a second word. Fewer words hashed per event is most of the simulator's speed.
    const high = atUs >= 0x1_0000_0000;
    h.word(kindCode[kind] | ((a + 1) << 5) | ((b + 1) << 17) | (high ? 1 << 29 : 0)).word(atUs >>> 0).word(id + 1);
    if (high) h.word(Math.floor(atUs / 0x1_0000_0000));
    if (text !== null) h.string(text);
    this.count++;
    const r = this.ring[(this.count - 1) % this.kept];
    if (r !== undefined) {
      r.atUs = atUs;
      r.kind = kind;
      r.a = a;
      r.b = b;
      r.id = id;
      r.text = text;
      r.msg = msg;
    }
    return this.count;
  }

  /**
   * Completes record `ordinal` with what was only known later: a step's received packet and the
   * action it took. Action names come from a small set, so each is hashed in full the first time
   * and by its number after: two runs that agree so far number their names alike.
   */
  complete(ordinal: number, id: number, text: string | null): void {
    let code = 0;
    if (text !== null) {
      const known = this.names.get(text);
      if (known !== undefined) {
        code = known;
      } else {
        code = this.names.size + 1;
        if (this.names.size < namesInternedMax) this.names.set(text, code);
        this.hash.string(text);
      }
    }
    this.hash.word(id + 1).word(code);
    if (ordinal <= this.count - this.kept) return;
    const r = this.ring[(ordinal - 1) % this.kept];
    if (r !== undefined) {
      r.id = id;
      r.text = text;
    }
  }

  /** Mixes bytes that belong to the last event (a packet's encoding) into the hash. */
  mixBytes(bytes: Uint8Array): void {
    this.hash.bytes(bytes);
  }

  /** Mixes the low 32 bits of a whole number that belongs to the last event (a clock reading). */
  mixNumber(x: number): void {
    this.hash.word(x >>> 0);
  }

  /** The hash of everything recorded so far, as 16 hex digits. */
  hex(): string {
    return this.hash.hex();
  }

  /** The kept events, oldest first. */
  recent(): TraceRecord[] {
    const n = Math.min(this.count, this.kept);
    const out: TraceRecord[] = [];
    for (let k = this.count - n; k < this.count; k++) {
      const r = this.ring[k % this.kept];
      if (r !== undefined) out.push({ ...r });
    }
    return out;
  }
}

/** How to render endpoints and messages in a trace. */
export interface TraceNames {
  endpoint(index: number): string;
  msg(m: unknown): string;
}

/** One readable line for a trace record. */
export function renderRecord(r: TraceRecord, names: TraceNames): string {
  const t = `${(r.atUs / 1000).toFixed(3)}ms`.padStart(13);
  const a = r.a >= 0 ? names.endpoint(r.a) : '';
  const b = r.b >= 0 ? names.endpoint(r.b) : '';
  const link = `${a}->${b}`;
  const pkt = `#${r.id}`;
  let what: string;
  switch (r.kind) {
    case 'step':
      what = `${a} step ${r.text ?? 'idle'}${r.id >= 0 ? ` (received ${pkt})` : ''}`;
      break;
    case 'send':
      what = `${link} send ${pkt} ${names.msg(r.msg)}`;
      break;
    case 'deliver':
      what = `${link} deliver ${pkt}`;
      break;
    case 'drop':
      what = `${link} drop ${pkt} (${r.text ?? ''})`;
      break;
    case 'dup':
      what = `${link} duplicate ${pkt}${r.text !== null ? ` ${r.text}` : ''}`;
      break;
    case 'reorder':
      what = `${link} hold back ${pkt} ${r.text ?? ''}`;
      break;
    case 'emit':
      what = `${a} emit ${JSON.stringify(r.text ?? '')}`;
      break;
    case 'crash':
      what = `${a} CRASH`;
      break;
    case 'restart':
      what = `${a} restart${r.text !== null ? ` (${r.text})` : ''}`;
      break;
    case 'disk':
      what = `${a} disk ${r.text ?? ''}`;
      break;
    case 'partition':
      what = `partition ${pkt} ${r.text ?? ''}`;
      break;
    case 'heal':
      what = `heal partition ${pkt}`;
      break;
    case 'call':
      what = `${a} call op ${r.id} ${showValue(r.msg)}`;
      break;
    case 'return':
      what = `${a} return op ${r.id} ${showValue(r.msg)}`;
      break;
    case 'quiet':
      what = 'faults stop: partitions healed, crashed hosts restarted';
      break;
    case 'fail':
      what = `FAILURE ${r.text ?? ''}`;
      break;
    default: {
      const never: never = r.kind;
      what = String(never);
    }
  }
  return `${t}  ${what}`;
}

/** A JSON-like rendering of any message: bigints as numbers, byte arrays by length, Maps as entries. */
export function showValue(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return `${x}n`;
      if (x instanceof Uint8Array) return `bytes(${x.length})`;
      if (x instanceof Map) return Object.fromEntries([...x.entries()].map(([k, y]) => [String(k), y as unknown]));
      if (x instanceof Set) return [...x.values()];
      return x;
    }) ?? String(v);
  } catch {
    return String(v);
  }
}
