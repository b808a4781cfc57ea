// Default training lengths for table models. An epoch is a poor unit across table sizes: three epochs of Iris are 9
// optimizer steps, and an MLP on Iris after 9 steps still guesses one class. So where the user gives no count, the
// commands train a table model for about a fixed number of steps, never fewer epochs than they did before this
// default existed and never more than a cap (a tiny table stays quick). Image models keep their epoch defaults: a
// CNN step costs far more than a small MLP's, and a user who passes --limit 1000 asks for a quick run (1,500 steps of
// LeNet-5 on 900 images took 170 s, 94% on validation, where 3 epochs take 8 s for 85%).

/** How long a default run trains: about `steps` optimizer steps, in whole epochs between `min` and `max`. */
export interface StepBudget { steps: number; min: number; max: number }

/** `whittle train` and a distilled student on a table: 1,500 steps, 3 to 300 epochs (the image default is 3). */
export const TRAIN_BUDGET: StepBudget = { steps: 1500, min: 3, max: 300 };
/** One trial of `whittle nas` on a table: 500 steps, 3 to 100 epochs (the image default is 1 epoch a trial). */
export const NAS_TRIAL_BUDGET: StepBudget = { steps: 500, min: 3, max: 100 };
/** One prune-retrain round of `whittle compress` on a table: 300 steps, 1 to 100 epochs (the image default is 1). */
export const RETRAIN_BUDGET: StepBudget = { steps: 300, min: 1, max: 100 };

/** Whole epochs giving about `b.steps` steps over `rows` rows in batches of `batchSize`, clamped to [b.min, b.max]. */
export function epochsFor(rows: number, batchSize: number, b: StepBudget): number {
  const batches = Math.max(1, Math.ceil(rows / batchSize));
  return Math.min(b.max, Math.max(b.min, Math.ceil(b.steps / batches)));
}

/**
 * Thins fit()'s one line per epoch to about `lines` of them (always the first and the last, and any while `keep()`
 * says so: the epoch a Ctrl-C stops at), so that 300 epochs on a small table print as a readable curve rather than a
 * screenful; other lines pass through.
 */
export function epochLines(log: (s: string) => void, epochs: number, lines = 12, keep: () => boolean = () => false): (s: string) => void {
  const every = Math.max(1, Math.ceil(epochs / lines));
  return (s) => {
    const m = /^epoch (\d+)\//.exec(s);
    if (!m) return log(s);
    const e = Number(m[1]);
    if (e === 1 || e === epochs || e % every === 0 || keep()) log(s);
  };
}
