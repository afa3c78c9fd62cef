import { describe, expect, it } from 'vitest';
import { CodecLog, DurableLog, formatRecord } from './durable-log.js';
import type { MessageCodec } from './codec.js';
import { MemoryStore } from './memory-store.js';
import { SimDisk } from '../sim/disk.js';
import { Prng } from '../core/prng.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString();
const bytes = (s: string): Uint8Array => Buffer.from(s);

function must<T>(r: { ok: true; value: T } | { ok: false; error: { detail: string } }): T {
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
}

/** What recovery of a fresh log on `disk` gives, as strings. */
function recovered(disk: MemoryStore | SimDisk): { checkpoint: string; changes: string[]; dropped: string | null } | null {
  const r = must(new DurableLog(disk, 'log', 'the test log').recover());
  return r === null ? null : { checkpoint: text(r.checkpoint), changes: r.changes.map(text), dropped: r.dropped };
}

/** A log on `disk` with checkpoint `checkpoint` and then `changes` appended. */
function logWith(disk: MemoryStore, checkpoint: string, ...changes: string[]): DurableLog {
  const log = new DurableLog(disk, 'log', 'the test log');
  must(log.checkpoint(bytes(checkpoint)));
  for (const c of changes) must(log.append(bytes(c)));
  return log;
}

