import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allGrammars } from '../cli/grammars.js';
import { sameBytes } from '../core/bytes.js';
import type { Result } from '../core/result.js';
import { kvModel } from '../lin/models/kv.js';
import { illegal } from '../lin/model.js';
import { checkDeterministic, serviceAppSpec, validateService } from '../rsl/service.js';
import type { KvMap, KvReply } from './kv.js';
import {
  kvAppSpec, kvDecodeSnapshot, kvDelete, kvEncodeSnapshot, kvEntryBytes, kvErrorText, kvGet, kvKeyBytesMax, kvLinInput,
  kvLinOutput, kvReplyCodec, kvRequestCodec, kvService, kvSet, kvSnapshotCodec, kvStateBytes, kvStateBytesMax,
  KvState, kvValueBytesMax, parseKvReply,
} from './kv.js';

/** The value of a Result the test expects to be ok. */
function must<T>(r: Result<T, unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const reply = (bytes: Uint8Array): KvReply => must(parseKvReply(bytes));
const slow = serviceAppSpec(kvService);

// Requests over a few keys (multi-byte ones too), with now and then one over a limit or not a request at all.
const keys = ['', 'a', 'b', 'é', '😀', 'key'];
const requestArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...keys).map((k) => must(kvGet(k))) },
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...keys), fc.uint8Array({ maxLength: 6 })).map(([k, v]) => must(kvSet(k, v))) },
  { weight: 3, arbitrary: fc.constantFrom(...keys).map((k) => must(kvDelete(k))) },
  { weight: 1, arbitrary: fc.constant(kvRequestCodec.encode({ type: 'set', key: 'é'.repeat(kvKeyBytesMax / 2 + 1), value: new Uint8Array(1) })) },
  { weight: 1, arbitrary: fc.constant(kvRequestCodec.encode({ type: 'set', key: 'a', value: new Uint8Array(kvValueBytesMax + 1) })) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 12 }) },
);

