// Study: asks a strategy for configurations, runs the objective on each (in process or on a worker
// pool), records every finished trial (and journals it), and returns the best trial or the Pareto
// front. Each trial's randomness derives from (seed, trial index), so one worker and one seed give
// the same study every time, and a resumed study continues exactly where the journal stopped.

import { ArgumentError } from '../core/errors.js';
import { Random } from '../core/random.js';
import { Journal } from './journal.js';
import { paretoFront, type Direction } from './pareto.js';
import { consoleProgress, silentProgress, type ProgressReporter, type ProgressState } from './progress.js';
import type { Config, Space } from './space.js';
import { randomSearch } from './strategies/random.js';
import type { Pruner, Report, RunningTrial, Strategy, Suggestion, TrialRecord } from './strategies/types.js';
import { describeValue, mixSeed } from './strategies/util.js';
import { defaultWorkers, executeTrial, loadObjective, TrialWorkerPool, type ObjectiveFn, type ObjectiveModule, type TrialHooks, type TrialJob, type TrialOutcome } from './workers.js';

export { TrialPruned, type Trial, type ObjectiveModule, type ObjectiveFn } from './workers.js';
export type { TrialRecord, TrialState, Report } from './strategies/types.js';

export interface StudyOptions<C> {
  space: Space<C>;
  /** A function (runs in process), or a module + export (runs on worker threads when workers > 1). */
  objective: ObjectiveFn<NoInfer<C>> | ObjectiveModule;
  /** One direction per objective (default 'minimize'); several make a multi-objective study. */
  directions?: Direction | readonly Direction[];
  /** Default: random search. */
  strategy?: Strategy<NoInfer<C>>;
  /** Pruner for intermediate reports; default the strategy's own (Hyperband), null for none. */
  pruner?: Pruner<NoInfer<C>> | null;
  /** Stop after this many finished trials (resumed ones included). */
  trials?: number;
  /** Stop starting trials after this many seconds of this run. */
  seconds?: number;
  /** Default 0. */
  seed?: number;
  /** Parallel trials for a module objective (default one per core); 1 runs in process. */
  workers?: number;
  /**
   * Trials in flight at once for a function objective (default 1): for an async objective that does its heavy work
   * off this thread (automl's fits on worker threads) and so can overlap with others. The strategy is asked while
   * trials run, with the finished ones as history.
   */
  concurrency?: number;
  /** JSON-lines journal; when it exists the study resumes from it. */
  journal?: string;
  /** What a trial measures beyond its config (the data, the training settings), kept in the journal's header: a journal that measured something else is refused. */
  journalTask?: string;
  /** true: progress on stderr; or a reporter; default silent. */
  progress?: boolean | ProgressReporter;
  /** Warnings such as a truncated journal line (default process.emitWarning). */
  onWarning?: (message: string) => void;
  /** Stops starting new trials when aborted. */
  signal?: AbortSignal;
  /** Milliseconds now, for `seconds` and the durations (default Date.now); a test passes a clock it controls. */
  clock?: () => number;
}

export interface HistoryPoint {
  readonly index: number;
  /** Best value of the first objective among complete trials with index <= this one. */
  readonly best: number;
  /** Best value of each objective separately. */
  readonly bestValues: readonly number[];
}

export interface StudyResult<C> {
  readonly directions: readonly Direction[];
  /** Every finished trial, by index. */
  readonly trials: readonly TrialRecord<C>[];
  /** Single objective: the complete trial with the best value (lowest index on ties). */
  readonly best?: TrialRecord<C>;
  /** Complete trials that no other complete trial dominates (for one objective: those with the best value). */
  readonly paretoFront: readonly TrialRecord<C>[];
  /** Best-so-far per trial index, for plotting search progress. */
  readonly history: readonly HistoryPoint[];
  readonly elapsedMs: number;
}

/** Runs one study: `await new Study({ space, objective, trials: 50 }).optimize()`. */
export class Study<C = Config> {
  readonly directions: readonly Direction[];
  readonly seed: number;
  readonly strategy: Strategy<C>;
  private readonly pruner: Pruner<C> | null;
  private readonly finished: TrialRecord<C>[] = [];
  private readonly running = new Map<number, RunningTrial<C> & { reports: Report[] }>();

