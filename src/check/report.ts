import type { CheckResult } from './check.js';
import type { Progress } from './explore.js';
import { formatTrace } from './trace.js';

/**
 * How a check's result reads on a terminal and as JSON. The wording follows the project's rule:
 * a passing check is "model-checked up to bounds", never "proved".
 */

/** Formats a count with thousands separators. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function bytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The collision estimate in words. */
export function collisionText(result: CheckResult): string {
  const estimate = result.fingerprints.collisionProbability.toExponential(1).toUpperCase();
  if (result.fingerprints.exact) {
    return `0: packed states of at most 64 bits have one-to-one fingerprints (TLC's optimistic estimate would be ${estimate})`;
  }
  return `calculated (optimistic) ${estimate}`;
}

/**
 * The report's lines for a terminal: figures (then `extraFigures`, already indented), each
 * property's status, the verdict, then any trace.
 */
export function formatResult(result: CheckResult, extraFigures: readonly string[] = []): string[] {
  const lines: string[] = [];
  const search = result.search === 'bfs' ? 'breadth-first' : 'depth-first';
  // A model that names no bounds is checked up to the bounds its own definition sets.
  const bounds = [result.bounds, ...(result.maxDepth !== null ? [`depth <= ${result.maxDepth}`] : [])].filter((b) => b !== '').join(', ');
  lines.push(`model ${result.model}${bounds !== '' ? ` (${bounds})` : ''}: ${search} search, symmetry ${result.symmetry ? 'on' : 'off'}`);
  lines.push(`  ${count(result.distinctStates)} distinct states, ${count(result.statesGenerated)} states generated, ${count(result.queueLeft)} left in queue`);
  const complete = result.queueLeft === 0 && (result.violation === null || result.violation.kind === 'liveness');
  const diameter = result.search === 'bfs' && complete ? 'the diameter: ' : '';
  lines.push(`  depth ${result.depth} (${diameter}most steps from an initial state to a state found)`);
  if (result.cutOffStates > 0) {
    lines.push(`  ${count(result.cutOffStates)} states at the bounds (state constraint or depth) were checked but not expanded`);
  }
  lines.push(`  ${count(result.terminalStates)} terminal states (no successor but themselves)`);
  lines.push(`  ${(result.elapsedMs / 1000).toFixed(2)} s, ${count(result.distinctStatesPerSecond)} distinct states/s`);
  const f = result.fingerprints;
  lines.push(`  fingerprint table: ${count(f.tableSlots)} slots, ${bytes(f.tableBytes)}, ${f.bytesPerState.toFixed(1)} bytes per distinct state; checker total ${bytes(result.checkerBytes)}`);
  lines.push(`  fingerprint collision probability: ${collisionText(result)}`);
  lines.push(...extraFigures);
  for (const p of result.properties) {
    lines.push(`  ${p.kind} ${p.name}${p.detail !== undefined ? ` [${p.detail}]` : ''}: ${p.status}`);
  }
  const v = result.violation;
  if (v === null) {
    lines.push(complete
      ? `result: no violation; model-checked up to bounds (${bounds !== '' ? bounds : `as model ${result.model} sets them`})`
      : `result: no violation found, but the search stopped with ${count(result.queueLeft)} states unexplored`);
    return lines;
  }
  lines.push(`result: VIOLATION of ${v.kind} ${v.property}: ${v.message}`);
  lines.push(`trace (${v.trace.steps.length - 1} step${v.trace.steps.length === 2 ? '' : 's'}):`);
  lines.push(...formatTrace(v.trace));
  return lines;
}

/** The JSON form of a result (what `--json` prints). */
export function resultJson(result: CheckResult, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...result, ...extra });
}

/** One progress line: states, distinct, queue, rate. */
export function formatProgress(p: Progress): string {
  const rate = p.elapsedMs > 0 ? p.distinct / (p.elapsedMs / 1000) : 0;
  return `progress: ${count(p.generated)} states generated, ${count(p.distinct)} distinct, ${count(p.queue)} in queue, ` +
    `depth ${p.depth}, ${count(rate)} distinct states/s, ${(p.elapsedMs / 1000).toFixed(0)} s`;
}