describe('kv service', () => {
  it('gets, sets and deletes', () => {
    const s = kvService.initialize();
    expect(reply(s.handleRequest(must(kvGet('a'))))).toEqual({ type: 'notFound' });
    expect(reply(s.handleRequest(must(kvSet('a', text('one')))))).toEqual({ type: 'stored' });
    expect(reply(s.handleRequest(must(kvGet('a'))))).toEqual({ type: 'found', value: text('one') });
    expect(reply(s.handleRequest(must(kvSet('a', text('two')))))).toEqual({ type: 'stored' });
    expect(reply(s.handleRequest(must(kvGet('a'))))).toEqual({ type: 'found', value: text('two') });
    expect(reply(s.handleRequest(must(kvDelete('a'))))).toEqual({ type: 'deleted', existed: true });
    expect(reply(s.handleRequest(must(kvDelete('a'))))).toEqual({ type: 'deleted', existed: false });
    expect(reply(s.handleRequest(must(kvGet('a'))))).toEqual({ type: 'notFound' });
    expect(s.contents().size).toBe(0);
  });

  it('refuses oversized keys and values and malformed requests by name, and changes nothing', () => {
    const s = kvService.initialize();
    s.handleRequest(must(kvSet('k', text('v'))));
    const before = s.serialize();
    const longKey = 'é'.repeat(kvKeyBytesMax / 2 + 1); // 513 characters, 1026 bytes of UTF-8
    const refusals: [Uint8Array, KvReply][] = [
      [kvRequestCodec.encode({ type: 'get', key: longKey }), { type: 'refused', error: { reason: 'keyTooLong', keyBytes: kvKeyBytesMax + 2, keyBytesMax: kvKeyBytesMax } }],
      [kvRequestCodec.encode({ type: 'delete', key: longKey }), { type: 'refused', error: { reason: 'keyTooLong', keyBytes: kvKeyBytesMax + 2, keyBytesMax: kvKeyBytesMax } }],
      [kvRequestCodec.encode({ type: 'set', key: 'k', value: new Uint8Array(kvValueBytesMax + 1) }),
        { type: 'refused', error: { reason: 'valueTooLong', valueBytes: kvValueBytesMax + 1, valueBytesMax: kvValueBytesMax } }],
    ];
    for (const [request, expected] of refusals) expect(reply(s.handleRequest(request))).toEqual(expected);
    for (const junk of [new Uint8Array(0), Uint8Array.of(7), Uint8Array.of(0, 0, 0, 0, 5, 0x61), Uint8Array.of(0, 0, 0, 0, 0, 1), Uint8Array.of(0, 0, 0, 0, 1, 0xff)]) {
      const r = reply(s.handleRequest(junk));
      expect(r.type === 'refused' && r.error.reason).toBe('malformed');
      if (r.type === 'refused') expect(kvErrorText(r.error)).toMatch(/^malformed request: (truncated|unknownTag|trailingBytes|invalid) at KvRequest/);
    }
    expect(s.serialize()).toEqual(before);
    // Exactly at the limits is accepted.
    expect(reply(s.handleRequest(must(kvSet('é'.repeat(kvKeyBytesMax / 2), new Uint8Array(kvValueBytesMax)))))).toEqual({ type: 'stored' });
  });

  it('refuses a set that would grow the store past kvStateBytesMax, and accepts one that does not', () => {
    const value = new Uint8Array(kvValueBytesMax);
    const s = new KvState();
    let fast: KvMap = kvAppSpec.init();
    const entriesFit = Math.floor(kvStateBytesMax / kvEntryBytes('k000', value));
    for (let i = 0; i < entriesFit; i++) {
      const request = must(kvSet(`k${String(i).padStart(3, '0')}`, value));
      expect(reply(s.handleRequest(request))).toEqual({ type: 'stored' });
      fast = kvAppSpec.apply(fast, request).state;
    }
    const stateBytes = s.size;
    expect(stateBytes).toBe(kvStateBytes(s.contents()));
    const overflow = must(kvSet('k999', value));
    const expected: KvReply = { type: 'refused', error: { reason: 'full', stateBytes: stateBytes + kvEntryBytes('k999', value), stateBytesMax: kvStateBytesMax } };
    expect(reply(s.handleRequest(overflow))).toEqual(expected);
    expect(reply(kvAppSpec.apply(fast, overflow).reply)).toEqual(expected);
    expect(kvAppSpec.apply(fast, overflow).state === fast).toBe(true);
    expect(kvErrorText(expected.type === 'refused' ? expected.error : { reason: 'malformed', message: '' })).toMatch(/^the store is full: the set would make it \d+ bytes, over the limit of 4194304 \(kvStateBytesMax\)$/);
    // Replacing a value with a smaller one, or deleting, still works; then there is room again.
    expect(reply(s.handleRequest(must(kvSet('k000', text('small')))))).toEqual({ type: 'stored' });
    expect(reply(s.handleRequest(overflow))).toEqual({ type: 'stored' });
    // The full store's snapshot is within the bound and restores.
    const snapshot = s.serialize();
    expect(snapshot.length).toBe(4 + s.size);
    expect(s.size).toBe(kvStateBytes(s.contents()));
    expect(snapshot.length).toBeLessThanOrEqual(4 + kvStateBytesMax);
    // (sameBytes: a deep equality over 4 MiB is slow in the test runner)
    expect(sameBytes(must(kvService.deserialize(snapshot)).serialize(), snapshot)).toBe(true);
  });

  it('serializes canonically: the same contents give the same bytes whatever the order of sets', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.tuple(fc.string({ maxLength: 4 }), fc.uint8Array({ maxLength: 3 })), { selector: ([k]) => k, maxLength: 8 }), (entries) => {
      const forward = new KvState();
      const backward = new KvState();
      for (const [k, v] of entries) forward.handleRequest(must(kvSet(k, v)));
      for (const [k, v] of [...entries].reverse()) backward.handleRequest(must(kvSet(k, v)));
      expect(forward.serialize()).toEqual(backward.serialize());
    }), { seed: 5, numRuns: 200 });
  });

  it('round-trips snapshots: a restored store behaves as the original', () => {
    fc.assert(fc.property(fc.array(requestArb, { maxLength: 20 }), fc.array(requestArb, { maxLength: 10 }), (before, after) => {
      const original = kvService.initialize();
      for (const r of before) original.handleRequest(r);
      const restored = must(kvService.deserialize(original.serialize()));
      expect(restored.serialize()).toEqual(original.serialize());
      for (const r of after) expect(restored.handleRequest(r)).toEqual(original.handleRequest(r));
      expect(restored.serialize()).toEqual(original.serialize());
    }), { seed: 8, numRuns: 150 });
  });

  it('refuses corrupt snapshots with a reason', () => {
    const good = kvEncodeSnapshot(new Map([['a', text('1')], ['b', text('2')]]));
    const bad: [Uint8Array, RegExp][] = [
      [good.subarray(0, good.length - 1), /^not a kv snapshot: truncated/],
      [Uint8Array.of(...good, 0), /^not a kv snapshot: trailingBytes/],
      [kvSnapshotCodec.encode({ entries: [{ key: 'b', value: text('2') }, { key: 'a', value: text('1') }] }), /entry 1's key "a" does not come after "b"/],
      [kvSnapshotCodec.encode({ entries: [{ key: 'a', value: text('1') }, { key: 'a', value: text('2') }] }), /entry 1's key "a" does not come after "a"/],
      [kvSnapshotCodec.encode({ entries: Array.from({ length: 129 }, (_, i) => ({ key: String(i).padStart(3, '0'), value: new Uint8Array(kvValueBytesMax) })) }),
        /its entries hold more than kvStateBytesMax/],
    ];
    for (const [bytes, message] of bad) {
      const r = kvService.deserialize(bytes);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    }
    expect(must(kvService.deserialize(good)).contents()).toEqual(new Map([['a', text('1')], ['b', text('2')]]));
    // Whatever the bytes, deserialize answers and never throws.
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const r = kvDecodeSnapshot(bytes);
      if (r.ok) expect(kvEncodeSnapshot(r.value)).toEqual(bytes);
    }), { seed: 9, numRuns: 500 });
  });

  it('is a valid, deterministic service', () => {
    expect(validateService(kvService).ok).toBe(true);
    fc.assert(fc.property(fc.array(requestArb, { maxLength: 25 }), (requests) => {
      expect(checkDeterministic(kvService, requests)).toEqual({ ok: true, value: { requests: requests.length } });
    }), { seed: 10, numRuns: 50 });
  });
});

