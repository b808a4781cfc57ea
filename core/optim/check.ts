// Predicates shared by the optimizers' and schedulers' option checks (checkNumber, in core/errors.ts). Not
// exported from core: a bad option must fail at construction, because a NaN or negative lr only shows up later as
// NaN weights, far from its cause.

export const finiteNonNegative = (x: number): boolean => Number.isFinite(x) && x >= 0;
/** [0, 1): a momentum or a beta of 1 never forgets (Adam's bias correction then divides by zero), above 1 it grows. */
export const unitInterval = (x: number): boolean => x >= 0 && x < 1;
export const positiveInteger = (x: number): boolean => Number.isInteger(x) && x >= 1;
