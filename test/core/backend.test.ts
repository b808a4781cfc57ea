import { afterEach, describe, expect, it } from 'vitest';
import { useBackend, getBackend, setBackend } from '../../core/backend.js';
import { cpuBackend } from '../../kernels/cpu/index.js';
import { randn } from '../../core/tensor.js';
import { Random } from '../../core/random.js';
import { lenet5 } from '../../core/nn/models.js';
import { predict } from '../../core/train.js';

describe('backend selection', () => {
  afterEach(() => { setBackend(cpuBackend); });
  it('starts on the CPU and switches to gpu.js only when asked, running a whole model there', async () => {
    expect(getBackend().name).toBe('cpu');
    const model = lenet5(3);
    const x = randn([4, 1, 28, 28], { rng: new Random(1) });
    const onCpu = predict(model, x);
    await useBackend('gpu', { mode: 'webasm' });
    expect(getBackend().name).toBe('gpu.js:webasm');
    const onGpu = predict(model, x);
    onGpu.data.forEach((v, i) => expect(v).toBeCloseTo(onCpu.data[i], 3));
    await useBackend('cpu');
    expect(getBackend()).toBe(cpuBackend);
  });

  it('refuses a backend name it does not know and anything but a backend object, staying where it was', async () => {
    await expect(useBackend('cuda' as 'gpu')).rejects.toThrow("useBackend: name must be 'cpu' or 'gpu', got \"cuda\"");
    await expect(useBackend('Cpu' as 'cpu')).rejects.toThrow(/^useBackend: name must be 'cpu' or 'gpu', got "Cpu"$/);
    expect(() => setBackend('gpu' as never)).toThrow(`setBackend: needs a backend object (kernels/backend.ts Backend); to select one by name use useBackend("gpu"), got "gpu"`);
    expect(() => setBackend(null as never)).toThrow(/^setBackend: needs a backend object .*, got null$/);
    expect(() => setBackend({} as never)).toThrow(/^setBackend: needs a backend object .*, got an object without matmul, conv2d, /);
    expect(getBackend()).toBe(cpuBackend);
  });
});
