// Shared benchmark harness around benchmark.js: runs a suite of named cases, each optionally against a
// peer doing the same work in the same run, prints ops/s, GFLOP/s (GOP/s for int8) and ours/peer, and
// writes bench/results/<suite>.json. BENCH_QUICK=1 takes few samples (a smoke run, not a measurement).

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import Benchmark from 'benchmark';

export interface Peer {
  /** Shown and stored as the peer's name, e.g. `tfjs-backend-cpu matMul n=512`; peers with the same name run once. */
  name: string;
  fn: () => void;
}

export interface BenchCase {
  /** e.g. `matmul f32 n=512`. */
  name: string;
  fn: () => void;
  /** Floating-point (or integer) operations one call performs, for GFLOP/s. */
  ops?: number;
  /** Unit for ops/s / 1e9: GFLOP/s for float work, GOP/s for integer work. */
  unit?: 'GFLOP/s' | 'GOP/s';
  peer?: Peer;
  /** Runs once before this case is measured (e.g. setNumThreads), outside the timing. */
  before?: () => void;
}

export interface CaseResult {
  name: string;
  hz: number;
  rme: number;
  samples: number;
  unit: string | null;
  rate: number | null;
  peer: { name: string; hz: number; rate: number | null } | null;
  /** ours / peer in ops per second (> 1 means we are faster). */
  ratio: number | null;
}

export interface SuiteResult {
  suite: string;
  date: string;
  quick: boolean;
  machine: { cpu: string; cores: number; node: string; platform: string };
  cases: CaseResult[];
}

export const isQuick = (): boolean => process.env.BENCH_QUICK === '1';

function options(): Benchmark.Options {
  return isQuick() ? { minSamples: 2, maxTime: 0.3, initCount: 1 } : { minSamples: 8, maxTime: 3, initCount: 1 };
}

/** Runs one benchmark synchronously and returns it (benchmark.js, closures intact). */
function measure(name: string, fn: () => void): Benchmark {
  const bench = new Benchmark(name, { ...options(), fn: () => fn(), async: false });
  bench.run();
  if (bench.error) throw bench.error;
  return bench;
}

const fmt = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d) : String(v));

/** Runs the cases (and each distinct peer once), prints a table and writes bench/results/<suite>.json. */
export function runSuite(suite: string, cases: BenchCase[]): SuiteResult {
  const peers = new Map<string, Benchmark>();
  const results: CaseResult[] = [];
  console.log(`\n# ${suite}${isQuick() ? ' (quick)' : ''}`);
  for (const c of cases) {
    c.before?.();
    c.fn(); // warm the JIT and any pool before timing
    const ours = measure(c.name, c.fn);
    let peerBench: Benchmark | null = null;
    if (c.peer) {
      peerBench = peers.get(c.peer.name) ?? measure(c.peer.name, c.peer.fn);
      peers.set(c.peer.name, peerBench);
    }
    const unit = c.ops ? (c.unit ?? 'GFLOP/s') : null;
    const rate = c.ops ? (ours.hz * c.ops) / 1e9 : null;
    const r: CaseResult = {
      name: c.name,
      hz: ours.hz,
      rme: ours.stats.rme,
      samples: ours.stats.sample.length,
      unit,
      rate,
      peer: peerBench && c.peer ? { name: c.peer.name, hz: peerBench.hz, rate: c.ops ? (peerBench.hz * c.ops) / 1e9 : null } : null,
      ratio: peerBench ? ours.hz / peerBench.hz : null,
    };
    results.push(r);
    let line = `${c.name.padEnd(34)} ${fmt(r.hz, 3).padStart(10)} ops/s ±${fmt(r.rme, 1)}%`;
    if (rate !== null) line += `  ${fmt(rate).padStart(7)} ${unit}`;
    if (r.peer) line += `  | ${r.peer.name}: ${r.peer.rate !== null ? `${fmt(r.peer.rate)} ${unit}` : `${fmt(r.peer.hz, 3)} ops/s`}  ours/peer ${fmt(r.ratio!)}x`;
    console.log(line);
  }
  const out: SuiteResult = {
    suite,
    date: new Date().toISOString(),
    quick: isQuick(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), node: process.version, platform: `${os.platform()} ${os.arch()}` },
    cases: results,
  };
  writeResult(suite, out);
  return out;
}

/** bench/results/ in the source tree, also when running from the compiled dist/bench/. */
export function resultsDir(): URL {
  const here = new URL('./', import.meta.url);
  return here.pathname.endsWith('/dist/bench/') ? new URL('../../bench/results/', here) : new URL('./results/', here);
}

/** Writes bench/results/<name>.json (any JSON-able figures: quality benchmarks use it too). */
export function writeResult(name: string, value: unknown): void {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(value, null, 2)}\n`);
}

/** True when `metaUrl` is the module node was started with (so a bench file runs its main()). */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && metaUrl === pathToFileURL(process.argv[1]).href;
}

/** Runs every kernel suite in turn (gemm, conv, int8). */
export async function runAllSuites(): Promise<SuiteResult[]> {
  const files = ['./gemm.bench.js', './conv.bench.js', './int8.bench.js'];
  const out: SuiteResult[] = [];
  for (const f of files) {
    const mod = (await import(f)) as { main: () => Promise<SuiteResult> };
    out.push(await mod.main());
  }
  return out;
}

/** Sets up tfjs-core with the CPU backend, the peer for every suite; loaded lazily so it stays a dev-only peer. */
export async function loadTfjsCpu(): Promise<typeof import('@tensorflow/tfjs-core')> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}

/** Deterministic pseudo-random fill in [-1, 1) (benchmarks need no seeded generator of their own). */
export function benchData(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}
