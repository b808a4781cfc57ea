import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchNorm2d, Conv2d, DataLoader, Flatten, Linear, MaxPool2d, Module, ReLU, Random, Sequential, Sigmoid, Tensor, TensorDataset,
  ArgumentError, FormatError, loadTensors, noGrad, randn, saveTensors, tensor,
} from '../../core/index.js';
import { dequantize } from '../../core/quantized.js';
import { Observer } from '../../compress/observers.js';
import { QuantizedConv2d, QuantizedLinear, foldBatchNorm, loadQuantizedModel, quantizeModel, quantizedModelFromTensors, saveQuantizedModel } from '../../compress/quantize.js';
import { convNet, images, maxAbsDiff } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-quant-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe('post-training int8 quantization', () => {
  const model = convNet(1);
  // non-trivial BN statistics
  model.layers[1].train();
  noGrad(() => { for (let i = 0; i < 5; i++) model.forward(images(32, 100 + i).x); });
  model.eval();
  const data = images(64, 7);
  const calib = new DataLoader(data, { batchSize: 16 });
  const ref = noGrad(() => model.forward(data.x));

  it('BN folding is exact in float', () => {
    const folded = new Sequential(...foldBatchNorm(model.layers));
    expect(folded.layers.length).toBe(model.layers.length - 1);
    expect(maxAbsDiff(noGrad(() => folded.forward(data.x)), ref)).toBeLessThan(1e-4);
  });

  it('the int8 model runs every Linear/Conv2d on int8 and stays close to float (min-max, percentile, MSE)', () => {
    const scale = Math.max(...Array.from(ref.data).map(Math.abs));
    for (const kind of ['minmax', 'percentile', 'mse'] as const) {
      const q = quantizeModel(model, calib, { observer: { kind } });
      expect(q.layers.filter((l) => l instanceof QuantizedConv2d).length).toBe(2);
      expect(q.layers.filter((l) => l instanceof QuantizedLinear).length).toBe(2);
      expect(q.parameters().length).toBe(0);
      expect(q.layers[0].stateDict().weightQ.dtype).toBe('int8');
      const out = noGrad(() => q.forward(data.x));
      expect(maxAbsDiff(out, ref) / scale).toBeLessThan(0.08);
    }
    const perTensor = quantizeModel(model, calib, { weights: 'per-tensor' });
    expect(new Set(perTensor.layers[0].stateDict().weightScale.data).size).toBe(1);
  });

  it('a quantized layer equals the float layer run on its dequantized input and weights', () => {
    const q = quantizeModel(model, calib, { fuseRelu: false });
    const ql = q.layers.find((l) => l instanceof QuantizedLinear) as QuantizedLinear;
    const x = randn([5, ql.inFeatures], { rng: new Random(3) });
    const sd = ql.stateDict();
    const xq = dequantize(new Tensor(Int8Array.from(x.data, (v) => Math.max(-128, Math.min(127, Math.round(v / sd.inputScale.data[0]) + sd.inputZeroPoint.data[0]))), x.shape),
      sd.inputScale.data, sd.inputZeroPoint.data);
    const w = dequantize(sd.weightQ, sd.weightScale.data);
    const ref64 = new Float64Array(5 * ql.outFeatures);
    for (let i = 0; i < 5; i++) for (let j = 0; j < ql.outFeatures; j++) {
      let s = sd.bias.data[j];
      for (let k = 0; k < ql.inFeatures; k++) s += xq.data[i * ql.inFeatures + k] * w.data[j * ql.inFeatures + k];
      ref64[i * ql.outFeatures + j] = s;
    }
    const got = ql.forward(x);
    for (let i = 0; i < got.size; i++) expect(Math.abs(got.data[i] - ref64[i])).toBeLessThan(1e-5 * (1 + Math.abs(ref64[i])));
  });

  it('a padded conv keeps its input zero point for the padding (border outputs stay close to float)', () => {
    const conv = new Sequential(new Conv2d(2, 3, 3, { padding: 1, rng: new Random(4) })).eval();
    // Inputs far from 0 put the zero point far from 0: padding filled with q = 0 would be a large real value.
    const x = randn([4, 2, 6, 6], { rng: new Random(5) }).add(3);
    const q = quantizeModel(conv, x);
    expect(Math.abs(q.layers[0].stateDict().inputZeroPoint.data[0])).toBeGreaterThan(50);
    const want = noGrad(() => conv.forward(x)), got = noGrad(() => q.forward(x));
    expect(maxAbsDiff(got, want)).toBeLessThan(0.05);
  });

  it('save/load round trip: the file alone rebuilds a model with identical outputs', () => {
    const q = quantizeModel(model, calib);
    const path = join(dir, 'q.safetensors');
    const bytes = saveQuantizedModel(path, q);
    expect(bytes).toBe(statSync(path).size);
    const q2 = loadQuantizedModel(path);
    expect(q2.specs()).toEqual(q.specs());
    expect(Array.from(noGrad(() => q2.forward(data.x)).data)).toEqual(Array.from(noGrad(() => q.forward(data.x)).data));
    // metadata given is carried; classes that do not match the outputs are refused at load
    saveQuantizedModel(path, q, { input: 'images', classes: JSON.stringify(['x']) });
    expect(() => loadQuantizedModel(path)).toThrow(/q\.safetensors \(__metadata__\.classes\): the metadata lists 1 class \("x"\) where the model has 3 outputs/);
    saveTensors(join(dir, 'bad.safetensors'), { a: tensor([1]) });
    expect(() => loadQuantizedModel(join(dir, 'bad.safetensors'))).toThrow(/bad\.safetensors.*metadata format must be 'whittle-quantized'/);
  });

  it('unsupported layers and models give clear errors', () => {
    class Custom extends Module { forward(x: Tensor): Tensor { return x; } }
    expect(() => quantizeModel(new Sequential(new Linear(4, 4), new Custom()), tensor([[1, 2, 3, 4]])))
      .toThrow(/quantizeModel: cannot quantize layer 1 \(Custom\), supported layers are Linear, Conv2d/);
    expect(() => quantizeModel(new Sequential(new BatchNorm2d(1), new Conv2d(1, 1, 1)), randn([1, 1, 2, 2])))
      .toThrow(/cannot quantize layer 0 \(BatchNorm2d\) unless it follows a Linear or Conv2d/);
    expect(() => quantizeModel(new Custom(), tensor([1]))).toThrow(/quantizeModel: model must be a Sequential, got Custom/);
    expect(() => quantizeModel(new Sequential(new Linear(2, 2)), [])).toThrow(/calibration must hold at least one batch/);
    expect(() => new Observer({ kind: 'bogus' as 'minmax' })).toThrow(/Observer: kind must be one of/);
    // Sigmoid runs in float between int8 layers: allowed.
    expect(() => quantizeModel(new Sequential(new Linear(4, 4), new Sigmoid(), new Linear(4, 2)), randn([3, 4]))).not.toThrow();
  });
});