  constructor(readonly options: StudyOptions<C>) {
    const d = options.directions ?? 'minimize';
    this.directions = typeof d === 'string' ? [d] : [...d];
    if (this.directions.length === 0 || this.directions.some((x) => x !== 'minimize' && x !== 'maximize')) {
      throw new ArgumentError(`Study: directions must be 'minimize' or 'maximize', got [${this.directions.join(',')}]`);
    }
    if (options.trials === undefined && options.seconds === undefined) throw new ArgumentError('Study: needs a budget, trials or seconds, got neither');
    // an integer: 2.5 would run 3 trials (the loop starts one while fewer than 2.5 have finished)
    if (options.trials !== undefined && !(typeof options.trials === 'number' && Number.isInteger(options.trials) && options.trials >= 1)) {
      throw new ArgumentError(`Study: trials must be a positive integer, got ${describeValue(options.trials)}`);
    }
    if (options.seconds !== undefined && !(options.seconds >= 0)) throw new ArgumentError(`Study: seconds must be >= 0, got ${options.seconds}`);
    this.seed = options.seed ?? 0;
    this.strategy = options.strategy ?? randomSearch();
    this.pruner = options.pruner === undefined ? (this.strategy.pruner ?? null) : options.pruner;
    if (typeof options.objective === 'function' && (options.workers ?? 1) > 1) {
      throw new ArgumentError(`Study: ${options.workers} workers need the objective as { module, exportName }, got a function`);
    }
    if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency >= 1)) {
      throw new ArgumentError(`Study: concurrency must be a positive integer, got ${options.concurrency}`);
    }
    if (options.concurrency !== undefined && typeof options.objective !== 'function') {
      throw new ArgumentError('Study: concurrency is for a function objective; a module objective runs on `workers` threads');
    }
    if (options.workers !== undefined && !(Number.isInteger(options.workers) && options.workers >= 1)) {
      throw new ArgumentError(`Study: workers must be a positive integer, got ${options.workers}`);
    }
    if (this.pruner && this.directions.length > 1) throw new ArgumentError(`Study: pruning needs a single objective, got ${this.directions.length}`);
  }

  private now(): number {
    return this.options.clock ? this.options.clock() : Date.now();
  }

  /** Finished trials so far, in finish order. */
  get trials(): readonly TrialRecord<C>[] {
    return this.finished;
  }

  async optimize(): Promise<StudyResult<C>> {
    const o = this.options;
    const start = this.now();
    const warn = o.onWarning ?? searchWarning;
    const progress = o.progress === true ? consoleProgress() : o.progress || silentProgress;
    let journal: Journal | null = null;
    if (o.journal) {
      const header = { seed: this.seed, directions: this.directions, space: o.space.toString(), strategy: this.strategy.name, ...(o.journalTask !== undefined ? { task: o.journalTask } : {}) };
      const opened = Journal.open<C>(o.journal, header, warn);
      journal = opened.journal;
      for (const t of opened.trials) {
        if (this.finished.some((f) => f.index === t.index)) continue;
        this.finished.push(t);
      }
    }
    const workers = typeof o.objective === 'function' ? (o.concurrency ?? 1) : (o.workers ?? defaultWorkers());
    let pool: TrialWorkerPool<C> | null = null;
    let fn: ObjectiveFn<C> | null = null;
    try {
      if (typeof o.objective === 'function') fn = checkedObjective(o.objective);
      else if (workers === 1) fn = checkedObjective(await loadObjective<C>(o.objective));
      else pool = await TrialWorkerPool.create<C>(workers, o.objective);
      await this.loop(start, workers, fn, pool, journal, progress);
    } finally {
      journal?.close();
      await pool?.close();
    }
    const result = this.result(this.now() - start);
    progress.end(this.progressState(start));
    return result;
  }

  private async loop(start: number, concurrency: number, fn: ObjectiveFn<C> | null, pool: TrialWorkerPool<C> | null, journal: Journal | null, progress: ProgressReporter): Promise<void> {
    const o = this.options;
    const maxTrials = o.trials ?? Infinity;
    const deadline = o.seconds !== undefined ? start + o.seconds * 1000 : Infinity;
    const done = new Set(this.finished.map((t) => t.index));
    const inFlight = new Map<number, Promise<void>>();
    let next = 0;
    let exhausted = false;
    const canStart = () =>
      !exhausted && this.finished.length + inFlight.size < maxTrials && this.now() < deadline && !o.signal?.aborted;

    while (true) {
      while (inFlight.size < concurrency && canStart()) {
        while (done.has(next)) next++;
        const index = next++;
        const suggestion = this.strategy.ask({
          index,
          space: o.space,
          directions: this.directions,
          history: this.finished,
          rng: new Random(mixSeed(this.seed, index, 1)),
        });
        if (!suggestion) {
          exhausted = true;
          break;
        }
        const why = o.space.check(suggestion.config);
        if (why) throw new ArgumentError(`Study: strategy '${this.strategy.name}' must suggest configs inside the space, ${why}`);
        const p = this.runOne(index, suggestion, fn, pool).then((record) => {
          inFlight.delete(index);
          this.running.delete(index);
          this.finished.push(record);
          journal?.append(record);
          progress.update(this.progressState(start));
        });
        inFlight.set(index, p);
      }
      if (inFlight.size === 0) return;
      await Promise.race(inFlight.values());
    }
  }

  private async runOne(index: number, s: Suggestion<C>, fn: ObjectiveFn<C> | null, pool: TrialWorkerPool<C> | null): Promise<TrialRecord<C>> {
    const job: TrialJob<C> = { index, config: s.config, seed: mixSeed(this.seed, index, 2), budget: s.budget, meta: s.meta };
    const live = { index, config: s.config, reports: [] as Report[], budget: s.budget, meta: s.meta };
    this.running.set(index, live);
    const hooks: TrialHooks = {
      report: (step, value) => {
        live.reports.push([step, value]);
      },
      shouldPrune: () =>
        this.pruner !== null &&
        this.pruner.shouldPrune(live, {
          directions: this.directions,
          history: this.finished,
          running: [...this.running.values()].filter((r) => r.index !== index),
        }),
    };
    const t0 = this.now();
    const outcome = pool ? await pool.run(job, hooks) : await executeTrial(fn!, job, hooks);
    return this.record(live, outcome, this.now() - t0);
  }

  private record(live: RunningTrial<C>, out: TrialOutcome, durationMs: number): TrialRecord<C> {
    const base = { index: live.index, config: live.config, reports: live.reports, durationMs, ...(live.budget !== undefined ? { budget: live.budget } : {}), ...(live.meta ? { meta: live.meta } : {}) };
    if (out.pruned) {
      const last = live.reports[live.reports.length - 1];
      return { ...base, state: 'pruned', values: last ? [last[1]] : [] };
    }
    if (out.error !== undefined) return { ...base, state: 'failed', values: [], error: out.error };
    const values = out.values ?? [];
    const k = this.directions.length;
    if (values.length !== k) return { ...base, state: 'failed', values: [], error: `objective must return ${k} value(s), got ${values.length}` };
    if (values.some((v) => typeof v !== 'number' || Number.isNaN(v))) return { ...base, state: 'failed', values: [], error: `objective must return numbers, got [${values.join(',')}]` };
    return { ...base, state: 'complete', values };
  }

  private progressState(start: number): ProgressState {
    const best = this.bestValues(this.finished)[0];
    return {
      done: this.finished.length,
      total: this.options.trials,
      best: Number.isFinite(best) ? best : undefined,
      failed: this.finished.filter((t) => t.state === 'failed').length,
      pruned: this.finished.filter((t) => t.state === 'pruned').length,
      elapsedMs: this.now() - start,
    };
  }

  private bestValues(trials: readonly TrialRecord<C>[]): number[] {
    return this.directions.map((d, k) => {
      let best = d === 'minimize' ? Infinity : -Infinity;
      for (const t of trials) if (t.state === 'complete') best = d === 'minimize' ? Math.min(best, t.values[k]) : Math.max(best, t.values[k]);
      return best;
    });
  }

  private result(elapsedMs: number): StudyResult<C> {
    const trials = [...this.finished].sort((a, b) => a.index - b.index);
    const complete = trials.filter((t) => t.state === 'complete');
    const front = paretoFront(
      complete.map((t) => t.values),
      this.directions,
    ).map((i) => complete[i]);
    const history: HistoryPoint[] = [];
    const bests = this.directions.map((d) => (d === 'minimize' ? Infinity : -Infinity));
    for (const t of trials) {
      if (t.state === 'complete') {
        this.directions.forEach((d, k) => (bests[k] = d === 'minimize' ? Math.min(bests[k], t.values[k]) : Math.max(bests[k], t.values[k])));
      }
      history.push({ index: t.index, best: bests[0], bestValues: [...bests] });
    }
    return { directions: this.directions, trials, best: this.directions.length === 1 ? front[0] : undefined, paretoFront: front, history, elapsedMs };
  }
}

