// conv2d (im2col + GEMM, NCHW) against tfjs-backend-cpu's conv2d (NHWC) on the same work, batch 32,
// plus our two backward kernels on the same shapes; ours on the wasm cores, and on the JS cores for reference.
// Run: npx tsx bench/conv.bench.ts (BENCH_QUICK=1 for a smoke run).

import type { Conv2dParams } from '../kernels/backend.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight, getGemmImpl, getNumThreads, setGemmImpl, setNumThreads, type GemmImpl } from '../kernels/cpu/index.js';
import { benchData, isMain, isQuick, loadTfjsCpu, runSuite, type BenchCase, type SuiteResult } from './harness.js';

const shapes: [string, number, number, number][] = [
  // name, inChannels, outChannels, spatial size; all 3x3, stride 1, pad 1
  ['conv2d 3->64 3x3 32x32 b=32', 3, 64, 32],
  ['conv2d 64->128 3x3 16x16 b=32', 64, 128, 16],
];

export async function main(): Promise<SuiteResult> {
  const tf = await loadTfjsCpu();
  const threads = getNumThreads();
  const impl = getGemmImpl();
  const use = (t: number, i: GemmImpl = impl) => () => { setNumThreads(t); setGemmImpl(i); };
  const batch = isQuick() ? 8 : 32;
  const cases: BenchCase[] = [];
  for (const [label, cin, cout, hw] of shapes) {
    const name = isQuick() ? label.replace('b=32', `b=${batch}`) : label;
    const p: Conv2dParams = { batch, inChannels: cin, inHeight: hw, inWidth: hw, outChannels: cout, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 1 };
    const x = benchData(batch * cin * hw * hw, 1), w = benchData(cout * cin * 9, 2), bias = benchData(cout, 3);
    const tx = tf.tensor4d(benchData(batch * hw * hw * cin, 1), [batch, hw, hw, cin]);
    const tw = tf.tensor4d(benchData(9 * cin * cout, 2), [3, 3, cin, cout]);
    const peer = { name: `tfjs conv2d ${cin}->${cout}`, fn: () => tf.tidy(() => void tf.conv2d(tx, tw, 1, 'same').dataSync()) };
    const ops = 2 * batch * cout * hw * hw * cin * 9;
    const fwd = () => { conv2d(x, w, bias, p); };
    cases.push({ name: `${name} ${impl}`, ops, peer, before: use(1), fn: fwd });
    if (threads > 1) cases.push({ name: `${name} ${impl} pooled x${threads}`, ops, peer, before: use(threads), fn: fwd });
    if (impl === 'wasm') cases.push({ name: `${name} js`, ops, peer, before: use(1, 'js'), fn: fwd });
    // The training backwards (no peer here): same multiply-add count as the forward.
    const dy = benchData(batch * cout * hw * hw, 4);
    cases.push({ name: `${name} ${impl} backward input`, ops, before: use(1), fn: () => { conv2dBackwardInput(dy, w, p); } });
    cases.push({ name: `${name} ${impl} backward weight`, ops, before: use(1), fn: () => { conv2dBackwardWeight(dy, x, p); } });
  }
  try {
    return runSuite('conv', cases);
  } finally {
    use(threads)();
  }
}

if (isMain(import.meta.url)) await main();