describe('a damaged layer list (found by test/compress/quantize.fuzz.test.ts)', () => {
  const model = new Sequential(new Conv2d(1, 2, 3, { rng: new Random(0), padding: 1 }), new ReLU(), new Flatten(), new Linear(2 * 4 * 4, 3, { rng: new Random(1) })).eval();
  const x = randn([2, 1, 4, 4], { rng: new Random(2) });
  const path = join(dir, 'layers.safetensors');
  saveQuantizedModel(path, quantizeModel(model, x));
  const { tensors, metadata } = loadTensors(path);
  const layers = JSON.parse(metadata.layers!) as Record<string, unknown>[];
  const withLayer = (i: number, change: Record<string, unknown>, drop?: string) => {
    const copy = layers.map((l) => ({ ...l }));
    Object.assign(copy[i]!, change);
    if (drop) delete copy[i]![drop];
    return () => quantizedModelFromTensors(tensors, { ...metadata, layers: JSON.stringify(copy) }, 'q.safetensors');
  };

  it('a missing or mistyped field is a FormatError naming the file and the field (had been "full: dimensions must be non-negative")', () => {
    expect(withLayer(3, {}, 'inFeatures')).toThrow(FormatError);
    expect(withLayer(3, {}, 'inFeatures')).toThrow(/^q\.safetensors \(metadata\.layers\): quantized model: layers\[3\]\.inFeatures must be an integer >= 1, got undefined$/);
    expect(withLayer(0, { outChannels: null })).toThrow(/^q\.safetensors \(metadata\.layers\): quantized model: layers\[0\]\.outChannels must be an integer >= 1, got null$/);
    expect(withLayer(0, { kernel: 3 })).toThrow(/layers\[0\]\.kernel must be a pair of integers >= 1, got 3$/);
    expect(withLayer(0, { groups: 3 })).toThrow(/layers\[0\]\.groups must be a divisor of inChannels 1 and outChannels 2, got 3$/);
    expect(withLayer(1, { type: 'Swish' })).toThrow(/layers\[1\]\.type must be a layer type this whittle saves, got "Swish" \(a string\)$/);
    expect(withLayer(2, { startDim: '1' })).toThrow(/layers\[2\]\.startDim must be an integer, got "1" \(a string\)$/);
  });

  it('a layer declaring more weights than the file holds is refused before it is allocated', () => {
    expect(withLayer(3, { inFeatures: 1e9 })).toThrow(/^q\.safetensors \(metadata\.layers\): the architecture declares 3,000,000,018 weights where the file holds \d+ values$/);
  });

  it('a padding too large for any output is an ArgumentError from the conv, not a RangeError', () => {
    const q = withLayer(0, { padding: 2 ** 31 })();
    expect(() => q.forward(x)).toThrow(ArgumentError);
    expect(() => q.forward(x)).toThrow(/^quantizedConv2d: the output must fit in memory, got \[2,2,4294967298,4294967298\] from input \[2,1,4,4\], kernel \[2,1,3,3\], padding \[2147483648,2147483648\]/);
  });
});
