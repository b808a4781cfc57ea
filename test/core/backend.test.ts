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
});