describe('DurableLog', () => {
  it('recovers nothing from an empty disk, then the checkpoint and the changes appended after it', () => {
    const disk = new MemoryStore();
    const log = new DurableLog(disk, 'log', 'the test log');
    expect(must(log.recover())).toBeNull();
    must(log.checkpoint(bytes('s0')));
    must(log.append(bytes('c1')));
    must(log.append(bytes('c2')));
    must(disk.sync());
    expect(recovered(disk)).toEqual({ checkpoint: 's0', changes: ['c1', 'c2'], dropped: null });
  });

  it('starts each generation in the other blob, and recovery takes the newest', () => {
    const disk = new MemoryStore();
    const log = new DurableLog(disk, 'log', 'the test log');
    must(log.checkpoint(bytes('s1')));
    must(log.append(bytes('c1')));
    must(log.checkpoint(bytes('s2')));
    must(log.append(bytes('c2')));
    expect([...disk.blobs.keys()].sort()).toEqual(['log.a', 'log.b']);
    expect(recovered(disk)).toEqual({ checkpoint: 's2', changes: ['c2'], dropped: null });
    expect(log.bytesSinceCheckpoint).toBe(formatRecord(2, 1, bytes('c2')).length);
  });

  it('goes on appending where a recovered log ended', () => {
    const disk = new MemoryStore();
    const first = new DurableLog(disk, 'log', 'the test log');
    must(first.checkpoint(bytes('s')));
    must(first.append(bytes('a')));
    const second = new DurableLog(disk, 'log', 'the test log');
    must(second.recover());
    must(second.append(bytes('b')));
    expect(recovered(disk)?.changes).toEqual(['a', 'b']);
  });

  it('drops a torn record at the end, says so, and cuts it off before appending', () => {
    const disk = new MemoryStore();
    logWith(disk, 's', 'intact', 'torn by a crash');
    const blob = disk.blobs.get('log.b') ?? new Uint8Array();
    disk.blobs.set('log.b', blob.slice(0, blob.length - 5));
    const again = new DurableLog(disk, 'log', 'the test log');
    const r = must(again.recover());
    expect(r?.changes.map(text)).toEqual(['intact']);
    expect(r?.dropped).toMatch(/byte\(s\) of a torn record at the end of log\.b \(record 2/);
    must(again.append(bytes('next')));
    expect(recovered(disk)).toEqual({ checkpoint: 's', changes: ['intact', 'next'], dropped: null });
  });

  it('drops a last record with a flipped bit, but refuses a damaged record followed by an intact one', () => {
    for (const [damaged, outcome] of [[2, 'dropped'], [1, 'refused']] as const) {
      const disk = new MemoryStore();
      logWith(disk, 's', 'first change', 'second change');
      const blob = disk.blobs.get('log.b') ?? new Uint8Array();
      const checkpointBytes = formatRecord(1, 0, bytes('s')).length;
      const firstBytes = formatRecord(1, 1, bytes('first change')).length;
      const at = damaged === 1 ? checkpointBytes + 20 : checkpointBytes + firstBytes + 20;
      blob[at] = (blob[at] ?? 0) ^ 0x10;
      const r = new DurableLog(disk, 'log', 'the test log').recover();
      if (outcome === 'dropped') {
        expect(r.ok && r.value?.changes.map(text)).toEqual(['first change']);
      } else {
        expect(r.ok).toBe(false);
        expect(r.ok ? '' : `${r.error.kind}: ${r.error.detail}`).toMatch(/^corrupt: the test log: record 1 of log\.b .* is damaged but record 2 after it is intact/);
      }
    }
  });

  it('falls back to the previous generation when the newest checkpoint is damaged, and refuses when both are', () => {
    const disk = new MemoryStore();
    const log = new DurableLog(disk, 'log', 'the test log');
    must(log.checkpoint(bytes('s1')));
    must(log.append(bytes('c1')));
    must(log.checkpoint(bytes('s2')));
    const newest = disk.blobs.get('log.a') ?? new Uint8Array();
    newest[newest.length - 1] = (newest[newest.length - 1] ?? 0) ^ 1;
    expect(recovered(disk)).toEqual({ checkpoint: 's1', changes: ['c1'], dropped: null });
    const other = disk.blobs.get('log.b') ?? new Uint8Array();
    other[18] = (other[18] ?? 0) ^ 1;
    const r = new DurableLog(disk, 'log', 'the test log').recover();
    expect(r.ok ? 'recovered' : r.error.detail).toMatch(/neither log blob starts with an intact checkpoint/);
  });

  it('after any crash of a simulated disk, recovers a state at least as new as the last synced one and never newer than the last written', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const prng = new Prng(seed);
      const disk = new SimDisk({ errorRate: 0, unsyncedLossRate: 0.3, tornWriteRate: 0.4 }, new Prng(seed * 7919));
      let log = new DurableLog(disk, 'log', 'the test log');
      // The state is the list of everything written; `synced` how much of it a crash must keep.
      let written: string[] = [];
      let synced = 0;
      let step = 0;
      for (let op = 0; op < 40; op++) {
        const choice = prng.nextInt(10);
        if (!log.started || choice === 0) {
          step++;
          must(log.checkpoint(bytes(JSON.stringify([...written, `s${step}`]))));
          written = [...written, `s${step}`];
          synced = written.length;
        } else if (choice <= 6) {
          step++;
          must(log.append(bytes(`c${step}`)));
          written = [...written, `c${step}`];
        } else if (choice <= 8) {
          must(disk.sync());
          synced = written.length;
        } else {
          disk.crash();
          log = new DurableLog(disk, 'log', 'the test log');
          const r = must(log.recover());
          const state = r === null ? [] : [...(JSON.parse(text(r.checkpoint)) as string[]), ...r.changes.map(text)];
          expect(state.length, `seed ${seed}, op ${op}`).toBeGreaterThanOrEqual(synced);
          expect(written.slice(0, state.length), `seed ${seed}, op ${op}`).toEqual(state);
          written = state;
          synced = state.length;
        }
      }
    }
  });

  describe('CodecLog', () => {
    /** Digits 0-9 as one byte each; anything else does not decode. */
    const digit: MessageCodec<number> = {
      encode: (n) => Uint8Array.of(n),
      decode: (b) => (b.length === 1 && (b[0] ?? 10) < 10 ? { ok: true, value: b[0] ?? 0 }
        : { ok: false, error: { message: 'not a digit', offset: 0 } as never }),
    };

    it('recovers decoded states and changes, and keeps and encodes nothing on a volatile store', () => {
      const disk = new MemoryStore();
      const log = new CodecLog(disk, 'log', 'the digit log', digit, digit);
      must(log.checkpoint(() => 4));
      must(log.append(5));
      expect(must(new CodecLog(disk, 'log', 'the digit log', digit, digit).recover())).toEqual({ state: 4, changes: [5], dropped: null });
      const volatile = new CodecLog({ ...new MemoryStore(), volatile: true, read: () => { throw new Error('read'); },
        write: () => { throw new Error('write'); }, append: () => { throw new Error('append'); }, sync: () => { throw new Error('sync'); } },
      'log', 'the digit log', digit, digit);
      expect(volatile.checkpoint(() => { throw new Error('made'); }).ok && volatile.append(1).ok && !volatile.started).toBe(true);
    });

    it('refuses an intact record its codec does not decode, naming the log and the record', () => {
      const disk = new MemoryStore();
      logWith(disk, '\u0003', '\u0007', 'x');
      const r = new CodecLog(disk, 'log', 'the digit log', digit, digit).recover();
      expect(r.ok ? 'recovered' : `${r.error.kind}: ${r.error.detail}`).toBe('corrupt: the digit log: record 2 is intact but does not decode: not a digit');
    });
  });
});
