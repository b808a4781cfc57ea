// Reverse mode, micrograd-sized: each result keeps its parents and a backward closure; backward()
// sorts the graph topologically and runs the closures in reverse, accumulating into .grad.
import type { Tensor } from './tensor.js';

export interface GradNode {
  /** Name of the op that made the tensor (for errors and debugging). */
  readonly op: string;
  readonly parents: readonly Tensor[];
  /** Given d(loss)/d(out), returns d(loss)/d(parent) for each parent (null where a parent needs none). */
  readonly backward: (grad: Tensor) => readonly (Tensor | null)[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn with graph recording off: inference, optimizer steps and backward rules themselves. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs fn with graph recording on (inside a noGrad block, e.g. for a nested higher-order use). */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long training unrolls) must not overflow the JS stack.
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const parents = t.gradNode?.parents ?? [];
    if (i < parents.length) {
      top[1] = i + 1;
      const p = parents[i];
      if (!seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * Backpropagates from `root` with the seed gradient `seed` (ones for a scalar root).
 * Gradients accumulate into .grad of every leaf that requiresGrad (call zeroGrad between steps);
 * intermediate gradients are dropped as soon as they are used. The graph stays intact (it is freed by
 * the GC with the tensors), so this function may run twice over the same graph and accumulates both times;
 * Tensor.backward() refuses a second run from the same output unless the first passed `retainGraph: true`.
 */
export function runBackward(root: Tensor, seed: Tensor): void {
  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, seed);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      const node = t.gradNode;
      if (node === null) {
        if (t.requiresGrad) t.grad = t.grad === null ? g.clone() : t.grad.add(g);
        continue;
      }
      if (t.retainsGrad) t.grad = t.grad === null ? g.clone() : t.grad.add(g);
      const parentGrads = node.backward(g);
      node.parents.forEach((p, k) => {
        const pg = parentGrads[k];
        if (pg === null || pg === undefined || !p.requiresGrad) return;
        const prev = grads.get(p);
        grads.set(p, prev === undefined ? pg : prev.add(pg));
      });
    }
  });
}
