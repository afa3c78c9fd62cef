import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../core/assert.js';
import { Prng } from '../core/prng.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { ServiceFactory, ServiceState } from './service.js';
import { checkDeterministic, serviceAppSpec, serviceFactoryProblems, serviceShape, validateService } from './service.js';

/** A well-behaved test service: the state is a byte string, a request appends its bytes, the reply is the new length. */
class AppendState implements ServiceState {
  constructor(private text: Uint8Array = new Uint8Array(0)) {}

  handleRequest(request: Uint8Array): Uint8Array {
    const next = new Uint8Array(this.text.length + request.length);
    next.set(this.text);
    next.set(request, this.text.length);
    this.text = next;
    return Uint8Array.of(next.length & 0xff);
  }

  serialize(): Uint8Array {
    return this.text.slice();
  }
}

const appendService: ServiceFactory<AppendState> = {
  name: 'append',
  initialize: () => new AppendState(),
  deserialize: (bytes) => (bytes.length <= 1000 ? ok(new AppendState(bytes.slice())) : err(`too long: ${bytes.length} bytes`)),
};

/** A service built from `append`'s parts with `patch` applied to each state it makes (for broken variants). */
function variant(name: string, patch: (s: AppendState) => ServiceState, deserialize?: (bytes: Uint8Array) => Result<ServiceState, string>): ServiceFactory {
  return {
    name,
    initialize: () => patch(new AppendState()),
    deserialize: deserialize ?? ((bytes) => ok(patch(new AppendState(bytes.slice())))),
  };
}

const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);
const sample = ['a', 'bc', '', 'def', 'g'].map(bytesOf);

describe('serviceAppSpec', () => {
  const spec = serviceAppSpec(appendService);

  it('is the service as a pure function over snapshots', () => {
    expect(spec.name).toBe('append');
    const s0 = spec.init();
    expect(s0).toEqual(new Uint8Array(0));
    const r1 = spec.apply(s0, bytesOf('ab'));
    expect(r1.state).toEqual(bytesOf('ab'));
    expect(r1.reply).toEqual(Uint8Array.of(2));
    const r2 = spec.apply(r1.state, bytesOf('c'));
    expect(r2.state).toEqual(bytesOf('abc'));
    expect(spec.equal(r2.state, bytesOf('abc'))).toBe(true);
    expect(spec.equal(r2.state, bytesOf('abd'))).toBe(false);
    expect(spec.show(r2.state)).toMatch(/^append state of 3 bytes, hash [0-9a-f]{16}$/);
  });

  it('never changes the state it is given, even when the service keeps a view of its snapshot', () => {
    // This service's deserialize keeps the bytes it is given and handleRequest overwrites them.
    class InPlace implements ServiceState {
      constructor(private readonly b: Uint8Array) {}
      handleRequest(): Uint8Array {
        if (this.b.length > 0) this.b[0] = 0xff;
        return new Uint8Array(0);
      }
      serialize(): Uint8Array {
        return this.b.slice();
      }
    }
    const inPlace = serviceAppSpec<InPlace>({ name: 'in-place', initialize: () => new InPlace(Uint8Array.of(1)), deserialize: (b) => ok(new InPlace(b)) });
    const s = Uint8Array.of(1, 2);
    const r = inPlace.apply(s, new Uint8Array(0));
    expect(s).toEqual(Uint8Array.of(1, 2));
    expect(r.state).toEqual(Uint8Array.of(0xff, 2));
  });

  it('fails an assertion naming the service when it throws or refuses its own snapshot', () => {
    const throwing = serviceAppSpec(variant('thrower', (s) => ({ handleRequest: () => { throw new RangeError('boom'); }, serialize: () => s.serialize() })));
    expect(() => throwing.apply(throwing.init(), bytesOf('x'))).toThrow(AssertionError);
    expect(() => throwing.apply(throwing.init(), bytesOf('x'))).toThrow(/service 'thrower' threw in handleRequest.*boom/);
    const refusing = serviceAppSpec(variant('refuser', (s) => s, () => err('no')));
    expect(() => refusing.apply(refusing.init(), bytesOf('x'))).toThrow(/service 'refuser' refused its own snapshot \(0 bytes\): no/);
  });
});

