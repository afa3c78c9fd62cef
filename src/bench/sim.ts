import type { Benchmark } from './types.js';

/** The sim benchmark: not yet built. */
export const benchmark: Benchmark = {
  name: 'sim',
  summary: 'not yet built',
  run: () => Promise.reject(new Error('the sim benchmark is not yet built')),
};
