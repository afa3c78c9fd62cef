import type { Result } from '../core/result.js';
import { ok } from '../core/result.js';
import { describeJson } from './json.js';
import type { HistoryCodec } from './model.js';
import type { MalformedHistory, Operation } from './types.js';
import { malformed } from './types.js';

/**
 * Reads each operation's input and output into a model's types, so a history written for another
 * model is an error naming the line rather than a confusing verdict.
 */
export function decodeOperations<I, O>(
  operations: readonly Operation[], codec: HistoryCodec<I, O>,
): Result<Operation<I, O>[], MalformedHistory> {
  const decoded: Operation<I, O>[] = [];
  for (const op of operations) {
    const input = codec.decodeInput(op.input);
    if (!input.ok) {
      return malformed('operation', op.callLine, `operation ${describeJson(op.id)}: ${input.error}`);
    }
    let output: O | undefined;
    if (op.output !== undefined) {
      const read = codec.decodeOutput(op.output, input.value);
      if (!read.ok) {
        return malformed('operation', op.returnLine, `operation ${describeJson(op.id)}: ${read.error}`);
      }
      output = read.value;
    }
    decoded.push({ ...op, input: input.value, output });
  }
  return ok(decoded);
}
