import { unreachable } from '../../core/assert.js';
import { err, ok } from '../../core/result.js';
import type { JsonScalar } from '../json.js';
import { describeJson, jsonHash } from '../json.js';
import type { FileModel } from '../model.js';
import { illegal, partitionBy } from '../model.js';
import { onlyFields, readKind, readOutputObject, readScalar, readString } from './fields.js';

/** A value stored in the key-value map (null stands for "absent", so it cannot be stored). */
export type KvValue = string | number | boolean;

/** An operation on a key-value map. */
export type KvInput =
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'set'; readonly key: string; readonly value: KvValue }
  | { readonly kind: 'delete'; readonly key: string };

/** What a key-value operation returns: a get returns the value it saw (null when absent). */
export interface KvOutput {
  readonly value?: JsonScalar;
}

/**
 * The key-value map model, partitioned by key: each key is checked on its own, so the state is
 * one key's value (null when absent). A get returns the current value; set and delete return
 * nothing the model checks. In a history file: `{"kind":"set","key":"k","value":"v"}`,
 * `{"kind":"delete","key":"k"}`, and `{"kind":"get","key":"k"}` returning `{"value":"v"}` or
 * `{"value":null}`. The model is only correct together with its partition.
 */
export const kvModel: FileModel<JsonScalar, KvInput, KvOutput> = {
  name: 'kv',
  init: () => null,
  step: (state, input, output) => {
    switch (input.kind) {
      case 'set': return input.value;
      case 'delete': return null;
      case 'get':
        if (output === undefined) return state;
        return output.value === state ? state : illegal;
      default: return unreachable(input, 'kv operation');
    }
  },
  partition: partitionBy((input: KvInput) => input.key),
  equal: (a, b) => a === b,
  hash: jsonHash,
  describeOperation: (input, output) => {
    const pending = output === undefined ? ' (no return)' : '';
    switch (input.kind) {
      case 'set': return `set(${describeJson(input.key)}, ${describeJson(input.value)})${pending}`;
      case 'delete': return `delete(${describeJson(input.key)})${pending}`;
      case 'get': return `get(${describeJson(input.key)}) -> ${output === undefined ? '(no return)' : describeJson(output.value)}`;
      default: return unreachable(input, 'kv operation');
    }
  },
  describeState: (state) => (state === null ? 'absent' : describeJson(state)),
  // A get sees null (absent: initially, or after a delete) or a value some set of its key wrote.
  impossibleOutput: (inputs) => {
    const possible = new Map<string, Set<JsonScalar>>();
    for (const input of inputs) {
      if (input.kind !== 'set') continue;
      const values = possible.get(input.key);
      if (values === undefined) possible.set(input.key, new Set([input.value]));
      else values.add(input.value);
    }
    return (input, output) => {
      if (input.kind !== 'get') return undefined;
      if (output.value === undefined) return 'a get returns a value (null when absent), and this one returned none';
      if (output.value === null || possible.get(input.key)?.has(output.value) === true) return undefined;
      return `no operation sets ${describeJson(input.key)} to ${describeJson(output.value)}, and an absent key reads as null`;
    };
  },
  decodeInput: (value) => {
    const read = readKind(value, 'kv', ['get', 'set', 'delete'] as const);
    if (!read.ok) return read;
    const { kind, fields } = read.value;
    const what = `a ${kind}`;
    const only = onlyFields(fields, kind === 'set' ? ['kind', 'key', 'value'] : ['kind', 'key'], what);
    if (!only.ok) return only;
    const key = readString(fields, 'key', what);
    if (!key.ok) return key;
    switch (kind) {
      case 'get':
      case 'delete':
        return ok({ kind, key: key.value });
      case 'set': {
        const v = readScalar(fields, 'value', what);
        if (!v.ok) return v;
        if (v.value === null) return err('"value" of a set cannot be null (null means absent: use delete)');
        return ok({ kind, key: key.value, value: v.value });
      }
    }
  },
  decodeOutput: (value, input) => {
    const out = readOutputObject(value, `a ${input.kind}`);
    if (!out.ok) return out;
    if (input.kind !== 'get') return ok({});
    if (!Object.hasOwn(out.value, 'value')) return err('the output of a get needs "value" (null when the key is absent)');
    const v = readScalar(out.value, 'value', 'the output of a get');
    return v.ok ? ok({ value: v.value }) : v;
  },
};