/**
 * The objective, with what it returns checked before the trial runner coerces it: a string or undefined would
 * otherwise reach the record as NaN and be reported as [NaN], which is not what the objective said. Worker
 * threads run the objective themselves and check it the same way (workers.ts).
 */
function checkedObjective<C>(fn: ObjectiveFn<C>): ObjectiveFn<C> {
  return async (config, trial) => {
    const r: unknown = await fn(config, trial);
    const ok = typeof r === 'number' || (Array.isArray(r) && r.every((v) => typeof v === 'number'));
    if (!ok) throw new ArgumentError(`objective must return a number or an array of numbers, got ${describeValue(r)}`);
    return r as Awaited<ReturnType<ObjectiveFn<C>>>;
  };
}

/** Shorthand: `await optimize({ space, objective, strategy: tpe(), trials: 100 })`. */
export function optimize<C>(options: StudyOptions<C>): Promise<StudyResult<C>> {
  return new Study(options).optimize();
}

/** The default for onWarning: process.emitWarning in Node ('WhittleSearchWarning'), console.warn in a browser. */
export function searchWarning(message: string): void {
  const proc = (globalThis as { process?: { emitWarning?: (m: string, type: string) => void } }).process;
  if (typeof proc?.emitWarning === 'function') proc.emitWarning(message, 'WhittleSearchWarning');
  else console.warn(message);
}