describe('validateService and serviceFactoryProblems', () => {
  it('accepts a service, and lists each problem of things that are not one', () => {
    expect(serviceFactoryProblems(appendService)).toEqual([]);
    expect(validateService(appendService)).toEqual({ ok: true, value: appendService });
    expect(serviceFactoryProblems(null)).toEqual(['not an object']);
    expect(serviceFactoryProblems([])).toEqual(['not an object']);
    expect(serviceFactoryProblems({})).toEqual(['no name', 'no initialize', 'no deserialize']);
    expect(serviceFactoryProblems({ name: '', initialize: 1, deserialize: () => 0 })).toEqual(['name is not a non-empty string', 'initialize is not a function']);
  });

  it('says what is wrong, in a sentence that says what a service is', () => {
    const r = validateService({ name: 'x' });
    expect(r).toEqual({ ok: false, error: `not a service: no initialize; no deserialize. A service is ${serviceShape}.` });
  });

  it('calls the service once each way and reports what goes wrong, never throwing', () => {
    const base = { name: 's', deserialize: (b: Uint8Array) => ok(new AppendState(b)) };
    const cases: [unknown, RegExp][] = [
      [{ ...base, initialize: () => { throw new Error('init failed'); } }, /^service 's': initialize\(\) threw: init failed$/],
      [{ ...base, initialize: () => ({ handleRequest: () => new Uint8Array(0) }) }, /initialize\(\) did not return a state \(no serialize\)/],
      [{ ...base, initialize: () => ({ handleRequest: () => new Uint8Array(0), serialize: () => 'text' }) }, /serialize\(\) returned a string, not a Uint8Array/],
      [{ ...base, initialize: () => ({ handleRequest: () => new Uint8Array(0), serialize: () => { throw new Error('ser'); } }) }, /serialize\(\) of a fresh state threw: ser/],
      [{ name: 's', initialize: () => new AppendState(), deserialize: () => { throw new Error('corrupt'); } }, /deserialize\(\) threw on a fresh state's snapshot \(it must return an error instead\): corrupt/],
      [{ name: 's', initialize: () => new AppendState(), deserialize: () => new AppendState() }, /deserialize\(\) returned an object, not \{ok: true, value\} or \{ok: false, error\}/],
      [{ name: 's', initialize: () => new AppendState(), deserialize: () => err('bad magic') }, /deserialize\(\) refused a fresh state's snapshot: bad magic/],
      [{ name: 's', initialize: () => new AppendState(), deserialize: () => ok({}) }, /deserialize\(\) did not return a state \(no handleRequest; no serialize\)/],
    ];
    for (const [value, message] of cases) {
      const r = validateService(value);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    }
  });
});

describe('checkDeterministic', () => {
  it('passes a deterministic service on any sample', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 20 }), (requests) => {
      expect(checkDeterministic(appendService, requests)).toEqual({ ok: true, value: { requests: requests.length } });
    }), { seed: 1, numRuns: 100 });
  });

  it('catches a service whose replies depend on state outside the object', () => {
    // Every state draws from one shared generator: a second copy sees other numbers.
    const shared = new Prng(7);
    const random = variant('random', (s) => ({
      handleRequest: (r) => Uint8Array.of(...s.handleRequest(r), shared.nextInt(256)),
      serialize: () => s.serialize(),
    }));
    const r = checkDeterministic(random, sample);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^service 'random': two fresh copies replied differently to request #0 \(1 bytes 61\)/);
  });

  it('catches a service whose state depends on state outside the object', () => {
    let calls = 0;
    const counting = variant('counting', (s) => ({
      handleRequest: (r) => { calls++; return s.handleRequest(calls % 2 === 0 ? r : new Uint8Array(0)); },
      serialize: () => s.serialize(),
    }));
    const r = checkDeterministic(counting, sample);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/replied differently to request #0|states differ after request #0/);
  });

  it('catches a snapshot that loses part of the state', () => {
    // The snapshot keeps only the last 2 bytes, but replies tell the whole length.
    const lossy = variant('lossy', (s) => ({ handleRequest: (r) => s.handleRequest(r), serialize: () => s.serialize().slice(-2) }));
    const r = checkDeterministic(lossy, sample);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^service 'lossy': a copy restored from a snapshot replied differently to request #2/);
  });

  it('catches serialize changing the state, handleRequest changing its request, and throws', () => {
    const mutatingSerialize = variant('ser', (s) => ({ handleRequest: (r) => s.handleRequest(r), serialize: () => { s.handleRequest(Uint8Array.of(0)); return s.serialize(); } }));
    const a = checkDeterministic(mutatingSerialize, sample);
    expect(!a.ok && a.error).toMatch(/serializing a fresh state twice gave different bytes/);

    const mutatingRequest = variant('req', (s) => ({ handleRequest: (r) => { r.fill(0); return s.handleRequest(r); }, serialize: () => s.serialize() }));
    const b = checkDeterministic(mutatingRequest, sample);
    expect(!b.ok && b.error).toMatch(/handleRequest changed the bytes of request #0/);

    const throwing = variant('throw', (s) => ({ handleRequest: (r) => { if (r.length === 3) throw new Error('three'); return s.handleRequest(r); }, serialize: () => s.serialize() }));
    const c = checkDeterministic(throwing, sample);
    expect(!c.ok && c.error).toMatch(/handleRequest threw on request #3 \(3 bytes 646566\) in the first copy: three/);

    const refusing = variant('refuse', (s) => s, (bytes) => (bytes.length < 3 ? ok(new AppendState(bytes.slice())) : err('too big')));
    const d = checkDeterministic(refusing, sample);
    expect(!d.ok && d.error).toMatch(/^service 'refuse': refused its own snapshot before request #2 \(0 bytes\): too big$/);
  });

  it('an empty sample only compares fresh states', () => {
    expect(checkDeterministic(appendService, [])).toEqual({ ok: true, value: { requests: 0 } });
    let n = 0;
    const differentFresh = variant('fresh', (s) => { const mine = ++n; return { handleRequest: (r) => s.handleRequest(r), serialize: () => Uint8Array.of(mine) }; });
    const r = checkDeterministic(differentFresh, []);
    expect(!r.ok && r.error).toMatch(/two fresh states serialize differently/);
  });
});

describe('the register of docs/rsl.md §9', () => {
  // The example as the docs show it (imports aside): keep the two in step.
  const registerBytesMax = 1024;

  class Register implements ServiceState {
    constructor(private value = new Uint8Array(0)) {}
    handleRequest(request: Uint8Array): Uint8Array {
      if (request.length > registerBytesMax) return Uint8Array.of(1); // refused; state unchanged
      const previous = this.value;
      this.value = request.slice();
      return Uint8Array.of(0, ...previous);
    }
    serialize(): Uint8Array {
      return this.value.slice();
    }
  }

  const register: ServiceFactory<Register> = {
    name: 'register',
    initialize: () => new Register(),
    deserialize: (b) => (b.length <= registerBytesMax ? ok(new Register(b.slice())) : err(`${b.length} bytes is over ${registerBytesMax}`)),
  };

  it('is a valid, deterministic service whose spec replies with the previous contents', () => {
    expect(validateService(register).ok).toBe(true);
    expect(checkDeterministic(register, [Uint8Array.of(1), Uint8Array.of(2, 3), new Uint8Array(registerBytesMax + 1), Uint8Array.of(4)]))
      .toEqual({ ok: true, value: { requests: 4 } });
    const spec = serviceAppSpec(register);
    const r1 = spec.apply(spec.init(), Uint8Array.of(7));
    expect(spec.apply(r1.state, Uint8Array.of(8)).reply).toEqual(Uint8Array.of(0, 7));
    expect(spec.apply(r1.state, new Uint8Array(registerBytesMax + 1))).toEqual({ state: Uint8Array.of(7), reply: Uint8Array.of(1) });
  });
});
