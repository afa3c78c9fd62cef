/**
 * A small, strict argument parser shared by every `ironfleet` subcommand. Unknown flags, missing
 * values and malformed numbers are usage errors (exit code 2), reported with the command's usage.
 */

/** How one flag is read. */
export interface FlagSpec {
  /** 'string' and 'number' take a value; 'boolean' takes none; 'list' may repeat. */
  readonly type: 'string' | 'number' | 'boolean' | 'list';
  /** One line for --help. */
  readonly help: string;
  /** Shown in --help as the value's name, e.g. DIR. */
  readonly value?: string;
  /** Inclusive bounds for numbers. */
  readonly min?: number;
  readonly max?: number;
  /** Numbers must be whole. */
  readonly integer?: boolean;
}

/** A subcommand's arguments: positional names and flags. */
export interface CommandSpec {
  /** e.g. 'ironfleet certs' */
  readonly name: string;
  /** One paragraph on what the command does. */
  readonly summary: string;
  readonly positionals: readonly {
    readonly name: string;
    readonly help: string;
    readonly optional?: boolean;
    /** The last positional may take any number of values. */
    readonly variadic?: boolean;
  }[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
}

/** Parsed arguments. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly strings: ReadonlyMap<string, string>;
  readonly numbers: ReadonlyMap<string, number>;
  readonly booleans: ReadonlySet<string>;
  readonly lists: ReadonlyMap<string, readonly string[]>;
}

/** A usage error: the message to print before the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit code for bad arguments. */
export const exitUsage = 2;

/** The --help text of a command. */
export function usage(spec: CommandSpec): string {
  const pos = spec.positionals
    .map((p) => (p.optional === true ? `[${p.name}${p.variadic === true ? '...' : ''}]` : p.name + (p.variadic === true ? '...' : '')))
    .join(' ');
  const lines = [`usage: ${spec.name}${pos ? ' ' + pos : ''} [options]`, '', spec.summary, ''];
  if (spec.positionals.length > 0) {
    lines.push('arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(28)} ${p.help}`);
    lines.push('');
  }
  lines.push('options:');
  const entries: [string, FlagSpec][] = [
    ...Object.entries(spec.flags),
    ['help', { type: 'boolean', help: 'print this help and exit' }],
  ];
  for (const [name, f] of entries) {
    const left = `--${name}${f.type === 'boolean' ? '' : ' ' + (f.value ?? 'VALUE')}`;
    lines.push(`  ${left.padEnd(28)} ${f.help}${f.type === 'list' ? ' (repeatable)' : ''}`);
  }
  return lines.join('\n');
}

/**
 * Parses `argv` against `spec`. Returns 'help' when --help was given; throws UsageError on any
 * malformed argument.
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs | 'help' {
  const positionals: string[] = [];
  const strings = new Map<string, string>();
  const numbers = new Map<string, number>();
  const booleans = new Set<string>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const flag = spec.flags[name];
    if (flag === undefined) throw new UsageError(`unknown option --${name}`);
    if (flag.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      booleans.add(name);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new UsageError(`--${name} needs a value (${flag.value ?? 'VALUE'})`);
    if (flag.type === 'string') strings.set(name, value);
    else if (flag.type === 'list') lists.set(name, [...(lists.get(name) ?? []), value]);
    else numbers.set(name, parseNumber(name, value, flag));
  }
  const required = spec.positionals.filter((p) => p.optional !== true).length;
  if (positionals.length < required) {
    const missing = spec.positionals.slice(positionals.length).map((p) => p.name).join(' ');
    throw new UsageError(`missing argument${missing.includes(' ') ? 's' : ''}: ${missing}`);
  }
  const variadic = spec.positionals[spec.positionals.length - 1]?.variadic === true;
  if (!variadic && positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument: ${positionals[spec.positionals.length] ?? ''}`);
  }
  return { positionals, strings, numbers, booleans, lists };
}

function parseNumber(name: string, text: string, flag: FlagSpec): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} takes a number, got '${text}'`);
  if (flag.integer === true && !Number.isSafeInteger(n)) throw new UsageError(`--${name} takes a whole number, got '${text}'`);
  if (flag.min !== undefined && n < flag.min) throw new UsageError(`--${name} must be at least ${flag.min}, got ${n}`);
  if (flag.max !== undefined && n > flag.max) throw new UsageError(`--${name} must be at most ${flag.max}, got ${n}`);
  return n;
}

/** The output streams a command writes to; tests pass their own. */
export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * Runs a command body with uniform handling of --help and usage errors: prints the usage and
 * returns 0 for --help, prints the error and usage and returns 2 for bad arguments.
 */
export async function runCommand(
  spec: CommandSpec, argv: readonly string[], io: CommandIo,
  body: (args: ParsedArgs) => Promise<number> | number,
): Promise<number> {
  let args: ParsedArgs | 'help';
  try {
    args = parseArgs(spec, argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${spec.name}: ${e.message}`);
      io.err(usage(spec));
      return exitUsage;
    }
    throw e;
  }
  if (args === 'help') {
    io.out(usage(spec));
    return 0;
  }
  try {
    return await body(args);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${spec.name}: ${e.message}`);
      io.err(usage(spec));
      return exitUsage;
    }
    throw e;
  }
}
