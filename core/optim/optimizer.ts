// Optimizer base: parameters, zeroGrad(), step(), per-parameter state that stateDict() saves so training resumes.
// Updates run in place on the parameters' typed arrays, outside the graph.
import type { Tensor } from '../tensor.js';
import { ArgumentError, checkNumber } from '../errors.js';
import { finiteNonNegative } from './check.js';

export interface OptimizerState {
  lr: number;
  stepCount: number;
  /** Per parameter (by position), named state buffers. */
  state: Array<Record<string, Float32Array | number[]>>;
}

export abstract class Optimizer {
  readonly params: Tensor[];
  lr: number;
  stepCount = 0;
  protected state: Array<Record<string, Float32Array>>;
  private readonly hooks: Array<() => void> = [];

  constructor(params: Iterable<Tensor>, lr: number) {
    this.params = [...params];
    // Infinity passes `lr >= 0` but its first step leaves every weight infinite or NaN
    checkNumber(this.constructor.name, 'lr', lr, finiteNonNegative, 'a finite number >= 0');
    for (const p of this.params) if (!p.requiresGrad) throw new ArgumentError(`${this.constructor.name}: every parameter must require grad`);
    this.lr = lr;
    this.state = this.params.map(() => ({}));
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** Applies one update to every parameter that has a gradient, then runs the step hooks (e.g. pruning masks). */
  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (p.grad === null) return;
      this.update(p.data as Float32Array, p.grad.data as Float32Array, this.state[i]);
    });
    for (const h of this.hooks) h();
  }

  /** Runs after every step: pruning uses it to keep masked weights exactly zero. Returns a remover. */
  onStep(hook: () => void): () => void {
    this.hooks.push(hook);
    return () => { const i = this.hooks.indexOf(hook); if (i >= 0) this.hooks.splice(i, 1); };
  }

  protected buffer(s: Record<string, Float32Array>, name: string, n: number): Float32Array {
    return (s[name] ??= new Float32Array(n));
  }

  protected abstract update(w: Float32Array, g: Float32Array, s: Record<string, Float32Array>): void;

  stateDict(): OptimizerState {
    return { lr: this.lr, stepCount: this.stepCount, state: this.state.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.from(v)]))) };
  }

  loadStateDict(sd: OptimizerState): void {
    if (sd.state.length !== this.params.length) throw new ArgumentError(`${this.constructor.name}.loadStateDict: state is for ${sd.state.length} parameters, got a model with ${this.params.length}`);
    this.lr = sd.lr;
    this.stepCount = sd.stepCount;
    this.state = sd.state.map((s, i) => Object.fromEntries(Object.entries(s).map(([k, v]) => {
      if (v.length !== this.params[i].size) throw new ArgumentError(`${this.constructor.name}.loadStateDict: buffer ${k} of parameter ${i} has ${v.length} values, the parameter ${this.params[i].size}`);
      return [k, Float32Array.from(v)];
    })));
  }
}
