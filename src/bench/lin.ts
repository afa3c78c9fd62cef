import type { Benchmark } from './types.js';

/** The lin benchmark: not yet built. */
export const benchmark: Benchmark = {
  name: 'lin',
  summary: 'not yet built',
  run: () => Promise.reject(new Error('the lin benchmark is not yet built')),
};
