// Standard black-box test functions with known global minima, for tests and the search benchmark.

import { space, type Space } from './space.js';

/** Branin on x1 in [-5,10], x2 in [0,15]; global minimum 0.397887 at (-pi,12.275), (pi,2.275), (9.42478,2.475). */
export function branin(x1: number, x2: number): number {
  const a = 1;
  const b = 5.1 / (4 * Math.PI * Math.PI);
  const c = 5 / Math.PI;
  const r = 6;
  const s = 10;
  const t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 * x1 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
}

export const BRANIN_MINIMUM = 0.397887;

export const braninSpace: Space<{ x1: number; x2: number }> = space().float('x1', -5, 10).float('x2', 0, 15).build();

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];

/** Hartmann-6 on [0,1]^6; global minimum -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573). */
export function hartmann6(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H6_A[i][j] * (x[j] - H6_P[i][j] * 1e-4) ** 2;
    sum += H6_ALPHA[i] * Math.exp(-inner);
  }
  return -sum;
}

export const HARTMANN6_MINIMUM = -3.32237;
export const HARTMANN6_ARGMIN = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573];

export const hartmann6Space: Space<{ x1: number; x2: number; x3: number; x4: number; x5: number; x6: number }> = space()
  .float('x1', 0, 1)
  .float('x2', 0, 1)
  .float('x3', 0, 1)
  .float('x4', 0, 1)
  .float('x5', 0, 1)
  .float('x6', 0, 1)
  .build();
