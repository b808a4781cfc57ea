// Study progress: a single rewritten line on a TTY, plain lines otherwise, nothing when silent.

export interface ProgressState {
  readonly done: number;
  /** Trial budget, when the study has one. */
  readonly total?: number;
  /** Best value so far (first objective), undefined before the first complete trial. */
  readonly best?: number;
  readonly failed: number;
  readonly pruned: number;
  readonly elapsedMs: number;
}

/** Where a study sends its progress. Implement it to route progress into your own UI. */
export interface ProgressReporter {
  update(state: ProgressState): void;
  end(state: ProgressState): void;
}

/** The minimal stream surface progress needs (process.stderr fits). */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Reports nothing: the default for library use. */
export const silentProgress: ProgressReporter = { update() {}, end() {} };

/** Formats one progress line: `trials 12/100  best 0.3981  failed 1  elapsed 3.2s`. */
export function formatProgress(s: ProgressState): string {
  const parts = [`trials ${s.done}${s.total !== undefined ? `/${s.total}` : ''}`, `best ${s.best === undefined ? '-' : fmtNum(s.best)}`];
  if (s.pruned) parts.push(`pruned ${s.pruned}`);
  if (s.failed) parts.push(`failed ${s.failed}`);
  parts.push(`elapsed ${(s.elapsedMs / 1000).toFixed(1)}s`);
  return parts.join('  ');
}

/**
 * Progress on a stream (default process.stderr). On a TTY one line is rewritten in place; otherwise
 * a plain line is written every `everyTrials` trials (default 10) and at the end.
 */
export function consoleProgress(stream: ProgressStream = process.stderr, options: { everyTrials?: number } = {}): ProgressReporter {
  const every = options.everyTrials ?? 10;
  if (stream.isTTY) {
    return {
      update(s) {
        const line = formatProgress(s).slice(0, Math.max(20, (stream.columns ?? 80) - 1));
        stream.write(`\r\x1b[2K${line}`);
      },
      end(s) {
        stream.write(`\r\x1b[2K${formatProgress(s)}\n`);
      },
    };
  }
  return {
    update(s) {
      if (s.done % every === 0) stream.write(formatProgress(s) + '\n');
    },
    end(s) {
      stream.write(formatProgress(s) + '\n');
    },
  };
}

function fmtNum(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
}
