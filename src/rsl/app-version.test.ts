import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterRequest, counterService } from '../apps/counter.js';
import { kvDelete, kvGet, kvRequestCodec, kvService, kvSet } from '../apps/kv.js';
import { AssertionError } from '../core/assert.js';
import { sameBytes } from '../core/bytes.js';
import type { Result } from '../core/result.js';
import { ok } from '../core/result.js';
import { AppVersion, serviceVersionSpec } from './app-version.js';
import type { ServiceFactory, ServiceState } from './service.js';
import { serviceAppSpec } from './service.js';

/** The value of a Result the test expects to be ok. */
function must<T>(r: Result<T, unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

const keys = ['a', 'b', 'é'];
const kvRequestArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...keys).map((k) => must(kvGet(k))) },
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...keys), fc.uint8Array({ maxLength: 4 })).map(([k, v]) => must(kvSet(k, v))) },
  { weight: 2, arbitrary: fc.constantFrom(...keys).map((k) => must(kvDelete(k))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }) },
);
const counterRequestArb: fc.Arbitrary<Uint8Array> = fc.oneof(fc.constant(counterRequest()), fc.uint8Array({ maxLength: 3 }));

/**
 * One step of a run: apply `request` to the version made by step `from` (taken modulo the versions
 * so far; 0 is the initial one), or restart from a root made of that version's snapshot bytes, as a
 * state transfer does.
 */
type Step = { readonly kind: 'apply'; readonly from: number; readonly request: Uint8Array } | { readonly kind: 'reroot'; readonly from: number };

function stepsArb(request: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Step[]> {
  const step: fc.Arbitrary<Step> = fc.oneof(
    // Mostly the newest version (what the monitor does), sometimes an older one (the shadow must be restored).
    { weight: 8, arbitrary: request.map((r): Step => ({ kind: 'apply', from: -1, request: r })) },
    { weight: 2, arbitrary: fc.tuple(fc.nat(), request).map(([from, r]): Step => ({ kind: 'apply', from, request: r })) },
    { weight: 1, arbitrary: fc.nat().map((from): Step => ({ kind: 'reroot', from })) },
  );
  return fc.array(step, { maxLength: 30 });
}

/**
 * Runs `steps` on app versions and, alongside, on `serviceAppSpec`'s snapshots (the reference), and
 * checks that every reply, every version's snapshot and the equality of every pair agree with it.
 */
function agreesWithSnapshots(factory: ServiceFactory, steps: readonly Step[]): void {
  const fast = serviceVersionSpec(factory);
  const slow = serviceAppSpec(factory);
  const versions: AppVersion[] = [fast.init()];
  const snapshots: Uint8Array[] = [slow.init()];
  const pick = (from: number): number => (from < 0 ? versions.length - 1 : from % versions.length);
  for (const step of steps) {
    const i = pick(step.from);
    const v = versions[i];
    const s = snapshots[i];
    if (v === undefined || s === undefined) throw new Error('no such version');
    if (step.kind === 'reroot') {
      versions.push(AppVersion.root(factory, fast.snapshotOf(v).slice()));
      snapshots.push(s);
      continue;
    }
    const a = fast.apply(v, step.request);
    const b = slow.apply(s, step.request);
    expect(a.reply).toEqual(b.reply);
    versions.push(a.state);
    snapshots.push(b.state);
  }
  // Content and equality of every version, in an order unrelated to how they were made.
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i];
    const s = snapshots[i];
    if (v === undefined || s === undefined) continue;
    expect(fast.snapshotOf(v)).toEqual(s);
    for (let j = 0; j < versions.length; j += 3) {
      const w = versions[j];
      const t = snapshots[j];
      if (w !== undefined && t !== undefined) expect(fast.equal(v, w)).toBe(sameBytes(s, t));
    }
  }
}