describe('kvAppSpec', () => {
  it('agrees with serviceAppSpec(kvService) on random request sequences, and never changes a state it was given', () => {
    expect(slow.init()).toEqual(kvEncodeSnapshot(kvAppSpec.init()));
    fc.assert(fc.property(fc.array(requestArb, { maxLength: 30 }), (requests) => {
      let fast = kvAppSpec.init();
      let bytes = slow.init();
      const seen: [KvMap, Uint8Array][] = [];
      for (const request of requests) {
        const a = kvAppSpec.apply(fast, request);
        const b = slow.apply(bytes, request);
        expect(b.reply).toEqual(a.reply);
        expect(b.state).toEqual(kvEncodeSnapshot(a.state));
        expect(kvStateBytes(a.state)).toBe(b.state.length - 4);
        seen.push([fast, kvEncodeSnapshot(fast)]);
        fast = a.state;
        bytes = b.state;
      }
      for (const [state, snapshot] of seen) expect(kvEncodeSnapshot(state)).toEqual(snapshot);
    }), { seed: 12, numRuns: 200 });
  });

  it('compares and shows maps by contents', () => {
    const a = kvAppSpec.apply(kvAppSpec.init(), must(kvSet('x', text('1')))).state;
    const b = new Map([['x', text('1')]]);
    expect(kvAppSpec.equal(a, b)).toBe(true);
    expect(kvAppSpec.equal(a, new Map([['x', text('2')]]))).toBe(false);
    expect(kvAppSpec.equal(a, new Map([['y', text('1')]]))).toBe(false);
    expect(kvAppSpec.show(a)).toBe('kv {"x": 1 bytes}');
  });
});

