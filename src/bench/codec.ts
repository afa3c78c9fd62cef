import type { Benchmark } from './types.js';

/** The codec benchmark: not yet built. */
export const benchmark: Benchmark = {
  name: 'codec',
  summary: 'not yet built',
  run: () => Promise.reject(new Error('the codec benchmark is not yet built')),
};
