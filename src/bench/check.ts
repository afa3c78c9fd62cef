import type { Benchmark } from './types.js';

/** The check benchmark: not yet built. */
export const benchmark: Benchmark = {
  name: 'check',
  summary: 'not yet built',
  run: () => Promise.reject(new Error('the check benchmark is not yet built')),
};
