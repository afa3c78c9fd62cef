import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorText } from '../core/errors.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';

/**
 * Loading a user's ES module named on the command line (`ironfleet check ./my-model.js`,
 * `ironfleet lin HISTORY --model ./my-model.js`) and picking the one export the command needs.
 * Every way this can go wrong (no such file, the module throws while loading, no export of the
 * right shape, several) is an error sentence for the user, never a stack trace.
 */

/**
 * Whether a command-line word names a module file rather than a built-in: it starts with `./`,
 * `../` or `/`, or ends in `.js` or `.mjs`.
 */
export function isModulePath(word: string): boolean {
  return word.startsWith('./') || word.startsWith('../') || word.startsWith('/') || word.endsWith('.js') || word.endsWith('.mjs');
}

/** A loaded module's exports, by name (`default` for the default export). */
export type ModuleExports = Readonly<Record<string, unknown>>;

/** Loads the ES module at `path` (resolved against `cwd`); an error sentence when it cannot be. */
export async function loadUserModule(path: string, cwd: string): Promise<Result<ModuleExports, string>> {
  const absolute = resolve(cwd, path);
  let isFile: boolean;
  try {
    isFile = statSync(absolute).isFile();
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return err(missing ? `cannot find ${path}: there is no file ${absolute}` : `cannot read ${path}: ${errorText(e)}`);
  }
  if (!isFile) return err(`${path} (${absolute}) is not a file`);
  try {
    const module = (await import(pathToFileURL(absolute).href)) as ModuleExports;
    return ok(module);
  } catch (e) {
    return err(`cannot load ${path}: ${loadErrorText(e)}`);
  }
}

/** The URL of this command's directory, whose frames a load error's location skips. */
const commandDirUrl = new URL('.', import.meta.url).href;

/** A load error on one line: its kind, message and, when known, where in the user's code it was thrown. */
function loadErrorText(e: unknown): string {
  const text = errorText(e);
  if (!(e instanceof Error)) return `it threw ${text}`;
  const kind = e.name !== 'Error' && !text.startsWith(e.name) ? `${e.name}: ` : '';
  // The first stack frame in a file outside this command is where the user's module threw.
  const frame = (e.stack ?? '').split('\n').slice(1)
    .map((line) => /^\s*at (?!async )(?:.*\()?(file:\/\/[^\s)]+)\)?\s*$/.exec(line)?.[1])
    .find((url) => url !== undefined && !url.startsWith(commandDirUrl));
  let where = '';
  if (frame !== undefined) {
    const [url, line, column] = splitLocation(frame);
    where = ` (at ${pathOfUrl(url)}${line}${column})`;
  }
  return `${kind}${text}${where}`;
}

/** A file URL as a path, or as it is when it names no local file. */
function pathOfUrl(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

/** `file:///a/b.js:3:7` as its URL and `:3`, `:7` (empty strings when absent). */
function splitLocation(frame: string): [string, string, string] {
  const m = /^(.*?)(:\d+)?(:\d+)?$/.exec(frame);
  return [m?.[1] ?? frame, m?.[2] ?? '', m?.[3] ?? ''];
}

/**
 * What a command looks for in a module: a sentence describing the shape (for errors), and a
 * check of one value that lists what is wrong with it (empty when it has the shape).
 */
export interface ExportKind {
  /** The noun, e.g. 'model'. */
  readonly noun: string;
  /** The shape in a sentence, e.g. 'an object with name (a string), ...'. */
  readonly shape: string;
  /** What is wrong with `value` as one of these; empty when nothing is. */
  problems(value: unknown): readonly string[];
}

/**
 * The export of `exports` a command uses, with its name: the one called `exportName` when given;
 * otherwise the default export if it has the shape, or else the only named export that has it.
 * Errors say which exports were found and what each lacks.
 */
export function pickExport(
  path: string, exports: ModuleExports, kind: ExportKind, exportName: string | undefined,
): Result<{ readonly name: string; readonly value: unknown }, string> {
  const names = Object.keys(exports).sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)));
  if (exportName !== undefined) {
    if (!Object.hasOwn(exports, exportName)) {
      return err(`${path} has no export '${exportName}' (exports: ${names.length === 0 ? 'none' : names.join(', ')})`);
    }
    const value = exports[exportName];
    const problems = kind.problems(value);
    if (problems.length > 0) {
      return err(`export '${exportName}' of ${path} is not a ${kind.noun}: ${problems.join('; ')}. A ${kind.noun} is ${kind.shape}.`);
    }
    return ok({ name: exportName, value });
  }
  if (Object.hasOwn(exports, 'default') && kind.problems(exports['default']).length === 0) {
    return ok({ name: 'default', value: exports['default'] });
  }
  const matching = names.filter((n) => n !== 'default' && kind.problems(exports[n]).length === 0);
  const only = matching.length === 1 ? matching[0] : undefined;
  if (only !== undefined) return ok({ name: only, value: exports[only] });
  if (matching.length > 1) {
    return err(`${path} exports ${matching.length} ${kind.noun}s (${matching.join(', ')}): choose one with --export NAME`);
  }
  const found = names.length === 0
    ? 'it exports nothing'
    : `exports found: ${names.map((n) => `${n} (${describeExport(exports[n], kind)})`).join(', ')}`;
  return err(`${path} exports no ${kind.noun}; ${found}. A ${kind.noun} is ${kind.shape}, ` +
    `exported as the default export or by name (with several, choose one with --export NAME).`);
}

/** What an export that is not of the kind looked like, briefly. */
function describeExport(value: unknown, kind: ExportKind): string {
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return value === null ? 'null' : `a ${typeof value}`;
  if (Array.isArray(value)) return 'an array';
  return `an object: ${kind.problems(value).join('; ')}`;
}

/** Lists what `value` lacks of the fields in `required` and the optional fields in `optional`. */
export function shapeProblems(
  value: unknown,
  required: Readonly<Record<string, FieldKind>>,
  optional: Readonly<Record<string, FieldKind>> = {},
): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return ['not an object'];
  const record = value as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  for (const [field, want] of Object.entries(required)) {
    const v = record[field];
    if (v === undefined) problems.push(`no ${field}`);
    else if (!hasKind(v, want)) problems.push(`${field} is not ${fieldKindText[want]}`);
  }
  for (const [field, want] of Object.entries(optional)) {
    const v = record[field];
    if (v !== undefined && !hasKind(v, want)) problems.push(`${field} is not ${fieldKindText[want]}`);
  }
  return problems;
}

/** The kinds of value a field of a user's object may be required to have. */
export type FieldKind = 'string' | 'function' | 'array' | 'string array';

const fieldKindText: Readonly<Record<FieldKind, string>> = {
  string: 'a string',
  function: 'a function',
  array: 'an array',
  'string array': 'an array of strings',
};

function hasKind(v: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string': return typeof v === 'string';
    case 'function': return typeof v === 'function';
    case 'array': return Array.isArray(v);
    case 'string array': return Array.isArray(v) && v.every((x) => typeof x === 'string');
  }
}
