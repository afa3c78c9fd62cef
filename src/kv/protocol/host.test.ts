import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostStep } from '../../framework/protocol.js';
import { isEnabled } from '../../framework/protocol.js';
import type { Packet } from '../../framework/types.js';
import { kvKeyBytesMax, kvValueBytesMax } from '../spec.js';
import type { KvConfig, KvHostState } from './host.js';
import { chunksOf, kvInit, kvProtocol } from './host.js';
import type { KvHostOp, KvMsg } from './messages.js';
import { inRange } from './delegation.js';

const config: KvConfig = { hosts: ['h0', 'h1'], params: { chunkKeysMax: 2, chunkBytesMax: 16 } };
const { request, reanswer, ignore } = kvProtocol.actions;

function ask(s: KvHostState, seqno: number, op: KvHostOp, src = 'c0'): HostStep<KvHostState, KvMsg> {
  const packet: Packet<KvMsg> = { src, dst: s.me, msg: { type: 'request', seqno, op } };
  const out = request?.(s, { packet });
  if (out === undefined || !isEnabled(out)) throw new Error('request not enabled');
  return out;
}

const answer = (step: HostStep<KvHostState, KvMsg>): KvMsg | undefined => step.sent[step.sent.length - 1]?.msg;

describe('IronKV host protocol', () => {
  it('splits a move into chunks within the limits that cover the range and hold every entry once', () => {
    const entryArb = fc.tuple(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), minLength: 1, maxLength: 3 }), fc.uint8Array({ maxLength: 20 }));
    fc.assert(fc.property(fc.uniqueArray(entryArb, { selector: ([k]) => k, maxLength: 12 }), fc.integer({ min: 1, max: 4 }), (raw, keysMax) => {
      const entries = raw.sort(([a], [b]) => (a < b ? -1 : 1));
      const params = { chunkKeysMax: keysMax, chunkBytesMax: 16 };
      const chunks = chunksOf(params, { low: '', high: null }, entries);
      expect(chunks[0]?.range.low).toBe('');
      expect(chunks[chunks.length - 1]?.range.high).toBeNull();
      chunks.forEach((c, i) => {
        expect(c.final).toBe(i === chunks.length - 1);
        if (i > 0) expect(c.range.low).toBe(chunks[i - 1]?.range.high);
        expect(c.entries.length).toBeLessThanOrEqual(keysMax);
        const bytes = c.entries.reduce((n, [k, v]) => n + k.length + v.length, 0);
        if (c.entries.length > 1) expect(bytes).toBeLessThanOrEqual(16);
        for (const [k] of c.entries) expect(inRange(c.range, k)).toBe(true);
      });
      expect(chunks.flatMap((c) => c.entries)).toEqual(entries);
    }));
  });

  it('answers the owner, redirects elsewhere, and moves a range in chunks', () => {
    let h0 = kvInit(config, 'h0');
    const h1 = kvInit(config, 'h1');
    h0 = ask(h0, 1, { type: 'set', key: 'a', value: Uint8Array.of(1) }).state;
    h0 = ask(h0, 2, { type: 'set', key: 'b', value: Uint8Array.of(2) }).state;
    h0 = ask(h0, 3, { type: 'set', key: 'c', value: Uint8Array.of(3) }).state;
    expect(answer(ask(h1, 1, { type: 'get', key: 'a' }))).toEqual({ type: 'redirect', seqno: 1, owner: 'h0' });
    const moved = ask(h0, 1, { type: 'shard', range: { low: '', high: null }, recipient: 'h1' }, 'm0');
    expect(answer(moved)).toEqual({ type: 'moved', seqno: 1, keys: 3 });
    // Three keys, two per chunk: two delegate messages, then the answer.
    expect(moved.sent.map((p) => p.msg.type)).toEqual(['data', 'data', 'moved']);
    expect(moved.state.table.size).toBe(0);
    expect(answer(ask(moved.state, 4, { type: 'get', key: 'a' }))).toEqual({ type: 'redirect', seqno: 4, owner: 'h1' });
  });

  it('refuses keys and values over their limits, moves no host can do, and says why', () => {
    const h0 = kvInit(config, 'h0');
    const why = (op: KvHostOp): string => {
      const m = answer(ask(h0, 1, op));
      return m?.type === 'refused' ? m.why : `not refused: ${m?.type}`;
    };
    expect(why({ type: 'get', key: 'k'.repeat(kvKeyBytesMax + 1) })).toMatch(/key of 4097 bytes is over the limit/);
    expect(why({ type: 'set', key: 'k', value: new Uint8Array(kvValueBytesMax + 1) })).toMatch(/value of 1048577 bytes/);
    expect(why({ type: 'get', key: '\u0100' })).toMatch(/string of bytes/);
    expect(why({ type: 'shard', range: { low: 'b', high: 'a' }, recipient: 'h1' })).toMatch(/holds no key/);
    expect(why({ type: 'shard', range: { low: '', high: null }, recipient: 'h9' })).toMatch(/unknown host h9/);
    expect(why({ type: 'shard', range: { low: '', high: null }, recipient: 'h0' })).toMatch(/already on h0/);
  });

  it('executes a request once: the same number again gets the same answer, an older one is dropped', () => {
    const first = ask(kvInit(config, 'h0'), 5, { type: 'set', key: 'a', value: Uint8Array.of(1) });
    const again: Packet<KvMsg> = { src: 'c0', dst: 'h0', msg: { type: 'request', seqno: 5, op: { type: 'delete', key: 'a' } } };
    expect(isEnabled(request?.(first.state, { packet: again }) ?? { enabled: false, why: '' })).toBe(false);
    const re = reanswer?.(first.state, { packet: again });
    expect(re !== undefined && isEnabled(re) ? re.sent[0]?.msg : null).toEqual(answer(first));
    const older: Packet<KvMsg> = { src: 'c0', dst: 'h0', msg: { type: 'request', seqno: 4, op: { type: 'get', key: 'a' } } };
    const dropped = ignore?.(first.state, { packet: older });
    expect(dropped !== undefined && isEnabled(dropped) && dropped.state === first.state && dropped.sent.length === 0).toBe(true);
  });

  it('ignores delivery packets from outside the service', () => {
    const h1 = kvInit(config, 'h1');
    const forged: Packet<KvMsg> = {
      src: 'x0', dst: 'h1',
      msg: { type: 'data', seqno: 1, msg: { type: 'delegate', range: { low: '', high: null }, entries: [], final: true } },
    };
    expect(isEnabled(kvProtocol.actions.deliver?.(h1, { packet: forged }) ?? { enabled: false, why: '' })).toBe(false);
    const out = ignore?.(h1, { packet: forged });
    expect(out !== undefined && isEnabled(out) && out.state === h1).toBe(true);
  });
});
