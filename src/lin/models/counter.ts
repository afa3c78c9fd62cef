import { unreachable } from '../../core/assert.js';
import { err, ok } from '../../core/result.js';
import { numberHash } from '../json.js';
import type { FileModel } from '../model.js';
import { illegal } from '../model.js';
import { onlyFields, readInteger, readKind, readOutputObject } from './fields.js';

/** An operation on a counter: add `delta` (which may be negative), or read it. */
export type CounterInput =
  | { readonly kind: 'add'; readonly delta: number }
  | { readonly kind: 'get' };

/**
 * What a counter operation returns: a get returns the value; an add may return the value after
 * adding (checked when present).
 */
export interface CounterOutput {
  readonly value?: number;
}

/**
 * The counter model: an integer, initially 0. In a history file: `{"kind":"add","delta":1}`
 * returning `{}` or `{"value":6}` (the value after the add), and `{"kind":"get"}` returning
 * `{"value":6}`.
 */
export const counterModel: FileModel<number, CounterInput, CounterOutput> = {
  name: 'counter',
  init: () => 0,
  step: (state, input, output) => {
    switch (input.kind) {
      case 'add': {
        const next = state + input.delta;
        return output?.value === undefined || output.value === next ? next : illegal;
      }
      case 'get':
        if (output === undefined) return state;
        return output.value === state ? state : illegal;
      default: return unreachable(input, 'counter operation');
    }
  },
  equal: (a, b) => a === b,
  hash: numberHash,
  describeOperation: (input, output) => {
    const result = output === undefined ? ' (no return)' : output.value === undefined ? '' : ` -> ${output.value}`;
    switch (input.kind) {
      case 'add': return `add(${input.delta})${result}`;
      case 'get': return `get()${result}`;
      default: return unreachable(input, 'counter operation');
    }
  },
  describeState: (state) => String(state),
  // Whatever adds took effect, in whatever order, the value stays between the sum of the negative
  // deltas and the sum of the positive ones.
  impossibleOutput: (inputs) => {
    let lowest = 0;
    let highest = 0;
    for (const input of inputs) {
      if (input.kind !== 'add') continue;
      if (input.delta < 0) lowest += input.delta;
      else highest += input.delta;
    }
    return (input, output) => {
      if (output.value === undefined) return input.kind === 'get' ? 'a get returns the value, and this one returned none' : undefined;
      if (output.value >= lowest && output.value <= highest) return undefined;
      return `the counter's value always lies in ${lowest}..${highest} (the sums of all negative and of all positive deltas), ` +
        `so it is never ${output.value}`;
    };
  },
  decodeInput: (value) => {
    const read = readKind(value, 'counter', ['add', 'get'] as const);
    if (!read.ok) return read;
    const { kind, fields } = read.value;
    switch (kind) {
      case 'get': {
        const only = onlyFields(fields, ['kind'], 'a get');
        return only.ok ? ok({ kind }) : only;
      }
      case 'add': {
        const only = onlyFields(fields, ['kind', 'delta'], 'an add');
        if (!only.ok) return only;
        const delta = readInteger(fields, 'delta', 'an add');
        return delta.ok ? ok({ kind, delta: delta.value }) : delta;
      }
    }
  },
  decodeOutput: (value, input) => {
    const what = input.kind === 'add' ? 'an add' : 'a get';
    const out = readOutputObject(value, what);
    if (!out.ok) return out;
    if (!Object.hasOwn(out.value, 'value') || out.value['value'] === null) {
      return input.kind === 'get' ? err('the output of a get needs "value" (an integer)') : ok({});
    }
    const v = readInteger(out.value, 'value', `the output of ${what}`);
    return v.ok ? ok({ value: v.value }) : v;
  },
};