describe('kv clients', () => {
  it('build requests, refusing keys and values the store would refuse', () => {
    expect(kvRequestCodec.decode(must(kvSet('k', text('v'))))).toEqual({ ok: true, value: { type: 'set', key: 'k', value: text('v') } });
    expect(kvGet('x'.repeat(kvKeyBytesMax + 1))).toEqual({ ok: false, error: { reason: 'keyTooLong', keyBytes: kvKeyBytesMax + 1, keyBytesMax: kvKeyBytesMax } });
    expect(kvDelete('x'.repeat(kvKeyBytesMax)).ok).toBe(true);
    expect(kvSet('k', new Uint8Array(kvValueBytesMax + 1))).toEqual({ ok: false, error: { reason: 'valueTooLong', valueBytes: kvValueBytesMax + 1, valueBytesMax: kvValueBytesMax } });
    const lone = kvGet('a\ud800');
    expect(!lone.ok && kvErrorText(lone.error)).toBe('malformed request: the key is not well-formed Unicode (it holds a lone surrogate, which has no UTF-8 form)');
    expect(parseKvReply(Uint8Array.of(9))).toEqual({ ok: false, error: expect.stringMatching(/^not a kv reply: unknownTag at KvReply/) as unknown });
  });

  it('map requests and replies to the lin kv model, which then checks them', () => {
    const s = kvService.initialize();
    let model = kvModel.init();
    const run = (request: Uint8Array): void => {
      const input = must(kvLinInput(request));
      const outcome = must(kvLinOutput(input, s.handleRequest(request)));
      expect(outcome.kind).toBe('returned');
      if (outcome.kind !== 'returned') return;
      const key = input.key;
      // The lin model is partitioned by key: model holds the state of key 'k'.
      expect(key).toBe('k');
      const next = kvModel.step(model, input, outcome.output, 'c1');
      expect(next).not.toBe(illegal);
      if (next !== illegal) model = next;
    };
    run(must(kvGet('k')));
    run(must(kvSet('k', Uint8Array.of(0xab, 0x01))));
    expect(model).toBe('ab01');
    run(must(kvGet('k')));
    run(must(kvDelete('k')));
    expect(model).toBeNull();
    // A get that saw a value the key does not hold is refused by the model.
    const sawOther = must(kvLinOutput({ kind: 'get', key: 'k' }, kvReplyCodec.encode({ type: 'found', value: Uint8Array.of(1) })));
    expect(sawOther).toEqual({ kind: 'returned', output: { value: '01' } });
    if (sawOther.kind === 'returned') expect(kvModel.step('ab01', { kind: 'get', key: 'k' }, sawOther.output, 'c1')).toBe(illegal);
  });

  it('report refusals, mismatched replies and bad requests in the mapping', () => {
    const refused = kvReplyCodec.encode({ type: 'refused', error: { reason: 'full', stateBytes: 5, stateBytesMax: 4 } });
    expect(kvLinOutput({ kind: 'set', key: 'k', value: '' }, refused)).toEqual({ ok: true, value: { kind: 'refused', error: { reason: 'full', stateBytes: 5, stateBytesMax: 4 } } });
    expect(kvLinOutput({ kind: 'get', key: 'k' }, kvReplyCodec.encode({ type: 'stored' }))).toEqual({ ok: false, error: 'a stored reply does not answer a get' });
    expect(kvLinOutput({ kind: 'delete', key: 'k' }, Uint8Array.of(0xff)).ok).toBe(false);
    expect(kvLinInput(Uint8Array.of(3))).toEqual({ ok: false, error: expect.stringMatching(/^malformed request: unknownTag/) as unknown });
    expect(kvLinInput(kvRequestCodec.encode({ type: 'set', key: 'k', value: Uint8Array.of() }))).toEqual({ ok: true, value: { kind: 'set', key: 'k', value: '' } });
  });
});

describe('kv grammars', () => {
  it('are registered, so they are property-tested and fuzzed', () => {
    const names = allGrammars.map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['KvRequest', 'KvReply', 'KvSnapshot']));
  });
});
