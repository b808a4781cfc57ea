// A wall-clock limit on the fits AutoML runs, as auto-sklearn's per-run time limit but cooperative (a synchronous fit
// has no worker to kill): the learners whose fits can run long check it between trees, boosting rounds, epochs,
// solver iterations and blocks of query rows, and throw TimeLimitExceeded once it has passed.
import { WhittleError } from '../../core/errors.js';

/** Thrown by checkDeadline inside a fit that withDeadline limited, once the limit has passed. */
export class TimeLimitExceeded extends WhittleError {}

let deadline = Infinity;
let clock: () => number = Date.now;

/**
 * Runs `f` with the fits inside it limited to end by `at` (ms on `now`, default Date.now); nested limits keep the
 * earlier one (on the inner clock).
 */
export function withDeadline<T>(at: number, f: () => T, now: () => number = Date.now): T {
  const outer = deadline;
  const outerClock = clock;
  deadline = Math.min(outer, at);
  clock = now;
  try {
    return f();
  } finally {
    deadline = outer;
    clock = outerClock;
  }
}

/** withDeadline, but a run the limit stops gives undefined instead of the TimeLimitExceeded (other errors still throw). */
export function beforeDeadline<T>(at: number, f: () => T, now: () => number = Date.now): T | undefined {
  try {
    return withDeadline(at, f, now);
  } catch (e) {
    if (e instanceof TimeLimitExceeded) return undefined;
    throw e;
  }
}

/** Throws TimeLimitExceeded when a withDeadline limit is in force and has passed; `where` names the fit. */
export function checkDeadline(where: string): void {
  if (deadline !== Infinity && clock() > deadline) throw new TimeLimitExceeded(`${where}: stopped at the time limit`);
}

/**
 * A limit check for loops of many short steps: the function returned counts the work each step does (numbers read)
 * and checks the limit once that reaches `every` since the last check, so a short loop reads no clock at all and a
 * long one stops within `every` numbers of the limit.
 */
export function checkEvery(where: string, every = 1 << 20): (work: number) => void {
  let since = 0;
  return (work) => {
    since += work;
    if (since >= every) {
      since = 0;
      checkDeadline(where);
    }
  };
}
