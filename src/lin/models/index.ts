import { unreachable } from '../../core/assert.js';
import type { FileModel } from '../model.js';
import { counterModel } from './counter.js';
import { kvModel } from './kv.js';
import { lockModel } from './lock.js';
import { registerModel } from './register.js';

export { registerModel } from './register.js';
export type { RegisterInput, RegisterOutput } from './register.js';
export { kvModel } from './kv.js';
export type { KvInput, KvOutput, KvValue } from './kv.js';
export { counterModel } from './counter.js';
export type { CounterInput, CounterOutput } from './counter.js';
export { lockModel } from './lock.js';
export type { LockInput, LockOutput } from './lock.js';

/** The names of the built-in models, as `ironfleet lin --model` takes them. */
export type BuiltinModelName = 'register' | 'kv' | 'counter' | 'lock';

/**
 * Runs `use` with the built-in model called `name`. A callback rather than a lookup table
 * because each model has its own state and operation types.
 */
export function withBuiltinModel<R>(
  name: BuiltinModelName,
  use: <S, I, O>(model: FileModel<S, I, O>) => R,
): R {
  switch (name) {
    case 'register': return use(registerModel);
    case 'kv': return use(kvModel);
    case 'counter': return use(counterModel);
    case 'lock': return use(lockModel);
    default: return unreachable(name, 'model name');
  }
}

/** Every built-in model's name. */
export const builtinModelNames: readonly BuiltinModelName[] = ['register', 'kv', 'counter', 'lock'];
