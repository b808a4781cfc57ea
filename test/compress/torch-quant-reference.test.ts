// int8 quantization against PyTorch 1.13, bit for bit: the observers' scales and zero points, the codes of
// quantize_per_tensor and quantize_per_channel (through the wasm kernel and the JS loop), and fake quantization.
// The JSON is written by test/fixtures/torch/make_quant_fixtures.py (Debian python3-torch); no Python runs here.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../core/index.js';
import { affineQParams, quantizePerChannel, quantizePerTensor } from '../../core/quantized.js';
import { getGemmImpl, setGemmImpl } from '../../kernels/cpu/index.js';
import { Observer } from '../../compress/observers.js';
import { fakeQuantize, fakeQuantizeWeight } from '../../compress/qat.js';
import { encodeSparse } from '../../compress/sparse-format.js';

interface Ref {
  torch: string;
  perTensor: { name: string; x: number[]; min: number; max: number; scale: number; zeroPoint: number; q: number[] }[];
  given: { scale: number; zeroPoint: number; x: number[]; q: number[] }[];
  perChannel: { name: string; shape: number[]; w: number[]; scale: number[]; q: number[] }[];
  fakeQuant: { name: string; scale: number; zeroPoint: number; y: number[] }[];
  fakeQuantWeight: { name: string; y: number[] }[];
}
const ref = JSON.parse(readFileSync(new URL('../fixtures/torch/quant-reference.json', import.meta.url), 'utf8')) as Ref;

/** Indices where two arrays differ, for a message that shows the first few. */
function mismatches(got: ArrayLike<number>, want: ArrayLike<number>): string {
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) if (!Object.is(got[i] + 0, want[i] + 0)) bad.push(`[${i}] ${got[i]} != ${want[i]}`);
  return got.length !== want.length ? `length ${got.length} != ${want.length}` : bad.join(', ');
}

describe(`int8 quantization agrees with PyTorch ${ref.torch} bit for bit`, () => {
  const impl = getGemmImpl();
  afterAll(() => setGemmImpl(impl));

  it("MinMaxObserver's scale and zero point (qint8, per-tensor affine) are affineQParams' and a min-max Observer's", () => {
    for (const e of ref.perTensor) {
      expect(affineQParams(e.min, e.max), e.name).toEqual({ scale: e.scale, zeroPoint: e.zeroPoint });
      const obs = new Observer({ kind: 'minmax' });
      obs.observe(new Tensor(Float32Array.from(e.x), [e.x.length]));
      expect(affineQParams(...obs.range()), e.name).toEqual({ scale: e.scale, zeroPoint: e.zeroPoint });
    }
  });

  for (const cores of ['wasm', 'js'] as const) {
    it(`quantize_per_tensor's codes, at the observers' scales and on values a half step apart (${cores})`, () => {
      setGemmImpl(cores);
      for (const e of [...ref.perTensor, ...ref.given.map((g) => ({ ...g, name: `scale ${g.scale} zero point ${g.zeroPoint}` }))]) {
        const q = quantizePerTensor(new Tensor(Float32Array.from(e.x), [e.x.length]), e.scale, e.zeroPoint).data;
        expect(mismatches(q, e.q), e.name).toBe('');
      }
      setGemmImpl(impl);
    });
  }

  it("PerChannelMinMaxObserver (symmetric, [-127, 127]) and quantize_per_channel: quantizePerChannel's scales and codes, and the sparse int8 format's", () => {
    for (const e of ref.perChannel) {
      const { q, scale } = quantizePerChannel(new Tensor(Float32Array.from(e.w), e.shape));
      expect(Array.from(scale), e.name).toEqual(e.scale);
      expect(mismatches(q.data, e.q), e.name).toBe('');
      // the sparse format stores the nonzero weights' codes in order
      const sparse = encodeSparse(Float32Array.from(e.w), e.shape, 'int8');
      expect(Array.from(sparse.scale!), e.name).toEqual(e.scale);
      const nonzero = e.q.filter((_, i) => e.w[i] !== 0);
      expect(mismatches(Array.from(sparse.values).filter((_, i) => sparse.gaps[i] !== 255 || sparse.values[i] !== 0), nonzero), e.name).toBe('');
    }
  });

  it('fake_quantize_per_tensor_affine and fake_quantize_per_channel_affine: fakeQuantize and fakeQuantizeWeight (QAT)', () => {
    for (const e of ref.fakeQuant) {
      const x = ref.perTensor.find((p) => p.name === e.name)!.x;
      const y = fakeQuantize(new Tensor(Float32Array.from(x), [x.length]), e.scale, e.zeroPoint).data;
      expect(mismatches(y, e.y), e.name).toBe('');
    }
    for (const e of ref.fakeQuantWeight) {
      const w = ref.perChannel.find((p) => p.name === e.name)!;
      const y = fakeQuantizeWeight(new Tensor(Float32Array.from(w.w), w.shape)).data;
      expect(mismatches(y, e.y), e.name).toBe('');
    }
  });
});
