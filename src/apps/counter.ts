import { assert } from '../core/assert.js';
import { getU32, putU32 } from '../core/bytes.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { CounterInput, CounterOutput } from '../lin/models/counter.js';
import type { ServiceFactory, ServiceState } from '../rsl/service.js';
import type { AppSpec } from '../rsl/spec.js';

/**
 * IronFleet's counter, replicated with IronRSL: the state is a 64-bit unsigned counter, initially
 * 0; every request increments it and the reply is its new value, 8 bytes big-endian.
 *
 * Requests: as in IronFleet's C# counter service, the request's bytes are ignored, so every
 * request is an increment and none is refused. Clients send the empty request (`counterRequest`).
 *
 * Bound: IronFleet's counter saturates at 2^64 − 1 (`CappedIncr`); here it saturates at
 * `counterValueMax` = 2^53 − 1, the largest integer a JavaScript number holds exactly, so no
 * `bigint` is needed. The wire format is IronFleet's 8 bytes either way; at a million increments a
 * second the bound is reached after 285 years.
 */

/** The largest value the counter reaches; an increment at this value leaves it there (saturation). */
export const counterValueMax = Number.MAX_SAFE_INTEGER;

/** The size of a counter reply and of a counter snapshot, in bytes: one big-endian u64. */
export const counterBytes = 8;

/** The request a counter client sends: empty (the counter ignores a request's bytes). */
export function counterRequest(): Uint8Array {
  return new Uint8Array(0);
}

/** The counter's value after one increment of `value`, saturating at `counterValueMax`. */
export function counterIncrement(value: number): number {
  return value < counterValueMax ? value + 1 : value;
}

/** `value` as 8 bytes big-endian (a reply, or a snapshot). */
export function encodeCounterValue(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, () => `counter value ${value} is not an integer in [0, 2^53 - 1]`);
  const out = new Uint8Array(counterBytes);
  putU32(out, 0, Math.floor(value / 0x1_0000_0000));
  putU32(out, 4, value >>> 0);
  return out;
}

/** The counter value in 8 big-endian bytes (a reply, or a snapshot), or why they are not one. */
export function decodeCounterValue(bytes: Uint8Array): Result<number, string> {
  if (bytes.length !== counterBytes) return err(`a counter value is ${counterBytes} bytes, not ${bytes.length}`);
  const hi = getU32(bytes, 0);
  // Above 2^53 - 1 the top 11 bits are not all zero; such a value is never produced here.
  if (hi > 0x1f_ffff) return err(`counter value ${hexOf(bytes)} is above ${counterValueMax}, the largest this counter reaches`);
  return ok(hi * 0x1_0000_0000 + getU32(bytes, 4));
}

/** The value in a counter reply, or why the bytes are not a counter reply (for clients). */
export function parseCounterReply(reply: Uint8Array): Result<number, string> {
  return decodeCounterValue(reply);
}

/** One copy of the counter's state: the service's mutable form. */
export class CounterState implements ServiceState {
  /** Invariant: a safe integer in [0, counterValueMax]. */
  private value: number;

  /** A state holding `value` (0 for a fresh counter). */
  constructor(value = 0) {
    assert(Number.isSafeInteger(value) && value >= 0, () => `counter value ${value} is not an integer in [0, 2^53 - 1]`);
    this.value = value;
  }

  /** The counter's current value. */
  get current(): number {
    return this.value;
  }

  /** Increments the counter (whatever `_request` holds) and replies with its new value. */
  handleRequest(_request: Uint8Array): Uint8Array {
    this.value = counterIncrement(this.value);
    return encodeCounterValue(this.value);
  }

  /** The counter as a snapshot: its value, 8 bytes big-endian. */
  serialize(): Uint8Array {
    return encodeCounterValue(this.value);
  }
}

/** IronFleet's counter as a service for IronRSL (the generic, byte-level form; see `counterAppSpec`). */
export const counterService: ServiceFactory<CounterState> = {
  name: 'counter',
  initialize: () => new CounterState(),
  deserialize: (bytes) => {
    const value = decodeCounterValue(bytes);
    return value.ok ? ok(new CounterState(value.value)) : err(`not a counter snapshot: ${value.error}`);
  },
};

/**
 * The counter's fast spec for the model checker and the simulator: the state is the value itself.
 * Agrees with `serviceAppSpec(counterService)` (its state is this value as 8 bytes), tested.
 */
export const counterAppSpec: AppSpec<number> = {
  name: 'counter',
  init: () => 0,
  apply: (state, _request) => {
    const next = counterIncrement(state);
    return { state: next, reply: encodeCounterValue(next) };
  },
  equal: (a, b) => a === b,
  show: (a) => `counter ${a}`,
};

/**
 * A counter request as an operation of the linearizability checker's counter model
 * (`ironfleet lin FILE --model counter`): every request adds 1.
 */
export function counterLinInput(_request: Uint8Array): CounterInput {
  return { kind: 'add', delta: 1 };
}

/** A counter reply as the counter model's output of an add: the value after it. */
export function counterLinOutput(reply: Uint8Array): Result<CounterOutput, string> {
  const value = parseCounterReply(reply);
  return value.ok ? ok({ value: value.value }) : value;
}

function hexOf(b: Uint8Array): string {
  return `0x${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}
