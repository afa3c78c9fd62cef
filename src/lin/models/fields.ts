import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
import type { JsonScalar } from '../json.js';
import { describeJson, isJsonScalar, isRecord } from '../json.js';

/**
 * Readers for the fields of built-in models' operations, with messages that say what was expected.
 */

/** Reads `{"kind": K, ...}` where K is one of `kinds`; returns the object and its kind. */
export function readKind<K extends string>(
  value: unknown, model: string, kinds: readonly K[],
): Result<{ readonly kind: K; readonly fields: Readonly<Record<string, unknown>> }, string> {
  if (!isRecord(value)) return err(`a ${model} operation is an object with "kind", got ${describeJson(value)}`);
  const kind = value['kind'];
  const found = kinds.find((k) => k === kind);
  if (found === undefined) {
    return err(`"kind" of a ${model} operation is one of ${kinds.map((k) => `"${k}"`).join(', ')}, got ${describeJson(kind)}`);
  }
  return ok({ kind: found, fields: value });
}

/** Rejects fields other than `allowed`, so a misspelt field is an error rather than ignored. */
export function onlyFields(fields: Readonly<Record<string, unknown>>, allowed: readonly string[], what: string): Result<null, string> {
  for (const name of Object.keys(fields)) {
    if (!allowed.includes(name)) return err(`${what} has no field "${name}" (fields: ${allowed.map((a) => `"${a}"`).join(', ')})`);
  }
  return ok(null);
}

/** Reads a field that must hold a JSON scalar (string, finite number, boolean or null). */
export function readScalar(fields: Readonly<Record<string, unknown>>, name: string, what: string): Result<JsonScalar, string> {
  const v = fields[name];
  if (!Object.hasOwn(fields, name)) return err(`${what} needs "${name}"`);
  if (!isJsonScalar(v)) return err(`"${name}" of ${what} is a string, number, boolean or null, got ${describeJson(v)}`);
  return ok(v);
}

/** Reads a field that must hold a string. */
export function readString(fields: Readonly<Record<string, unknown>>, name: string, what: string): Result<string, string> {
  const v = fields[name];
  if (typeof v !== 'string') return err(`${what} needs "${name}" (a string), got ${describeJson(v)}`);
  return ok(v);
}

/** Reads a field that must hold a safe integer. */
export function readInteger(
  fields: Readonly<Record<string, unknown>>, name: string, what: string,
): Result<number, string> {
  const v = fields[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) return err(`${what} needs "${name}" (an integer), got ${describeJson(v)}`);
  return ok(v);
}

/** Reads an output that must be an object (null or absent counts as `{}`). */
export function readOutputObject(value: unknown, what: string): Result<Readonly<Record<string, unknown>>, string> {
  if (value === null || value === undefined) return ok({});
  if (!isRecord(value)) return err(`the output of ${what} is an object, got ${describeJson(value)}`);
  return ok(value);
}
