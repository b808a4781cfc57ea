// Random search: every trial an independent draw from the space.

import type { GenericStrategy } from './types.js';

export function randomSearch(): GenericStrategy {
  return { name: 'random', ask: ({ space, rng }) => ({ config: space.sample(rng) }) };
}
