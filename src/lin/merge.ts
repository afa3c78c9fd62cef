import { assert } from '../core/assert.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { decodeOperations } from './decode.js';
import { parseHistory } from './format.js';
import type { HistoryCodec } from './model.js';
import { buildOperations } from './operations.js';
import type { ClientId, MalformedHistory, OpId, Operation } from './types.js';
import { malformed } from './types.js';

/**
 * Several history files checked as one history: those recorded by several client processes, or
 * before and after a restart of a service. Each file is read and checked on its own first (its
 * ids unique, each of its clients one operation at a time), since each process only knows its
 * own; then the operations of all files go into one real-time order by their times.
 */

/** One history file to merge: its name (for messages and identities; its path, say) and its text. */
export interface HistoryFile {
  readonly name: string;
  readonly text: string;
}

/**
 * Reads several history files into the operations of one history, merged by their times, with
 * each operation decoded into `codec`'s types. Every event of every file needs a `time`, and the
 * times of all files must come from one clock (wall-clock milliseconds, say): only then does one
 * file's return before another file's call mean real-time order. Two processes may both number
 * their clients and operations 1, 2, 3, so ids and clients are namespaced by file, as the string
 * `NAME:ID` (a string id that reads as a number, or starts with a quote, is quoted: `NAME:"1"`,
 * so that it stays apart from the number), and each operation names its `file`. Operations come
 * out in the order of their calls; calls at one instant keep file order, then line order.
 *
 * A malformed file is an error naming the file (`file`) and the line. File names must differ.
 */
export function decodeHistories<I, O>(
  files: readonly HistoryFile[], codec: HistoryCodec<I, O>,
): Result<Operation<I, O>[], MalformedHistory> {
  assert(new Set(files.map((f) => f.name)).size === files.length, 'history files have distinct names: they namespace ids and clients');
  const merged: Operation<I, O>[] = [];
  for (const file of files) {
    const ops = decodeFile(file.text, codec);
    if (!ops.ok) return err({ ...ops.error, file: file.name });
    for (const op of ops.value) {
      merged.push({ ...op, id: namespaced(file.name, op.id), client: namespaced(file.name, op.client), file: file.name });
    }
  }
  // Array.prototype.sort is stable: equal call times keep the order of files, then of lines.
  merged.sort((a, b) => a.callAt - b.callAt);
  return ok(merged);
}

/** One file's operations, well formed on their own and decoded; its times are required. */
function decodeFile<I, O>(text: string, codec: HistoryCodec<I, O>): Result<Operation<I, O>[], MalformedHistory> {
  const parsed = parseHistory(text);
  if (!parsed.ok) return parsed;
  const built = buildOperations(parsed.value);
  if (!built.ok) return built;
  // buildOperations has checked that every event has a time or none has: the first one tells.
  const first = parsed.value[0];
  if (first !== undefined && first.time === undefined) {
    return malformed('untimed', first.line ?? 1,
      'the events have no "time": several history files are merged by their times, so every event needs one');
  }
  return decodeOperations(built.value, codec);
}

/** An id or client of one file as a name unique across files: `file:id`. */
function namespaced(file: string, id: OpId | ClientId): string {
  // Quoting the strings that could pass for a number (or for a quoted string) keeps 1 and "1" apart.
  const plain = typeof id === 'number' || (String(Number(id)) !== id && !id.startsWith('"'));
  return `${file}:${plain ? String(id) : JSON.stringify(id)}`;
}
