// The engine in a browser: the package's main entry (dist/core/index.js) and every module it imports load with no
// Node built-in imported at the top of a module (a browser cannot resolve 'node:fs'), and in headless Chromium (when
// installed: .ci/run installs Debian's chromium) it trains a small network, moves its weights through safetensors
// bytes, and a file helper says it needs Node.
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
  it('imports no Node built-in and no package at the top of any module of the main entry', () => {
    const closure = importClosure(entry);
    expect(closure.size).toBeGreaterThan(30);
    const outside = [...closure].flatMap(([file, specs]) => specs.filter((s) => !s.startsWith('.')).map((s) => `${file.slice(root.length + 1)}: ${s}`));
    expect(outside).toEqual([]);
  });

  const chromium = findChromium();
  let server: Server | undefined;
  afterAll(() => server?.close());

  it.skipIf(!chromium)('trains a network in headless Chromium, round-trips its weights through safetensors bytes, and a file helper asks for Node', async () => {
    const page = `<!doctype html><meta charset="utf-8"><body>running</body><script type="module">
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
    </script>`;
    const types: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html' };
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const file = url.pathname === '/' ? null : join(root, decodeURIComponent(url.pathname));
      if (file === null) {
        res.writeHead(200, { 'content-type': 'text/html' }).end(page);
        return;
      }
      if (!file.startsWith(join(root, 'dist')) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    const profile = mkdtempSync(join(tmpdir(), 'whittle-chrome-'));
    try {
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--virtual-time-budget=30000', '--dump-dom'];
      const { stdout } = await promisify(execFile)(chromium!, [...flags, `http://127.0.0.1:${port}/`], { encoding: 'utf8', timeout: 90_000 });
      const json = /RESULT(\{.*\})/s.exec(stdout)?.[1];
      expect(json, stdout.slice(0, 400)).toBeDefined();
      const out = JSON.parse(json!.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
      expect(out.error).toBeUndefined();
      expect(out.last).toBeLessThan(out.first / 10);
      expect(out.pred).toEqual([0, 1, 1, 0]);
      expect(out.metadata).toEqual({ note: 'from a browser' });
      expect(out.tensors).toBe(4);
      expect(out.sameWeights).toBe(true);
      expect(out.fileError).toBe("readCsv: needs Node's fs module (Node 20.16 or later): in a browser, pass the file's bytes or text to its in-memory counterpart");
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
