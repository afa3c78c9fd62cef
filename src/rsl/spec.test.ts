import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AppSpec, RslRequest, RslSpecState } from './spec.js';
import { executeBatch, replyCorresponds, rslSpec, rslSpecInit } from './spec.js';

/** A non-commutative test app: the state is a string, a request appends its bytes, the reply is the new length. */
const appendApp: AppSpec<string> = {
  name: 'append',
  init: () => '',
  apply: (state, request) => {
    const next = state + String.fromCharCode(...request);
    return { state: next, reply: Uint8Array.of(next.length) };
  },
  equal: (a, b) => a === b,
  show: (a) => JSON.stringify(a),
};

const spec = rslSpec(appendApp);
const req = (client: string, seqno: number, text: string): RslRequest =>
  ({ client, seqno, request: Uint8Array.from(text, (c) => c.charCodeAt(0)) });

function run(s: RslSpecState<string>, batch: RslRequest[]): RslSpecState<string> {
  const t = executeBatch(appendApp, s, batch);
  if (t === null) throw new RangeError('batch not executable');
  return t;
}

describe('IronRSL spec', () => {
  it('starts with the app initial, no replies and nothing executed', () => {
    expect(spec.init(rslSpecInit(appendApp))).toBe(true);
    expect(spec.init({ ...rslSpecInit(appendApp), app: 'x' })).toBe(false);
    expect(spec.init(run(rslSpecInit(appendApp), [req('c1', 1, 'a')]))).toBe(false);
  });

  it('a step executes a batch in order and records each client\'s latest reply', () => {
    const s0 = rslSpecInit(appendApp);
    const s1 = run(s0, [req('c1', 1, 'ab'), req('c2', 7, 'c')]);
    expect(s1.app).toBe('abc');
    expect(s1.latest.get('c1')).toEqual({ seqno: 1, reply: Uint8Array.of(2) });
    expect(s1.latest.get('c2')).toEqual({ seqno: 7, reply: Uint8Array.of(3) });
    expect(spec.next(s0, s1)).toBe(true);
    // The same requests in the other order are another state, and not this step's.
    expect(spec.next(s0, { ...s1, log: [req('c2', 7, 'c'), req('c1', 1, 'ab')] })).toBe(false);
    // Two batches at once are one step; rewriting what was executed before is not.
    const s2 = run(s1, [req('c1', 2, 'd')]);
    expect(spec.next(s0, s2)).toBe(true);
    expect(spec.next(s1, { ...s2, log: [req('c1', 1, 'ab'), req('c2', 7, 'x'), req('c1', 2, 'd')] })).toBe(false);
    // A wrong app state or a wrong reply is not a step.
    expect(spec.next(s0, { ...s1, app: 'abd' })).toBe(false);
    expect(spec.next(s0, { ...s1, latest: new Map([...s1.latest, ['c1', { seqno: 1, reply: Uint8Array.of(9) }]]) })).toBe(false);
    // Executing nothing is a stutter, not a step.
    expect(spec.next(s0, s0)).toBe(false);
    expect(spec.equal(s1, run(s0, [req('c1', 1, 'ab'), req('c2', 7, 'c')]))).toBe(true);
  });

  it('executes a request exactly once: a resend or an older seqno is not fresh', () => {
    const s1 = run(rslSpecInit(appendApp), [req('c1', 1, 'a')]);
    expect(executeBatch(appendApp, s1, [req('c1', 1, 'a')])).toBeNull();
    expect(executeBatch(appendApp, s1, [req('c1', 0, 'z')])).toBeNull();
    expect(executeBatch(appendApp, rslSpecInit(appendApp), [req('c1', 1, 'a'), req('c1', 1, 'a')])).toBeNull();
    const twice = { app: 'aa', latest: new Map([['c1', { seqno: 1, reply: Uint8Array.of(2) }]]), log: [req('c1', 1, 'a'), req('c1', 1, 'a')] };
    expect(spec.next(s1, twice)).toBe(false);
    expect(spec.next(s1, run(s1, [req('c1', 2, 'b')]))).toBe(true);
  });

  it('a reply corresponds only to its client\'s latest executed request, or is stale', () => {
    const s1 = run(rslSpecInit(appendApp), [req('c1', 1, 'a')]);
    const s2 = run(s1, [req('c1', 2, 'bc')]);
    expect(replyCorresponds(s2, 'c1', 2, Uint8Array.of(3))).toBe(true);
    expect(replyCorresponds(s2, 'c1', 2, Uint8Array.of(4))).toBe(false);
    expect(replyCorresponds(s2, 'c1', 3, Uint8Array.of(3))).toBe(false);
    expect(replyCorresponds(s2, 'c2', 1, Uint8Array.of(1))).toBe(false);
    expect(replyCorresponds(s2, 'c1', 1, Uint8Array.of(99))).toBe(true);
  });

  it('accepts every batch of fresh requests as a step and rejects any change to its result', () => {
    const request = fc.record({ client: fc.constantFrom('c1', 'c2', 'c3'), text: fc.string({ minLength: 1, maxLength: 3 }) });
    fc.assert(fc.property(fc.array(fc.array(request, { minLength: 1, maxLength: 4 }), { maxLength: 5 }), fc.nat(), (batches, tamper) => {
      let s = rslSpecInit(appendApp);
      const seqnos = new Map<string, number>();
      for (const b of batches) {
        const batch = b.map(({ client, text }) => {
          const seqno = (seqnos.get(client) ?? 0) + 1;
          seqnos.set(client, seqno);
          return req(client, seqno, text);
        });
        const t = run(s, batch);
        expect(spec.next(s, t)).toBe(true);
        const wrong = tamper % 2 === 0 ? { ...t, app: `${t.app}!` } : { ...t, log: t.log.slice(0, -1) };
        expect(spec.next(s, wrong)).toBe(false);
        s = t;
      }
    }), { seed: 7 });
  });
});
