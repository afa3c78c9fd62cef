import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitsRslHostId, parseSessionClientId, rslHostIdBytesMax, SessionClientIds, sessionClientId } from './wire.js';

describe('SessionClientIds', () => {
  it('gives what sessionClientId and parseSessionClientId give, asked once or many times', () => {
    const ids = new SessionClientIds();
    const host = fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef/'), minLength: 1, maxLength: 64 }), fc.string({ maxLength: 140 }));
    fc.assert(fc.property(host, fc.nat(0xffff_ffff), (h, session) => {
      for (let round = 0; round < 2; round++) {
        const expected = sessionClientId(h, session);
        const id = ids.idOf(h, session);
        expect(id).toBe(fitsRslHostId(expected) ? expected : null);
        expect(ids.parse(expected)).toEqual(parseSessionClientId(expected));
        expect(ids.parse(h)).toEqual(parseSessionClientId(h));
      }
    }), { numRuns: 2000 });
  });

  it('refuses a client id too long for the wire however often it is asked', () => {
    const ids = new SessionClientIds();
    const longHost = 'h'.repeat(rslHostIdBytesMax);
    expect(ids.idOf(longHost, 7)).toBeNull();
    expect(ids.idOf(longHost, 7)).toBeNull();
    expect(ids.idOf('h', 7)).toBe('h/7');
  });

  it('stays right past the number of ids it keeps', () => {
    const ids = new SessionClientIds();
    for (let s = 0; s < 20_000; s++) {
      expect(ids.idOf('host', s)).toBe(`host/${s}`);
      expect(ids.parse(`host/${s}`)).toEqual({ host: 'host', session: s });
    }
    expect(ids.idOf('host', 3)).toBe('host/3');
  });
});
