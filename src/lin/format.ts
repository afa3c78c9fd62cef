import { errorText } from '../core/errors.js';
import type { Result } from '../core/result.js';
import { ok } from '../core/result.js';
import { describeJson, isRecord } from './json.js';
import type { ClientId, HistoryEvent, MalformedHistory, OpId } from './types.js';
import { malformed } from './types.js';

/**
 * The history file format: JSON lines, one event per line, blank lines ignored.
 *
 *   {"type":"call","id":1,"client":3,"op":{"kind":"set","key":"k","value":"v"},"time":12.5}
 *   {"type":"return","id":1,"output":{},"time":14}
 *
 * `id` and `client` are integers or strings; `time` (milliseconds) is optional but then absent on
 * every line, and the order of lines is the real-time order; `output` may be left out (null).
 * Unknown fields are errors, so a misspelt field does not pass silently.
 */

/** The largest history text read, in UTF-16 code units: a guard against feeding in the wrong file. */
export const historyCharsMax = 512 * 1024 * 1024;

const callFields = ['type', 'id', 'client', 'op', 'time'];
const returnFields = ['type', 'id', 'output', 'time'];

/** Parses a history file's text into events, each carrying its line number. */
export function parseHistory(text: string): Result<HistoryEvent[], MalformedHistory> {
  if (text.length > historyCharsMax) {
    return malformed('syntax', 0, `the history is larger than ${historyCharsMax} characters`);
  }
  const events: HistoryEvent[] = [];
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (raw === '') continue;
    const event = parseEvent(raw, line);
    if (!event.ok) return event;
    events.push(event.value);
  }
  return ok(events);
}

function parseEvent(raw: string, line: number): Result<HistoryEvent, MalformedHistory> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    return malformed('syntax', line, `not valid JSON (${errorText(e)})`);
  }
  if (!isRecord(value)) return malformed('syntax', line, `an event is a JSON object, got ${describeJson(value)}`);
  const type = value['type'];
  if (type !== 'call' && type !== 'return') return malformed('field', line, `"type" is "call" or "return", got ${describeJson(type)}`);
  const allowed = type === 'call' ? callFields : returnFields;
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) {
      return malformed('field', line, `a ${type} has no field "${name}" (fields: ${allowed.map((f) => `"${f}"`).join(', ')})`);
    }
  }
  const id = value['id'];
  if (!isIdentity(id)) return malformed('field', line, `"id" is an integer or a string, got ${describeJson(id)}`);
  const time = value['time'];
  if (time !== undefined && (typeof time !== 'number' || !Number.isFinite(time))) {
    return malformed('field', line, `"time" is a number of milliseconds, got ${describeJson(time)}`);
  }
  const timed = time === undefined ? {} : { time };
  if (type === 'call') {
    const client = value['client'];
    if (!isIdentity(client)) return malformed('field', line, `a call needs "client" (an integer or a string), got ${describeJson(client)}`);
    if (!Object.hasOwn(value, 'op')) return malformed('field', line, 'a call needs "op" (the operation)');
    return ok({ type, id, client, op: value['op'], ...timed, line });
  }
  return ok({ type, id, output: value['output'] ?? null, ...timed, line });
}

function isIdentity(v: unknown): v is OpId & ClientId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));
}

/** One event as a line of the history file (without the newline). */
export function formatEvent(event: HistoryEvent): string {
  const timed = event.time === undefined ? {} : { time: event.time };
  switch (event.type) {
    case 'call': return JSON.stringify({ type: 'call', id: event.id, client: event.client, op: event.op, ...timed });
    case 'return': return JSON.stringify({ type: 'return', id: event.id, output: event.output ?? null, ...timed });
  }
}

/** A history as the text of a history file: one line per event, each ending in a newline. */
export function formatHistory(events: readonly HistoryEvent[]): string {
  let text = '';
  for (const e of events) text += formatEvent(e) + '\n';
  return text;
}
