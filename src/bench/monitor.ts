import type { Benchmark } from './types.js';

/** The monitor benchmark: not yet built. */
export const benchmark: Benchmark = {
  name: 'monitor',
  summary: 'not yet built',
  run: () => Promise.reject(new Error('the monitor benchmark is not yet built')),
};
