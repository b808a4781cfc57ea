// Progress for long work: one redrawn bar on a terminal, plain lines (about every 10%) when piped or logged.
export interface Progress {
  update(done: number, detail?: string): void;
  done(detail?: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Silent progress (library use, --quiet). */
  quiet?: boolean;
  /** Say nothing until the work has run this many seconds (work that ends sooner prints no progress at all). */
  after?: number;
}

export function createProgress(label: string, total: number, o: ProgressOptions = {}): Progress {
  const stream = o.stream ?? process.stderr;
  const tty = Boolean((stream as { isTTY?: boolean }).isTTY);
  const t0 = performance.now();
  let lastPct = -1;
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)}s`;
  if (o.quiet) return { update() {}, done() {} };
  const after = (o.after ?? 0) * 1000;
  let shown = false;
  return {
    update(done, detail = '') {
      if (performance.now() - t0 < after) return;
      shown = true;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      if (tty) {
        const width = 24;
        const fill = Math.round(frac * width);
        const line = `${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} ${elapsed()} ${detail}`;
        const cols = (stream as { columns?: number }).columns ?? 100;
        stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length))}\x1b[K`);
      } else {
        const pct = Math.floor(frac * 10) * 10;
        if (pct > lastPct) {
          lastPct = pct;
          stream.write(`${label}: ${done}/${total} (${pct}%) ${elapsed()} ${detail}\n`);
        }
      }
    },
    done(detail = '') {
      if (!shown && performance.now() - t0 < after) return;
      if (tty) stream.write(`\r\x1b[K`);
      stream.write(`${label}: done in ${elapsed()} ${detail}\n`);
    },
  };
}

/**
 * Moves a bar that counts seconds with the clock, every `everyMs`, between the updates the work itself sends (a long
 * step otherwise shows nothing until it ends: AutoML's first trial on 200,000 rows took 14 s); `detail` is what the last
 * of those said. Returns the function that stops it. It runs whenever the event loop is free (with AutoML: between
 * folds on one thread, all the time with worker threads).
 */
export function tickSeconds(progress: Progress, total: number, detail: () => string, everyMs = 1000, now = () => performance.now()): () => void {
  const t0 = now();
  const timer = setInterval(() => progress.update(Math.min(Math.round((now() - t0) / 1000), total), detail()), everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}

/**
 * Ctrl-C: the first asks long work to stop cleanly at its next step (training batches, search trials), the second
 * exits at once. Only commands whose work yields to the event loop install it; elsewhere Ctrl-C ends the process
 * straight away, which loses nothing either, since every save is a temp file plus rename and journals are appended
 * a whole line at a time.
 */
export const interrupt = {
  controller: new AbortController(),
  installed: false,
  get requested(): boolean { return this.controller.signal.aborted; },
  install(): void {
    if (this.installed) return;
    this.installed = true;
    process.on('SIGINT', () => {
      if (this.controller.signal.aborted) process.exit(130);
      this.controller.abort();
      process.stderr.write('\nstopping after the current step (Ctrl-C again to quit now)...\n');
    });
  },
};