describe('serviceVersionSpec', () => {
  it('agrees with serviceAppSpec on the kv store: replies, snapshots and equality, with older versions applied again and state transfers', () => {
    fc.assert(fc.property(stepsArb(kvRequestArb), (steps) => agreesWithSnapshots(kvService as unknown as ServiceFactory, steps)), { seed: 11, numRuns: 300 });
  });

  it('agrees with serviceAppSpec on the counter', () => {
    fc.assert(fc.property(stepsArb(counterRequestArb), (steps) => agreesWithSnapshots(counterService as unknown as ServiceFactory, steps)), { seed: 12, numRuns: 300 });
  });

  it('gives back the same version for the same requests from the same version, and compares those by reference', () => {
    const spec = serviceVersionSpec(kvService as unknown as ServiceFactory);
    const v0 = spec.init();
    expect(spec.init()).toBe(v0);
    // What an implementation records as its service runs the requests...
    const set = must(kvSet('a', Uint8Array.of(1)));
    const recorded = v0.then(set).then(must(kvGet('a')));
    // ...is what the spec makes of the same requests, even as other byte arrays with the same bytes.
    const applied = spec.apply(spec.apply(v0, set.slice()).state, must(kvGet('a'))).state;
    expect(applied).toBe(recorded);
    expect(recorded.depth).toBe(2);
    expect(recorded.base).toBe(v0);
    // A different request makes a different version; equal only if the content is.
    const other = spec.apply(v0, must(kvSet('a', Uint8Array.of(2)))).state;
    expect(other).not.toBe(v0.then(set));
    expect(spec.equal(other, v0.then(set))).toBe(false);
    const get = spec.apply(v0, must(kvGet('z'))).state;
    expect(spec.equal(get, v0)).toBe(true);
  });

  it('compares versions of different roots by their snapshots, and versions of different services never', () => {
    const spec = serviceVersionSpec(kvService as unknown as ServiceFactory);
    const v = spec.apply(spec.init(), must(kvSet('k', Uint8Array.of(7)))).state;
    const transferred = AppVersion.root(kvService as unknown as ServiceFactory, spec.snapshotOf(v).slice());
    expect(spec.equal(v, transferred)).toBe(true);
    expect(spec.equal(transferred, spec.init())).toBe(false);
    // After the transfer the shadow stands for both: applying to either gives the same reply.
    expect(spec.apply(transferred, must(kvGet('k'))).reply).toEqual(spec.apply(v, must(kvGet('k'))).reply);
    const counter = AppVersion.root(counterService as unknown as ServiceFactory, spec.snapshotOf(v));
    expect(spec.equal(v, counter)).toBe(false);
    expect(() => spec.apply(counter, counterRequest())).toThrow(AssertionError);
  });

  it('fails an assertion naming the service when it replies differently to the same request in the same state', () => {
    let calls = 0;
    const flaky: ServiceFactory = {
      name: 'flaky',
      initialize: () => new FlakyState(() => calls++),
      deserialize: () => ok(new FlakyState(() => calls++)),
    };
    const spec = serviceVersionSpec(flaky);
    const v0 = spec.init();
    const first = spec.apply(v0, Uint8Array.of(1));
    expect(first.reply).toEqual(Uint8Array.of(0));
    // The shadow moved on, so this restores v0 and runs the request again: the service answers 1 now.
    spec.apply(first.state, Uint8Array.of(2));
    expect(() => spec.snapshotOf(first.state.then(Uint8Array.of(3)))).toThrow(/'flaky' replied differently to the same request/);
  });

  it('shows a version by its depth and snapshot', () => {
    const spec = serviceVersionSpec(kvService as unknown as ServiceFactory);
    const v = spec.apply(spec.init(), kvRequestCodec.encode({ type: 'get', key: 'x' })).state;
    expect(spec.show(v)).toMatch(/^kv state: 1 request\(s\) after a snapshot of 4 bytes, hash [0-9a-f]{16}$/);
  });
});

/** A service whose reply is how often any copy of it was called: not deterministic. */
class FlakyState implements ServiceState {
  constructor(private readonly count: () => number) {}

  handleRequest(): Uint8Array {
    return Uint8Array.of(this.count());
  }

  serialize(): Uint8Array {
    return new Uint8Array(0);
  }
}
