import { performance } from 'node:perf_hooks';
import type { ImplHost } from '../framework/host.js';
import { MemoryStore } from '../framework/memory-store.js';
import { monitor } from '../check/monitor.js';
import { LockHost } from '../lock/impl/host.js';
import { lockProtocol, type LockHostState } from '../lock/protocol/host.js';
import type { LockMsg } from '../lock/protocol/messages.js';
import { LockTestRing } from '../lock/testing.js';
import type { Benchmark, BenchFigure } from './types.js';

/**
 * The refinement monitor's cost: IronLock hosts stepped in memory (no sockets, so the monitor's
 * share is not hidden behind IO), with and without the monitor wrapped around each host.
 */

function ringSteps(monitored: boolean, turns: number): { steps: number; ms: number } {
  const ids = ['h0', 'h1', 'h2'];
  const test = new LockTestRing(ids);
  let steps = 0;
  const hosts = new Map<string, ImplHost<LockHostState, LockMsg>>();
  for (const id of ids) {
    const r = LockHost.recover({ hosts: ids }, id, test.disks.get(id) ?? new MemoryStore(), { holdMs: 0, retransmitIntervalMs: 5 });
    if (!r.ok) throw new Error(r.error.detail);
    const inner = monitored ? monitor(r.value, lockProtocol) : r.value;
    hosts.set(id, {
      step: (env) => {
        steps++;
        return inner.step(env);
      },
      abstract: () => inner.abstract(),
      wakeAfterMs: (n) => inner.wakeAfterMs(n),
    });
  }
  const t0 = performance.now();
  test.run(hosts, turns, 1);
  return { steps, ms: performance.now() - t0 };
}

/** The monitor benchmark. */
export const benchmark: Benchmark = {
  name: 'monitor',
  summary: 'IronLock host steps/s in memory, plain and under the refinement monitor',
  run: (options) => {
    const turns = options.quick ? 20_000 : 200_000;
    ringSteps(false, 2000);
    ringSteps(true, 2000);
    const plain = ringSteps(false, turns);
    options.progress(`plain: ${plain.steps} steps in ${plain.ms.toFixed(0)} ms`);
    const checked = ringSteps(true, turns);
    options.progress(`monitored: ${checked.steps} steps in ${checked.ms.toFixed(0)} ms`);
    const plainRate = (plain.steps / plain.ms) * 1000;
    const checkedRate = (checked.steps / checked.ms) * 1000;
    const figures: BenchFigure[] = [
      { name: 'lock host steps/s, unmonitored', value: Math.round(plainRate), unit: 'steps/s', detail: `${plain.steps} steps` },
      { name: 'lock host steps/s, under the refinement monitor', value: Math.round(checkedRate), unit: 'steps/s', detail: `${checked.steps} steps` },
      { name: 'monitor cost per step', value: Number(((1000 / checkedRate - 1000 / plainRate) * 1000).toFixed(2)), unit: 'us/step' },
    ];
    return Promise.resolve(figures);
  },
};
