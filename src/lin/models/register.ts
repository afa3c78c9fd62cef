import { unreachable } from '../../core/assert.js';
import { err, ok } from '../../core/result.js';
import type { JsonScalar } from '../json.js';
import { describeJson, jsonHash } from '../json.js';
import type { FileModel } from '../model.js';
import { illegal } from '../model.js';
import { onlyFields, readKind, readOutputObject, readScalar } from './fields.js';

/** An operation on a register: read it, or write a value. */
export type RegisterInput =
  | { readonly kind: 'read' }
  | { readonly kind: 'write'; readonly value: JsonScalar };

/** What a register operation returns: a read returns the value it saw; a write returns nothing. */
export interface RegisterOutput {
  readonly value?: JsonScalar;
}

/**
 * The register model: one value, initially null. A read must return the current value; a write
 * replaces it. In a history file: `{"kind":"write","value":5}` returning anything (`{}` or no
 * output), and `{"kind":"read"}` returning `{"value":5}`.
 */
export const registerModel: FileModel<JsonScalar, RegisterInput, RegisterOutput> = {
  name: 'register',
  init: () => null,
  step: (state, input, output) => {
    switch (input.kind) {
      case 'write': return input.value;
      case 'read':
        if (output === undefined) return state;
        return output.value === state ? state : illegal;
      default: return unreachable(input, 'register operation');
    }
  },
  equal: (a, b) => a === b,
  hash: jsonHash,
  describeOperation: (input, output) => {
    switch (input.kind) {
      case 'write': return `write(${describeJson(input.value)})${output === undefined ? ' (no return)' : ''}`;
      case 'read': return `read() -> ${output === undefined ? '(no return)' : describeJson(output.value)}`;
      default: return unreachable(input, 'register operation');
    }
  },
  describeState: describeJson,
  // A read sees the initial null or a value some write wrote; anything else rules out every order.
  impossibleOutput: (inputs) => {
    const possible = new Set<JsonScalar>([null]);
    for (const input of inputs) if (input.kind === 'write') possible.add(input.value);
    return (input, output) => {
      if (input.kind !== 'read') return undefined;
      if (output.value === undefined) return 'a read returns a value, and this one returned none';
      return possible.has(output.value) ? undefined : `no operation writes ${describeJson(output.value)}, and the initial value is null`;
    };
  },
  decodeInput: (value) => {
    const read = readKind(value, 'register', ['read', 'write'] as const);
    if (!read.ok) return read;
    const { kind, fields } = read.value;
    switch (kind) {
      case 'read': {
        const only = onlyFields(fields, ['kind'], 'a read');
        return only.ok ? ok({ kind }) : only;
      }
      case 'write': {
        const only = onlyFields(fields, ['kind', 'value'], 'a write');
        if (!only.ok) return only;
        const v = readScalar(fields, 'value', 'a write');
        return v.ok ? ok({ kind, value: v.value }) : v;
      }
    }
  },
  decodeOutput: (value, input) => {
    const out = readOutputObject(value, `a ${input.kind}`);
    if (!out.ok) return out;
    if (input.kind === 'write') return ok({});
    if (!Object.hasOwn(out.value, 'value')) return err('the output of a read needs "value" (null before any write)');
    const v = readScalar(out.value, 'value', 'the output of a read');
    return v.ok ? ok({ value: v.value }) : v;
  },
};
