import { describe, expect, it } from 'vitest';
import { consoleProgress, formatProgress, silentProgress, type ProgressState } from '../../search/progress.js';

const state = (done: number, best?: number): ProgressState => ({ done, total: 20, best, failed: 1, pruned: 0, elapsedMs: 1234 });

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 60, write: (c: string) => chunks.push(c) } };
}

describe('progress', () => {
  it('formats trials, best, failures and elapsed time', () => {
    expect(formatProgress(state(3, 0.39788731))).toBe('trials 3/20  best 0.39789  failed 1  elapsed 1.2s');
    expect(formatProgress({ ...state(0), total: undefined, failed: 0 })).toBe('trials 0  best -  elapsed 1.2s');
  });

  it('rewrites one line on a TTY', () => {
    const { chunks, stream } = sink(true);
    const p = consoleProgress(stream);
    p.update(state(1, 2));
    p.update(state(2, 1));
    p.end(state(2, 1));
    expect(chunks.slice(0, 2).every((c) => c.startsWith('\r\x1b[2K') && !c.includes('\n'))).toBe(true);
    expect(chunks[2].endsWith('\n')).toBe(true);
  });

  it('writes plain lines when not a TTY, every n trials', () => {
    const { chunks, stream } = sink(false);
    const p = consoleProgress(stream, { everyTrials: 2 });
    for (let i = 1; i <= 5; i++) p.update(state(i, 1));
    p.end(state(5, 1));
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => !c.includes('\r') && c.endsWith('\n'))).toBe(true);
    expect(chunks[0]).toMatch(/^trials 2\/20/);
  });

  it('silent progress writes nothing', () => {
    expect(() => silentProgress.update(state(1))).not.toThrow();
  });
});
