import { unreachable } from '../../core/assert.js';
import { err, ok } from '../../core/result.js';
import type { ClientId } from '../types.js';
import { describeJson, jsonHash } from '../json.js';
import type { FileModel } from '../model.js';
import { illegal } from '../model.js';
import { onlyFields, readKind, readOutputObject } from './fields.js';

/** An operation on a lock, by the calling client. */
export type LockInput = { readonly kind: 'acquire' } | { readonly kind: 'release' };

/**
 * What a lock operation returns: `ok` false when the acquire found the lock held (a try-lock),
 * or the release was by a client that did not hold it. Absent means true.
 */
export interface LockOutput {
  readonly ok?: boolean;
}

/**
 * The lock model: free, or held by one client. A successful acquire needs the lock free and
 * makes the caller the holder; a successful release needs the caller to hold it and frees it. A
 * failed acquire (`{"ok":false}`) needs the lock held; a failed release needs the caller not to
 * hold it. An operation that never returned succeeds or fails as the state at its linearization
 * point says. In a history file: `{"kind":"acquire"}` and `{"kind":"release"}`, returning `{}`
 * (or `{"ok":true}`) or `{"ok":false}`.
 */
export const lockModel: FileModel<ClientId | null, LockInput, LockOutput> = {
  name: 'lock',
  init: () => null,
  step: (holder, input, output, client) => {
    switch (input.kind) {
      case 'acquire':
        // Without an output (never returned), the acquire succeeds or fails as the state says.
        if (output === undefined) return holder ?? client;
        if (output.ok ?? true) return holder === null ? client : illegal;
        return holder !== null ? holder : illegal;
      case 'release':
        if (output === undefined) return holder === client ? null : holder;
        if (output.ok ?? true) return holder === client ? null : illegal;
        return holder !== client ? holder : illegal;
      default: return unreachable(input, 'lock operation');
    }
  },
  equal: (a, b) => a === b,
  hash: jsonHash,
  describeOperation: (input, output) =>
    `${input.kind}()${output === undefined ? ' (no return)' : output.ok === false ? ' -> failed' : ''}`,
  describeState: (holder) => (holder === null ? 'free' : `held by client ${describeJson(holder)}`),
  decodeInput: (value) => {
    const read = readKind(value, 'lock', ['acquire', 'release'] as const);
    if (!read.ok) return read;
    const only = onlyFields(read.value.fields, ['kind'], `a ${read.value.kind}`);
    return only.ok ? ok({ kind: read.value.kind }) : only;
  },
  decodeOutput: (value, input) => {
    const out = readOutputObject(value, `a ${input.kind}`);
    if (!out.ok) return out;
    const okField = out.value['ok'];
    if (okField === undefined || okField === null) return ok({});
    if (typeof okField !== 'boolean') return err(`"ok" of the output of a ${input.kind} is a boolean, got ${describeJson(okField)}`);
    return ok({ ok: okField });
  },
};
