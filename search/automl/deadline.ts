// A wall-clock limit on the fits AutoML runs, as auto-sklearn's per-run time limit but cooperative (a synchronous fit
// has no worker to kill): the learners whose fits can run long check it between trees, boosting rounds, epochs,
// solver iterations and blocks of query rows, and throw TimeLimitExceeded once it has passed.
import { WhittleError } from '../../core/errors.js';

/** Thrown by checkDeadline inside a fit that withDeadline limited, once the limit has passed. */
export class TimeLimitExceeded extends WhittleError {}

let deadline = Infinity;

/** Runs `f` with the fits inside it limited to end by `at` (ms since the epoch); nested limits keep the earlier one. */
export function withDeadline<T>(at: number, f: () => T): T {
  const outer = deadline;
  deadline = Math.min(outer, at);
  try {
    return f();
  } finally {
    deadline = outer;
  }
}

/** Throws TimeLimitExceeded when a withDeadline limit is in force and has passed; `where` names the fit. */
export function checkDeadline(where: string): void {
  if (deadline !== Infinity && Date.now() > deadline) throw new TimeLimitExceeded(`${where}: stopped at the time limit`);
}
