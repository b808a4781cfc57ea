// The contracts between a Study and its strategies and pruners. A strategy is a pure function of
// (trial index, finished history, a per-trial seeded rng): that is what makes runs reproducible
// and lets a resumed study rebuild every strategy's state by re-feeding the journal's history.

import type { Random } from '../../core/random.js';
import type { Direction } from '../pareto.js';
import type { Config, Space } from '../space.js';

export type TrialState = 'complete' | 'pruned' | 'failed';

/** One intermediate report: `trial.report(step, value)`. */
export type Report = readonly [step: number, value: number];

/** A finished trial as the study, the journal and the strategies see it. */
export interface TrialRecord<C = Config> {
  /** 0-based; the trial's seeds derive from (study seed, index). */
  readonly index: number;
  readonly config: C;
  readonly state: TrialState;
  /** One value per objective; for a pruned trial its last report; empty for a failed trial. */
  readonly values: readonly number[];
  /** Intermediate reports in the order they were made. */
  readonly reports: readonly Report[];
  /** The resource the trial was allowed (Hyperband), when the strategy set one. */
  readonly budget?: number;
  /** Strategy bookkeeping, e.g. Hyperband's bracket. */
  readonly meta?: Readonly<Record<string, number | string>>;
  /** Message of the error a failed trial threw. */
  readonly error?: string;
  readonly durationMs: number;
}

/** A trial still running: what a pruner judges. */
export interface RunningTrial<C = Config> {
  readonly index: number;
  readonly config: C;
  readonly reports: readonly Report[];
  readonly budget?: number;
  readonly meta?: Readonly<Record<string, number | string>>;
}

/** What a strategy proposes. */
export interface Suggestion<C = Config> {
  readonly config: C;
  readonly budget?: number;
  readonly meta?: Readonly<Record<string, number | string>>;
}

export interface AskContext<C = Config> {
  readonly index: number;
  readonly space: Space<C>;
  readonly directions: readonly Direction[];
  /** Finished trials in the order they finished (the journal's order). */
  readonly history: readonly TrialRecord<C>[];
  /** Seeded from (study seed, index): the only randomness a strategy may use. */
  readonly rng: Random;
}

export interface Strategy<C = Config> {
  readonly name: string;
  /** The next configuration, or null when the strategy has nothing left (a finished grid). */
  ask(ctx: AskContext<C>): Suggestion<C> | null;
  /** A pruner that comes with the strategy (Hyperband); the study uses it unless given another. */
  readonly pruner?: Pruner<C>;
}

export interface PruneContext<C = Config> {
  readonly directions: readonly Direction[];
  /** Finished trials in finish order. */
  readonly history: readonly TrialRecord<C>[];
  /** Other trials running at the same time (parallel studies). */
  readonly running: readonly RunningTrial<C>[];
}

/** Decides from intermediate reports whether a running trial should stop. */
export interface Pruner<C = Config> {
  readonly name: string;
  shouldPrune(trial: RunningTrial<C>, ctx: PruneContext<C>): boolean;
}

/**
 * A strategy that fits every space: `ask` is generic in the config type, so `tpe()` needs no type
 * argument and is assignable to `Strategy<C>` for any C. All built-in strategies are of this kind;
 * write a `Strategy<MyConfig>` instead when a strategy only makes sense for one space.
 */
export interface GenericStrategy {
  readonly name: string;
  ask<C>(ctx: AskContext<C>): Suggestion<C> | null;
  readonly pruner?: GenericPruner;
}

/** A pruner that fits every space (all built-in pruners are). */
export interface GenericPruner {
  readonly name: string;
  shouldPrune<C>(trial: RunningTrial<C>, ctx: PruneContext<C>): boolean;
}
