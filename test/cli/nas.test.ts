// whittle nas: the Pareto table in the search's own objectives, and the image metadata its saved model keeps
// (the end-to-end run goes through the real bin, dist/cli/main.js, built by `npm test` first).
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { paretoTable } from '../../cli/commands/nas.js';
import { encodeIdx } from '../../core/data/idx.js';
import { loadTensors } from '../../core/io/model-file.js';
import type { NasResult } from '../../search/nas/nas.js';

const BIN = resolve('dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'whittle-nas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A result with two trials on its front; latency measured only when it is an objective, as nas() does. */
function result(objectives: NasResult['objectives']): NasResult {
  const trial = (index: number, accuracy: number, params: number, latencyMs: number) => ({
    index, state: 'complete', config: { family: 'mlp', width1: params / 100 },
    metrics: { accuracy, params, macs: params, nonzeroParams: params, epochs: 1, ...(objectives.includes('latency') ? { latencyMs } : {}) },
  });
  const front = [trial(3, 0.9, 5000, 0.25), trial(1, 0.8, 1200, 0.125)];
  return { objectives, directions: [], paretoFront: front, trials: front, history: [], epochsSpent: 2, elapsedMs: 1 } as unknown as NasResult;
}

describe('paretoTable', () => {
  it('titles the front with the objectives searched and shows latency only when it was measured (had been: a latency column of NaN)', () => {
    expect(paretoTable(result(['accuracy', 'params'])).split('\n')).toEqual([
      'Pareto front (accuracy vs parameters):',
      '  trial   val acc     params   architecture',
      '      1    80.00%       1200   {"family":"mlp","width1":12}',
      '      3    90.00%       5000   {"family":"mlp","width1":50}',
    ]);
    expect(paretoTable(result(['accuracy', 'params', 'latency'])).split('\n')).toEqual([
      'Pareto front (accuracy vs parameters vs latency):',
      '  trial   val acc     params   latency ms   architecture',
      '      1    80.00%       1200        0.125   {"family":"mlp","width1":12}',
      '      3    90.00%       5000        0.250   {"family":"mlp","width1":50}',
    ]);
    expect(paretoTable(result(['accuracy'])).split('\n')[0]).toBe('Pareto front (accuracy):');
  });
});

describe.skipIf(!existsSync(BIN))('whittle nas on images', () => {
  it('saves the chosen model with the shape and the normalization it was searched on, so predict reads its images so', () => {
    const n = 40;
    writeFileSync(join(dir, 'images.idx'), encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: Uint8Array.from({ length: n * 784 }, (_, i) => (i * 11) % 256) }));
    writeFileSync(join(dir, 'labels.idx'), encodeIdx({ dtype: 'uint8', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) }));
    const r = spawnSync(process.execPath, [BIN, 'nas', '--images', 'images.idx', '--labels', 'labels.idx', '--space', 'mlp', '--strategy', 'random', '--trials', '2', '--epochs', '1', '--retrain-epochs', '1', '--objectives', 'accuracy,params', '--out', 'nas.safetensors', '--quiet'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Pareto front \(accuracy vs parameters\):\n {2}trial {3}val acc {5}params {3}architecture$/m);
    expect(r.stdout).not.toMatch(/NaN|latency/);
    const { metadata } = loadTensors(join(dir, 'nas.safetensors'));
    expect([metadata.input, metadata.shape, metadata.normalize]).toEqual(['images', '[1,28,28]', '{"mean":0.1307,"std":0.3081}']);
    // recorded, so predict reads the pixels without a word on how
    const p = spawnSync(process.execPath, [BIN, 'predict', 'nas.safetensors', '--images', 'images.idx', '--labels', 'labels.idx', '--out', 'p.csv'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(p.status, p.stderr).toBe(0);
    expect(p.stderr).not.toMatch(/normaliz/);
  });

  it('--objectives takes what the search measures (macs had been offered, then refused by the search as \'objectives must be accuracy, params or latency\')', () => {
    const r = spawnSync(process.execPath, [BIN, 'nas', '--objectives', 'accuracy,macs', '--trials', '1'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('whittle: nas: --objectives must be among accuracy, params, latency, got macs');
    const own = spawnSync(process.execPath, [BIN, 'nas', '--objectives', 'accuracy,toString', '--trials', '1'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(own.stderr.split('\n')[0]).toBe('whittle: nas: --objectives must be among accuracy, params, latency, got toString');
  });
});
