// Random forest (Breiman 2001: bootstrap + random feature subsets) and extra trees (Geurts et al. 2006: random
// thresholds, no bootstrap by default). Classification averages the trees' leaf probabilities; regression their means.
import { ArgumentError, FormatError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { type Learner, type LearnerJSON, type Task, expectKind, notFitted, registerLearner } from './learner.js';
import { type Matrix, type MaxFeatures, type Target, argmaxRows, checkXy, countClasses, matrix } from './matrix.js';
import { type Criterion, DecisionTree, columnRanks, treeParamRules } from './tree.js';
import { checkDeadline } from './deadline.js';
import { JsonFields, type ParamRule, checkParams, paramsFromJSON, rule } from './json-fields.js';

export interface ForestParams {
  nEstimators: number;
  criterion: Criterion;
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  maxFeatures: MaxFeatures;
  bootstrap: boolean;
  seed: number;
}

/** What each parameter must be (the constructor's and fromJSON's checks). */
export const forestParamRules: Record<keyof ForestParams, ParamRule> = {
  nEstimators: rule.integer(1),
  criterion: treeParamRules.criterion,
  maxDepth: treeParamRules.maxDepth,
  minSamplesSplit: treeParamRules.minSamplesSplit,
  minSamplesLeaf: treeParamRules.minSamplesLeaf,
  maxFeatures: treeParamRules.maxFeatures,
  bootstrap: rule.boolean,
  seed: rule.finite,
};

abstract class TreeEnsemble implements Learner {
  abstract readonly kind: string;
  readonly params: ForestParams;
  trees: DecisionTree[] = [];
  task: Task = 'classification';
  nClasses = 0;

  constructor(defaults: ForestParams, params: Partial<ForestParams>) {
    this.params = { ...defaults, ...params };
    checkParams(this.constructor.name, this.params as unknown as Record<string, unknown>, forestParamRules);
  }

  protected abstract splitter(): 'best' | 'random';

  fit(x: Matrix, y: Target): this {
    checkXy(`${this.constructor.name}.fit`, x, y);
    const p = this.params;
    this.task = y instanceof Int32Array ? 'classification' : 'regression';
    this.nClasses = this.task === 'classification' ? countClasses(y as Int32Array) : 0;
    const rng = new Random(p.seed);
    this.trees = [];
    const ranks = this.splitter() === 'best' ? columnRanks(x) : undefined;
    for (let t = 0; t < p.nEstimators; t++) {
      checkDeadline('forest fit');
      const treeRng = rng.fork();
      let w: Float64Array | undefined;
      if (p.bootstrap) {
        w = new Float64Array(x.rows);
        for (let i = 0; i < x.rows; i++) w[treeRng.int(x.rows)] += 1;
      }
      const tree = new DecisionTree({
        criterion: p.criterion,
        maxDepth: p.maxDepth,
        minSamplesSplit: p.minSamplesSplit,
        minSamplesLeaf: p.minSamplesLeaf,
        maxFeatures: p.maxFeatures,
        splitter: this.splitter(),
        seed: treeRng.nextUint32(),
      });
      this.trees.push(tree.fit(x, y, w, this.nClasses, ranks));
    }
    return this;
  }

  predictProba(x: Matrix): Matrix {
    if (this.trees.length === 0) notFitted(`${this.constructor.name}.predictProba`);
    if (this.task !== 'classification') throw new ArgumentError(`${this.constructor.name}.predictProba: needs a classifier, got a regression forest`);
    const out = matrix(x.rows, this.nClasses);
    for (const tree of this.trees) tree.addTo(x, out.data);
    for (let i = 0; i < out.data.length; i++) out.data[i] /= this.trees.length;
    return out;
  }

  predict(x: Matrix): Target {
    if (this.trees.length === 0) notFitted(`${this.constructor.name}.predict`);
    if (this.task === 'classification') return argmaxRows(this.predictProba(x));
    // each tree's value divided by the count, then summed: the arithmetic (and so the numbers) of the version that
    // asked each tree for a vector
    const out = new Float64Array(x.rows);
    for (const tree of this.trees) tree.addTo(x, out, this.trees.length);
    return out;
  }

  toJSON(): LearnerJSON {
    return { kind: this.kind, version: 1, task: this.task, nClasses: this.nClasses, params: this.params, trees: this.trees.map((t) => t.toJSON()) };
  }

  protected restore(json: LearnerJSON): this {
    // the trees' outputs are summed row by row: each must have the forest's task and classes, and all one width
    const fields = new JsonFields(`${this.constructor.name}.fromJSON`);
    ({ task: this.task, nClasses: this.nClasses } = fields.taskAndClasses(json));
    const trees = fields.at('trees').array(json.trees).map((t, i) => {
      try {
        return DecisionTree.fromJSON(t as LearnerJSON);
      } catch (err) {
        if (err instanceof FormatError) fields.at('trees').at(i).failWith(err.message);
        throw err;
      }
    });
    if (trees.length === 0) fields.at('trees').fail('a non-empty array', json.trees);
    const d = trees[0].nFeatures;
    const bad = trees.findIndex((t) => t.task !== this.task || t.nClasses !== this.nClasses || t.nFeatures !== d);
    if (bad >= 0) {
      const t = trees[bad];
      fields.at('trees').at(bad).failThat(`must be a ${this.task} tree of ${this.nClasses} classes on ${d} features as the forest and its first tree, got a ${t.task} tree of ${t.nClasses} classes on ${t.nFeatures} features`);
    }
    this.trees = trees;
    return this;
  }
}

export const defaultForestParams: ForestParams = {
  nEstimators: 100,
  criterion: 'gini',
  maxDepth: null,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  maxFeatures: 'sqrt',
  bootstrap: true,
  seed: 0,
};

export class RandomForest extends TreeEnsemble {
  readonly kind = 'random-forest';
  constructor(params: Partial<ForestParams> = {}) {
    super(defaultForestParams, params);
  }
  protected splitter(): 'best' {
    return 'best';
  }
  static fromJSON(json: LearnerJSON): RandomForest {
    expectKind(json, 'random-forest');
    return new RandomForest(paramsFromJSON<ForestParams>('RandomForest.fromJSON', json.params, forestParamRules)).restore(json);
  }
}
registerLearner('random-forest', RandomForest.fromJSON);

export class ExtraTrees extends TreeEnsemble {
  readonly kind = 'extra-trees';
  constructor(params: Partial<ForestParams> = {}) {
    super({ ...defaultForestParams, bootstrap: false }, params);
  }
  protected splitter(): 'random' {
    return 'random';
  }
  static fromJSON(json: LearnerJSON): ExtraTrees {
    expectKind(json, 'extra-trees');
    return new ExtraTrees(paramsFromJSON<ForestParams>('ExtraTrees.fromJSON', json.params, forestParamRules)).restore(json);
  }
}
registerLearner('extra-trees', ExtraTrees.fromJSON);
