// whittle train refusing what would save a useless model (a diverged run, no training rows) or crash (a layer too
// large to allocate, a broken IDX file), through the real bin (dist/cli/main.js, built by `npm test` first).
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeCsv } from '../../core/data/csv.js';
import { encodeIdx } from '../../core/data/idx.js';
import * as datasets from '../../core/data/datasets.js';
import { loadSafetensors } from '../../core/io/safetensors.js';
import { trainedLr } from '../../cli/commands/compress.js';

const BIN = resolve('dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'whittle-train-'));

function whittle(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(BIN))('whittle train', () => {
  beforeAll(() => {
    writeCsv(join(dir, 'iris.csv'), datasets.iris({ target: null }));
  });

  it('a run that diverges stops at the first NaN with exit 1, names where, suggests a lower --lr and leaves --out alone', () => {
    writeFileSync(join(dir, 'kept.safetensors'), 'an older model');
    const t = whittle('train', '--data', 'iris.csv', '--target', 'species', '--model', 'mlp:8', '--epochs', '2', '--lr', '1e6', '--out', 'kept.safetensors');
    expect(t.code, t.stderr).toBe(1);
    expect(t.stderr).toMatch(/^whittle train: training diverged at epoch \d, batch \d of 3 \(lr [\d.]+e\+[56]\): (the loss is NaN|the step left parameter \S+ \[[\d,]+\] non-finite); try a lower --lr than 1000000; the model was not saved$/m);
    expect(t.stderr).not.toMatch(/loss NaN|^saved /m);
    expect(readFileSync(join(dir, 'kept.safetensors'), 'utf8')).toBe('an older model');
  });

  it('refuses a --val that holds out every row, naming the row count, and saves nothing', () => {
    writeFileSync(join(dir, 'tiny.csv'), 'a,y\n1,x\n2,y\n3,x\n4,y\n');
    const t = whittle('train', '--data', 'tiny.csv', '--target', 'y', '--val', '0.99', '--out', 'tiny.safetensors');
    expect(t.code, t.stderr).toBe(1);
    expect(t.stderr.trim()).toBe('whittle train: --val 0.99 must leave rows to train on, got none: tiny.csv has 4 rows and all were held out for validation; lower --val');
    expect(existsSync(join(dir, 'tiny.safetensors'))).toBe(false);
  });

  it('with no validation rows says so once and prints no validation figures (had been: val acc 0.00%)', () => {
    writeFileSync(join(dir, 'one.csv'), 'a,y\n1,x\n');
    const t = whittle('train', '--data', 'one.csv', '--target', 'y', '--epochs', '1', '--out', 'one.safetensors', '--report', 'one.html');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toContain('on 1 row, no validation rows (--val 0.1 of 1 row rounds to none)');
    expect(t.stderr + t.stdout).not.toMatch(/val acc|val loss|validation accuracy/);
    expect(readFileSync(join(dir, 'one.html'), 'utf8')).toContain('No validation rows (--val 0.1 of 1 row rounds to none).');
    const v = whittle('train', '--data', 'iris.csv', '--target', 'species', '--epochs', '1', '--out', 'iris.safetensors');
    expect(v.stderr).toMatch(/on 135 rows, validating on 15\n[^]*val acc \d+\.\d\d%/);
    // the held-out score, the run's result, alone on stdout
    expect(v.stdout).toMatch(/^validation accuracy \d+\.\d\d%\n$/);
  });

  it('an MLP too wide for memory is refused before any allocation, naming the widest layer (had been: killed, or exit 70)', () => {
    // 1e18 parameters: past any machine's memory, so the refusal does not depend on where the test runs
    const t = whittle('train', '--data', 'iris.csv', '--target', 'species', '--model', 'mlp:1e9,1e9', '--out', 'wide.safetensors');
    expect(t.code, t.stderr).toBe(1);
    expect(t.stderr.trim()).toMatch(/^whittle train: --model mlp:1e9,1e9 must fit in memory, got 1,000,000,00\d,000,00\d,00\d parameters \([\d.]+ GiB as float32, about [\d.]+ GiB to train\), most in layer 2 \(Linear 1,000,000,000 -> 1,000,000,000\); this machine has [\d.]+ GiB$/);
    expect(existsSync(join(dir, 'wide.safetensors'))).toBe(false);
  });

  it('a JSON spec too large for memory gets the same refusal as an MLP, naming its largest layer (had been: a tensor allocation error)', () => {
    const spec = { type: 'Sequential', layers: [{ type: 'Linear', in: 4, out: 8 }, { type: 'ReLU' }, { type: 'Linear', in: 8, out: 1e9 }, { type: 'Linear', in: 1e9, out: 3 }, { type: 'Sequential', layers: [{ type: 'Linear', in: 3, out: 1e9 }, { type: 'Linear', in: 1e9, out: 1e9, bias: false }] }] };
    writeFileSync(join(dir, 'huge.json'), JSON.stringify(spec));
    const t = whittle('train', '--data', 'iris.csv', '--target', 'species', '--model', 'huge.json', '--out', 'huge.safetensors');
    expect(t.code, t.stderr).toBe(1);
    // 4*8+8 + 8e9+1e9 + 3e9+3 + 3e9+1e9 + 1e18, past float64's integers: 1.000000016e18
    expect(t.stderr.trim()).toMatch(/^whittle train: --model huge\.json must fit in memory, got 1,000,000,01[56],\d{3},\d{3},\d{3} parameters \([\d.]+ GiB as float32, about [\d.]+ GiB to train\), most in huge\.json\.layers\[4\]\.layers\[1\] \(Linear 1,000,000,000 -> 1,000,000,000\); this machine has [\d.]+ GiB$/);
    expect(existsSync(join(dir, 'huge.safetensors'))).toBe(false);
  });

  it('a JSON spec with BatchNorm trains on rows that leave a last batch of one (135 = 2 * 67 + 1), which it leaves out', () => {
    const spec = { type: 'Sequential', layers: [{ type: 'Linear', in: 4, out: 8 }, { type: 'BatchNorm1d', features: 8 }, { type: 'ReLU' }, { type: 'Linear', in: 8, out: 3 }] };
    writeFileSync(join(dir, 'bn.json'), JSON.stringify(spec));
    const t = whittle('train', '--data', 'iris.csv', '--target', 'species', '--model', 'bn.json', '--batch-size', '67', '--epochs', '2', '--out', 'bn.safetensors');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toContain('on 135 rows, validating on 15');
    const saved = loadSafetensors(join(dir, 'bn.safetensors')).tensors.get('1.num_batches_tracked')!;
    expect(Number(saved.data[0])).toBe(4); // 2 batches an epoch, the one-row batch left out
  });

  it("the user's IDX files: no images, a label past LeNet's 10 classes, a wrong dimension count are each named with the file", () => {
    const images = (n: number) => encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: new Uint8Array(n * 784) });
    writeFileSync(join(dir, 'none.idx'), images(0));
    writeFileSync(join(dir, 'none-labels.idx'), encodeIdx({ dtype: 'uint8', shape: [0], data: new Uint8Array(0) }));
    writeFileSync(join(dir, 'images.idx'), images(16));
    writeFileSync(join(dir, 'labels.idx'), encodeIdx({ dtype: 'uint8', shape: [16], data: Uint8Array.from({ length: 16 }, (_, i) => (i === 5 ? 200 : i % 10)) }));
    const fourDims = images(16);
    fourDims[3] = 4;
    writeFileSync(join(dir, 'four.idx'), fourDims);
    const run = (img: string, lab: string) => whittle('train', '--images', img, '--labels', lab, '--model', 'lenet300100', '--epochs', '1', '--out', 'idx.safetensors');
    const cases: [string, string, string][] = [
      ['none.idx', 'none-labels.idx', 'whittle train: none.idx (byte 4): holds 0 images; train needs at least one'],
      ['images.idx', 'labels.idx', 'whittle train: labels.idx (byte 13): label 200 at item 5 is not one of the 10 classes of --model lenet300100 (0 to 9); for more classes use --model mlp:H1,H2,... (as many outputs as the labels need) or a JSON spec'],
      ['four.idx', 'labels.idx', 'whittle train: four.idx (byte 3): idx: images need 3 dimensions (n, rows, cols), the header says 4'],
    ];
    for (const [img, lab, message] of cases) {
      const t = run(img, lab);
      expect(t.code, t.stderr).toBe(1);
      expect(t.stderr.trim()).toBe(message);
    }
    expect(existsSync(join(dir, 'idx.safetensors'))).toBe(false);
  });

  it('images take their class count from the model: a spec\'s outputs, an MLP\'s from the labels (had been: 10 whatever the model, and a spec of 27 outputs refused letters 1 to 26)', () => {
    const n = 30;
    writeFileSync(join(dir, 'letters.idx'), encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: Uint8Array.from({ length: n * 784 }, (_, i) => (i * 13) % 256) }));
    writeFileSync(join(dir, 'letters-labels.idx'), encodeIdx({ dtype: 'uint8', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => 1 + (i % 26)) }));
    const spec = { type: 'Sequential', layers: [{ type: 'Flatten' }, { type: 'Linear', in: 784, out: 16 }, { type: 'ReLU' }, { type: 'Linear', in: 16, out: 27 }] };
    writeFileSync(join(dir, 'letters.json'), JSON.stringify(spec));
    const outputs = (file: string) => (JSON.parse(loadSafetensors(join(dir, file)).metadata.arch).layers.at(-1) as { out: number }).out;
    const t = whittle('train', '--images', 'letters.idx', '--labels', 'letters-labels.idx', '--model', 'letters.json', '--epochs', '1', '--out', 'letters.safetensors');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/^27 classes: the outputs of --model letters\.json \(labels 0 to 26\)$/m);
    expect(outputs('letters.safetensors')).toBe(27);
    // an MLP is built with as many outputs as the labels need; predict reads the labels against them
    const m = whittle('train', '--images', 'letters.idx', '--labels', 'letters-labels.idx', '--model', 'mlp:8', '--epochs', '1', '--out', 'letters-mlp.safetensors');
    expect(m.code, m.stderr).toBe(0);
    expect(outputs('letters-mlp.safetensors')).toBe(27);
    const p = whittle('predict', 'letters-mlp.safetensors', '--images', 'letters.idx', '--labels', 'letters-labels.idx');
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/^accuracy [\d.]+% on 30 labelled rows$/m);
    // a few digits still make a 10-digit MLP, said by nothing
    writeFileSync(join(dir, 'four-labels.idx'), encodeIdx({ dtype: 'uint8', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 4) }));
    const d = whittle('train', '--images', 'letters.idx', '--labels', 'four-labels.idx', '--model', 'mlp:8', '--epochs', '1', '--out', 'digits.safetensors');
    expect(d.code, d.stderr).toBe(0);
    expect(outputs('digits.safetensors')).toBe(10);
    expect(d.stderr).not.toMatch(/classes/);
  });

  it('a spec with too few outputs names the labels and the spec (had been: a bare oneHot error)', () => {
    writeFileSync(join(dir, 'five.json'), JSON.stringify({ type: 'Sequential', layers: [{ type: 'Flatten' }, { type: 'Linear', in: 784, out: 5 }] }));
    writeFileSync(join(dir, 'digits.idx'), encodeIdx({ dtype: 'uint8', shape: [8, 28, 28], data: new Uint8Array(8 * 784) }));
    writeFileSync(join(dir, 'digits-labels.idx'), encodeIdx({ dtype: 'uint8', shape: [8], data: Uint8Array.from([0, 1, 2, 3, 4, 7, 1, 9]) }));
    const t = whittle('train', '--images', 'digits.idx', '--labels', 'digits-labels.idx', '--model', 'five.json', '--epochs', '1', '--out', 'five.safetensors');
    expect(t.code).toBe(1);
    expect(t.stderr.trim()).toBe('whittle train: digits-labels.idx (byte 13): label 7 at item 5 is not one of the 5 classes of --model five.json (0 to 4); the labels run to 9: its last layer needs 10 outputs');
    // MNIST's own labels: no file to name
    const mnist = whittle('train', '--data', 'mnist', '--limit', '20', '--model', 'five.json', '--epochs', '1', '--out', 'five.safetensors');
    expect(mnist.code).toBe(1);
    expect(mnist.stderr.trim()).toMatch(/^whittle train: MNIST's label [5-9] at item \d+ is not one of the 5 classes of --model five\.json \(0 to 4\); the labels run to 9: its last layer needs 10 outputs$/);
    // a table: the outputs must be its classes, or predict would refuse the file it saved
    writeFileSync(join(dir, 'iris5.json'), JSON.stringify({ type: 'Sequential', layers: [{ type: 'Linear', in: 4, out: 5 }] }));
    const table = whittle('train', '--data', 'iris.csv', '--target', 'species', '--model', 'iris5.json', '--epochs', '1', '--out', 'five.safetensors');
    expect(table.code).toBe(1);
    expect(table.stderr.trim()).toBe('whittle train: --model iris5.json gives 5 outputs; species in iris.csv has 3 classes (setosa, versicolor, virginica)');
    expect(existsSync(join(dir, 'five.safetensors'))).toBe(false);
  });

  it('a spec whose layers do not fit the data is refused before training, naming the spec, the data and the layer (had been: a bare linear error)', () => {
    writeFileSync(join(dir, 'narrow.json'), JSON.stringify({ type: 'Sequential', layers: [{ type: 'Flatten' }, { type: 'Linear', in: 784, out: 64 }, { type: 'ReLU' }, { type: 'Linear', in: 100, out: 10 }] }));
    writeFileSync(join(dir, 'fit.idx'), encodeIdx({ dtype: 'uint8', shape: [4, 28, 28], data: new Uint8Array(4 * 784) }));
    writeFileSync(join(dir, 'fit-labels.idx'), encodeIdx({ dtype: 'uint8', shape: [4], data: Uint8Array.from([0, 1, 2, 3]) }));
    const t = whittle('train', '--images', 'fit.idx', '--labels', 'fit-labels.idx', '--model', 'narrow.json', '--epochs', '1', '--out', 'narrow.safetensors');
    expect(t.code).toBe(1);
    expect(t.stderr.trim()).toBe('whittle train: --model narrow.json does not fit the 28x28 images (1 channel) of fit.idx: layer 3, Linear(100, 10), gets [1,64]: linear: input features must equal weight columns, got [1,64] and [10,100]');
    writeFileSync(join(dir, 'wide-in.json'), JSON.stringify({ type: 'Sequential', layers: [{ type: 'Linear', in: 5, out: 3 }] }));
    const table = whittle('train', '--data', 'iris.csv', '--target', 'species', '--model', 'wide-in.json', '--epochs', '1', '--out', 'narrow.safetensors');
    expect(table.code).toBe(1);
    expect(table.stderr.trim()).toBe('whittle train: --model wide-in.json does not fit iris.csv\'s rows (4 features after preprocessing): layer 0, Linear(5, 3), gets [1,4]: linear: input features must equal weight columns, got [1,4] and [3,5]');
    expect(existsSync(join(dir, 'narrow.safetensors'))).toBe(false);
  });

  it('records the learning rate with the model, and compress retrains from it unless --lr says otherwise', () => {
    const t = whittle('train', '--data', 'iris.csv', '--target', 'species', '--model', 'mlp:8', '--epochs', '1', '--lr', '0.02', '--out', 'lr.safetensors');
    expect(t.code, t.stderr).toBe(0);
    const metadata = loadSafetensors(join(dir, 'lr.safetensors')).metadata;
    expect([metadata.lr, metadata.optimizer]).toEqual(['0.02', 'sgd']);
    expect(trainedLr(undefined, metadata)).toBe(0.02);
    expect(trainedLr(0.1, metadata)).toBe(0.1);
    // no record (an older file, another tool) or an Adam rate (retraining is SGD): compress's own default
    expect(trainedLr(undefined, {})).toBe(0.05);
    expect(trainedLr(undefined, { lr: '0.001', optimizer: 'adam' })).toBe(0.05);
  });

  it('says how many rows it left out for having no target', () => {
    const rows = readFileSync(join(dir, 'iris.csv'), 'utf8').split('\n');
    // the class (last field) of every tenth row blanked
    writeFileSync(join(dir, 'blanks.csv'), rows.map((l, i) => (i > 0 && i % 10 === 0 ? l.replace(/,[^,]*$/, ',') : l)).join('\n'));
    const t = whittle('train', '--data', 'blanks.csv', '--target', 'species', '--model', 'mlp:8', '--epochs', '1', '--out', 'blanks.safetensors');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toContain('15 of the 150 rows have no species and are left out');
  });

  it('with no --epochs trains a small table for about 1,500 steps, not 3 epochs (Iris had stayed at one class, 33%)', () => {
    const t = whittle('train', '--data', 'iris.csv', '--target', 'species', '--out', 'steps.safetensors', '--seed', '2');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toContain('300 epochs (900 steps): the default is about 1,500 steps in 3 to 300 epochs; --epochs to choose');
    // the 300 epoch lines are thinned to a readable curve that still ends at the last one
    const lines = t.stderr.split('\n').filter((l) => /^epoch \d+\/300 /.test(l));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.length).toBeLessThan(20);
    expect(lines.at(-1)).toMatch(/^epoch 300\/300 /);
    expect(Number(/validation accuracy ([\d.]+)%/.exec(t.stdout)![1])).toBeGreaterThanOrEqual(90);
    // epochs the user asks for print each
    const asked = whittle('train', '--data', 'iris.csv', '--target', 'species', '--epochs', '20', '--out', 'asked.safetensors');
    expect(asked.stderr.split('\n').filter((l) => /^epoch \d+\/20 /.test(l))).toHaveLength(20);
    expect(asked.stderr).not.toContain('the default is about');
    // compress's retraining gets its own step budget on the same table: pruning 90% then costs little accuracy
    const c = whittle('compress', 'steps.safetensors', '--data', 'iris.csv', '--out-dir', 'steps-compressed', '--seed', '2');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/^retraining \d+ epochs a round \(about 300 steps on \d+ rows; --epochs-per-round to choose\)$/m);
    const acc = (stage: string) => Number(new RegExp(`^${stage}: acc ([\\d.]+)%`, 'm').exec(c.stderr)![1]);
    expect(acc('pruned \\+ retrained \\(sparse f32\\)')).toBeGreaterThanOrEqual(acc('dense float32') - 5);
  });

  it('images keep 3 epochs by default however few there are (a step budget made --limit 1000 of LeNet-5 take minutes)', () => {
    const n = 40;
    writeFileSync(join(dir, 'few.idx'), encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: Uint8Array.from({ length: n * 784 }, (_, i) => (i * 7) % 256) }));
    writeFileSync(join(dir, 'few-labels.idx'), encodeIdx({ dtype: 'uint8', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) }));
    const t = whittle('train', '--images', 'few.idx', '--labels', 'few-labels.idx', '--model', 'mlp:8', '--out', 'few.safetensors');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/^epoch 3\/3 /m);
    expect(t.stderr).not.toMatch(/steps\): the default/);
  });

  it('a built-in table trains on its own label without --target, and a --target in the wrong case names the column meant', () => {
    const t = whittle('train', '--data', 'iris', '--epochs', '1', '--out', 'builtin.safetensors');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/^target: species, the iris table's label \(--target to choose another column\)$/m);
    expect(loadSafetensors(join(dir, 'builtin.safetensors')).metadata.target).toBe('species');
    const r = whittle('rules', '--data', 'penguins', '--folds', '0');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^target: Species, the penguins table's label/m);
    const a = whittle('automl', '--data', 'cars', '--trials', '2', '--workers', '1', '--out', 'cars.json');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/^target: Origin, the cars table's label[^]*classification into 3 classes/m);
    const wrong = whittle('train', '--data', 'penguins', '--target', 'species', '--epochs', '1', '--out', 'case.safetensors');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('--target must name a column of penguins, got "species" (did you mean "Species"?); columns: Island,');
    const file = whittle('train', '--data', 'iris.csv', '--epochs', '1');
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('train: --target is required: name the column to predict');
  });

  it('predict refuses rows whose values overflow float32 in the network, naming the file, rows and input, where it had printed the first class with NaN probabilities', () => {
    const t = whittle('train', '--data', 'penguins', '--epochs', '2', '--out', 'far.safetensors');
    expect(t.code, t.stderr).toBe(0);
    const header = 'Species,Island,Beak Length (mm),Beak Depth (mm),Flipper Length (mm),Body Mass (g),Sex';
    writeFileSync(join(dir, 'far.csv'), `${header}\n,Biscoe,45,17,200,4000,MALE\n,Biscoe,1e300,-1e300,1e300,-1e300,MALE\n`);
    const p = whittle('predict', 'far.safetensors', '--data', 'far.csv', '--proba');
    expect(p.code).toBe(1);
    expect(p.stdout).toBe('');
    expect(p.stderr).toMatch(/^whittle predict: far\.csv: every row must be one the network can compute \(it works in float32, up to 3\.4e38\), got no finite output for row 1 of 2; row 1's largest input after preprocessing is "[^"]+" = -?[\d.]+e\+299$/m);
    // the readable row alone predicts
    writeFileSync(join(dir, 'near.csv'), `${header}\n,Biscoe,45,17,200,4000,MALE\n`);
    const ok = whittle('predict', 'far.safetensors', '--data', 'near.csv', '--proba');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.split('\n')[1]).toMatch(/^0,(Adelie|Chinstrap|Gentoo),[\d.]+(,[\d.]+){3}$/);
  });
});
