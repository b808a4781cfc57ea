import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress, tickSeconds } from '../../cli/progress.js';

/** A stream that keeps what is written; `tty` as a terminal would say. */
function sink(tty = false): { write(s: string): boolean; isTTY: boolean; columns: number; text: () => string } {
  const out: string[] = [];
  return { write: (s) => (out.push(s), true), isTTY: tty, columns: 80, text: () => out.join('') };
}

describe('progress', () => {
  afterEach(() => vi.restoreAllMocks());

  it('piped: one line at each tenth reached, then the time it took', () => {
    const s = sink();
    const p = createProgress('work', 20, { stream: s });
    for (let i = 0; i <= 20; i++) p.update(i, `step ${i}`);
    p.done('all well');
    const lines = s.text().trimEnd().split('\n');
    expect(lines.length).toBe(12);
    expect(lines.slice(0, 11).map((l) => /\((\d+)%\)/.exec(l)![1])).toEqual(['0', '10', '20', '30', '40', '50', '60', '70', '80', '90', '100']);
    expect(lines[3]).toMatch(/^work: 6\/20 \(30%\) [\d.]+s step 6$/);
    expect(lines[11]).toMatch(/^work: done in [\d.]+s all well$/);
  });

  it('on a terminal: one bar redrawn in place', () => {
    const s = sink(true);
    const p = createProgress('work', 4, { stream: s });
    p.update(2);
    expect(s.text()).toMatch(/^\rwork \[#{12}\.{12}\] 2\/4 /);
    p.done();
    expect(s.text()).toMatch(/ 2\/4 [\d.]+s \x1b\[K\r\x1b\[Kwork: done in [\d.]+s \n$/);
  });

  it('quiet says nothing; `after` says nothing until the work has run that long', () => {
    const q = sink();
    const p = createProgress('work', 10, { stream: q, quiet: true });
    p.update(5);
    p.done();
    expect(q.text()).toBe('');
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const s = sink();
    const slow = createProgress('work', 10, { stream: s, after: 2 });
    slow.update(1);
    now += 1500;
    slow.update(5);
    expect(s.text()).toBe('');
    now += 600;
    slow.update(6);
    slow.done();
    // the first line past the wait, then the end
    expect(s.text()).toMatch(/^work: 6\/10 \(60%\) 2\.1s \nwork: done in 2\.1s \n$/);
    const fast = sink();
    const quick = createProgress('work', 10, { stream: fast, after: 2 });
    quick.update(10);
    quick.done();
    expect(fast.text()).toBe('');
  });

  it('tickSeconds moves a seconds bar with the clock between the work\'s own updates, with their last detail, until stopped', () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const seen: [number, string | undefined][] = [];
      const p = { update: (done: number, detail?: string) => seen.push([done, detail]), done: () => {} };
      let detail = 'nothing yet';
      const stop = tickSeconds(p, 3, () => detail, 1000, () => now);
      for (const t of [1000, 2000]) {
        now = t;
        vi.advanceTimersByTime(1000);
      }
      detail = 'trial 4';
      for (const t of [3000, 4000]) {
        now = t;
        vi.advanceTimersByTime(1000);
      }
      stop();
      now = 9000;
      vi.advanceTimersByTime(5000);
      // capped at the total; nothing after stop()
      expect(seen).toEqual([[1, 'nothing yet'], [2, 'nothing yet'], [3, 'trial 4'], [3, 'trial 4']]);
    } finally {
      vi.useRealTimers();
    }
  });
});
