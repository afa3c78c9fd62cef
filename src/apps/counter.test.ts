import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterModel } from '../lin/models/counter.js';
import { checkDeterministic, serviceAppSpec, validateService } from '../rsl/service.js';
import {
  counterAppSpec, counterLinInput, counterLinOutput, counterRequest, counterService, counterValueMax, CounterState,
  decodeCounterValue, encodeCounterValue, parseCounterReply,
} from './counter.js';

const slow = serviceAppSpec(counterService);

describe('counter service', () => {
  it('increments on every request, whatever its bytes, and replies with the new value as 8 bytes big-endian', () => {
    const s = counterService.initialize();
    expect(s.handleRequest(counterRequest())).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1));
    expect(s.handleRequest(Uint8Array.of(9, 9, 9))).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 2));
    expect(s.current).toBe(2);
    expect(s.serialize()).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 2));
    expect(parseCounterReply(Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 3))).toEqual({ ok: true, value: 2 ** 32 + 3 });
  });

  it('saturates at counterValueMax, as IronFleet saturates at its 64-bit maximum', () => {
    const s = new CounterState(counterValueMax - 1);
    expect(parseCounterReply(s.handleRequest(counterRequest()))).toEqual({ ok: true, value: counterValueMax });
    expect(parseCounterReply(s.handleRequest(counterRequest()))).toEqual({ ok: true, value: counterValueMax });
    expect(encodeCounterValue(counterValueMax)).toEqual(Uint8Array.of(0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    expect(counterAppSpec.apply(counterValueMax, counterRequest()).state).toBe(counterValueMax);
  });

  it('refuses corrupt snapshots with a reason, and restores good ones', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(7), new Uint8Array(9), Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0), new Uint8Array(8).fill(0xff)]) {
      const r = counterService.deserialize(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/^not a counter snapshot: /);
    }
    expect(decodeCounterValue(new Uint8Array(7))).toEqual({ ok: false, error: 'a counter value is 8 bytes, not 7' });
    fc.assert(fc.property(fc.maxSafeNat(), (n) => {
      const r = counterService.deserialize(new CounterState(n).serialize());
      expect(r.ok && r.value.current).toBe(n);
    }), { seed: 3 });
  });

  it('is a valid, deterministic service', () => {
    expect(validateService(counterService).ok).toBe(true);
    expect(checkDeterministic(counterService, [counterRequest(), Uint8Array.of(1), counterRequest()]).ok).toBe(true);
  });
});

describe('counterAppSpec', () => {
  it('agrees with serviceAppSpec(counterService) on random request sequences', () => {
    fc.assert(fc.property(fc.nat({ max: 40 }), fc.array(fc.uint8Array({ maxLength: 4 }), { maxLength: 30 }), (start, requests) => {
      let fast = start;
      let bytes = encodeCounterValue(start);
      for (const request of requests) {
        const a = counterAppSpec.apply(fast, request);
        const b = slow.apply(bytes, request);
        expect(b.reply).toEqual(a.reply);
        expect(b.state).toEqual(encodeCounterValue(a.state));
        fast = a.state;
        bytes = b.state;
      }
      expect(fast).toBe(start + requests.length);
    }), { seed: 11, numRuns: 200 });
    expect(slow.init()).toEqual(encodeCounterValue(counterAppSpec.init()));
  });
});

describe('counter histories', () => {
  it('map to the counter model: every request adds 1 and returns the new value', () => {
    const s = counterService.initialize();
    let model = counterModel.init();
    for (let i = 0; i < 3; i++) {
      const request = counterRequest();
      const output = counterLinOutput(s.handleRequest(request));
      expect(output.ok).toBe(true);
      if (!output.ok) return;
      const next = counterModel.step(model, counterLinInput(request), output.value, 'c1');
      expect(next).toBe(i + 1);
      if (typeof next === 'number') model = next;
    }
    expect(counterLinOutput(Uint8Array.of(1, 2)).ok).toBe(false);
  });
});
