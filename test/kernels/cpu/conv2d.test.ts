// CPU-only: conv2d splits the batch into chunks to bound the im2col buffer; chunked results must match
// one chunk (forward and backward input bit for bit, backward weight up to float32 accumulation).

import { afterAll, describe, expect, it } from 'vitest';
import type { Conv2dParams } from '../../../kernels/backend.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight, setConvColBudget } from '../../../kernels/cpu/index.js';
import { expectClose, randF32 } from '../backend-suite.js';

describe('conv2d chunking', () => {
  const oldBudget = setConvColBudget(1 << 22);
  afterAll(() => setConvColBudget(oldBudget));

  const cases: Conv2dParams[] = [
    { batch: 5, inChannels: 4, inHeight: 7, inWidth: 6, outChannels: 6, kernelH: 3, kernelW: 3, strideH: 2, strideW: 1, padH: 1, padW: 2, dilationH: 1, dilationW: 2, groups: 2 },
    { batch: 4, inChannels: 3, inHeight: 5, inWidth: 5, outChannels: 2, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1 },
    { batch: 3, inChannels: 16, inHeight: 12, inWidth: 12, outChannels: 20, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 1 },
  ];
  for (const p of cases) {
    it(`gives the same results one image per chunk: ${JSON.stringify(p)}`, () => {
      const hOut = Math.floor((p.inHeight + 2 * p.padH - p.dilationH * (p.kernelH - 1) - 1) / p.strideH) + 1;
      const wOut = Math.floor((p.inWidth + 2 * p.padW - p.dilationW * (p.kernelW - 1) - 1) / p.strideW) + 1;
      const x = randF32(p.batch * p.inChannels * p.inHeight * p.inWidth, 1);
      const w = randF32(p.outChannels * (p.inChannels / p.groups) * p.kernelH * p.kernelW, 2);
      const dy = randF32(p.batch * p.outChannels * hOut * wOut, 3);
      const bias = randF32(p.outChannels, 4);
      setConvColBudget(1 << 22);
      const whole = [conv2d(x, w, bias, p), conv2dBackwardInput(dy, w, p), conv2dBackwardWeight(dy, x, p)];
      setConvColBudget(1);
      const chunked = [conv2d(x, w, bias, p), conv2dBackwardInput(dy, w, p), conv2dBackwardWeight(dy, x, p)];
      expect(Array.from(chunked[0]!)).toEqual(Array.from(whole[0]!));
      expect(Array.from(chunked[1]!)).toEqual(Array.from(whole[1]!));
      const bound = Array.from(whole[2]!, (v) => Math.abs(v) + 1);
      expectClose(chunked[2]!, whole[2]!, bound, 1e-5, 'conv2dBackwardWeight chunked');
    });
  }
});
