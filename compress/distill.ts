// Knowledge distillation (Hinton et al. 2015): the student learns from the teacher's softened outputs,
//   loss = alpha * T^2 * KL(softmax(teacher/T) || softmax(student/T)) + (1 - alpha) * CE(student, labels),
// optionally plus a FitNets hint (Romero et al. 2015): MSE between a teacher feature and a learned linear
// regression of a student feature.
import {
  ArgumentError, DataLoader, Linear, Module, Random, SGD, Sequential, batchStatisticsLayers, crossEntropy, distillationKL, evaluate, mse, noGrad, ops, runSteps, trainingBatches,
  type Optimizer, type Tensor, type TensorDataset,
} from '../core/index.js';

export interface DistillLossOptions {
  /** Weight of the soft-target term, in [0,1]. */
  alpha?: number;
  temperature?: number;
}

function checkAlpha(op: string, a: number): void {
  if (!(a >= 0 && a <= 1)) throw new ArgumentError(`${op}: alpha must be in [0,1], got ${a}`);
}

/** An infinite temperature had made every soft target uniform and the loss NaN (0 * Infinity from T^2). */
function checkTemperature(op: string, t: number): void {
  if (!(typeof t === 'number' && t > 0 && Number.isFinite(t))) throw new ArgumentError(`${op}: temperature must be a positive finite number, got ${t}`);
}

/** alpha * T^2 KL(teacher || student at temperature T) + (1 - alpha) * CE(student, labels). */
export function distillationLoss(student: Tensor, teacher: Tensor, labels: Tensor, o: DistillLossOptions = {}): Tensor {
  const alpha = o.alpha ?? 0.9, t = o.temperature ?? 4;
  checkAlpha('distillationLoss', alpha);
  checkTemperature('distillationLoss', t);
  const soft = distillationKL(student, teacher, t);
  if (alpha === 1) return soft;
  return ops.add(ops.mul(soft, alpha), ops.mul(crossEntropy(student, labels), 1 - alpha));
}

/** The learned regressor of a hint loss: a Linear from the student's (flattened) feature size to the teacher's. */
export class HintRegressor extends Module {
  readonly proj: Linear;
  constructor(studentFeatures: number, teacherFeatures: number, rng = new Random(0)) {
    super();
    this.proj = new Linear(studentFeatures, teacherFeatures, { rng });
  }
  forward(x: Tensor): Tensor {
    return this.proj.forward(x.reshape([x.shape[0], -1]));
  }
}

export interface HintOptions {
  /** Index into the student's / teacher's layers (Sequential) whose output is the feature. */
  studentLayer: number;
  teacherLayer: number;
  /** Weight of the hint term (default 1). */
  weight?: number;
}

export interface DistillOptions extends DistillLossOptions {
  epochs: number;
  /** Default SGD(lr 0.05, momentum 0.9) over the student's (and regressor's) parameters. */
  optimizer?: (params: Tensor[]) => Optimizer;
  hint?: HintOptions;
  val?: TensorDataset;
  log?: (line: string) => void;
  /** Checked after every batch (e.g. a Ctrl-C flag): once true, training stops there; the last epoch's figures cover the batches run. */
  shouldStop?: () => boolean;
}

export interface DistillEpoch { epoch: number; loss: number; kd: number; hint?: number; valAccuracy?: number }

function features(m: Module, layer: number, x: Tensor): { out: Tensor; feat: Tensor } {
  if (!(m instanceof Sequential)) throw new ArgumentError(`distill: hint losses need Sequential models, got ${m.constructor.name}`);
  if (!(Number.isInteger(layer) && layer >= 0 && layer < m.layers.length)) throw new ArgumentError(`distill: hint layer must be in [0,${m.layers.length - 1}], got ${layer}`);
  const outs = m.forwardAll(x);
  return { out: outs[outs.length - 1], feat: outs[layer] };
}

/**
 * Trains `student` against a frozen `teacher`; returns per-epoch losses (total, the KD term, the hint term). A student
 * with a BatchNorm leaves out a last batch of one row each epoch, as fit() does (trainingBatches in core/train.ts).
 */
export function distill(student: Module, teacher: Module, train: DataLoader, o: DistillOptions): { history: DistillEpoch[]; regressor?: HintRegressor } {
  return runSteps(distillSteps(student, teacher, train, o));
}

/** distill as a generator that yields after every batch (runStepsAsync gives the event loop those turns). */
export function* distillSteps(student: Module, teacher: Module, train: DataLoader, o: DistillOptions): Generator<void, { history: DistillEpoch[]; regressor?: HintRegressor }> {
  checkAlpha('distill', o.alpha ?? 0.9);
  checkTemperature('distill', o.temperature ?? 4);
  if (!(Number.isInteger(o.epochs) && o.epochs >= 0)) throw new ArgumentError(`distill: epochs must be an integer >= 0, got ${o.epochs}`);
  teacher.eval();
  let regressor: HintRegressor | undefined;
  if (o.hint) {
    const [x0] = train[Symbol.iterator]().next().value as [Tensor, Tensor];
    const probe = x0.slice([0], [1]);
    // the probe only measures feature sizes: the student's BatchNorms run it in eval mode, so they neither refuse the
    // one row nor take it into their running statistics (the rest keep their mode: Dropout draws as it always did)
    const norms = batchStatisticsLayers(student);
    for (const m of norms) m.training = false;
    let sf: number;
    try {
      sf = noGrad(() => features(student, o.hint!.studentLayer, probe).feat.size);
    } finally {
      for (const m of norms) m.training = true;
    }
    const tf = noGrad(() => features(teacher, o.hint!.teacherLayer, probe).feat.size);
    regressor = new HintRegressor(sf, tf);
  }
  const params = [...student.parameters(), ...(regressor?.parameters() ?? [])];
  const opt = o.optimizer ? o.optimizer(params) : new SGD(params, { lr: 0.05, momentum: 0.9 });
  const history: DistillEpoch[] = [];
  // a student with BatchNorm leaves out a last batch of one row, as fit() does
  const batches = trainingBatches(student.train(), train);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    student.train();
    let lossSum = 0, kdSum = 0, hintSum = 0, seen = 0;
    for (const [x, y] of batches) {
      let sOut: Tensor, tOut: Tensor, hint: Tensor | null = null;
      if (o.hint && regressor) {
        const t = noGrad(() => features(teacher, o.hint!.teacherLayer, x));
        const s = features(student, o.hint.studentLayer, x);
        sOut = s.out; tOut = t.out;
        const target = t.feat.reshape([t.feat.shape[0], -1]);
        hint = ops.mul(mse(regressor.forward(s.feat), target), o.hint.weight ?? 1);
      } else {
        tOut = noGrad(() => teacher.forward(x));
        sOut = student.forward(x);
      }
      const kd = distillationLoss(sOut, tOut, y, o);
      const loss = hint ? ops.add(kd, hint) : kd;
      opt.zeroGrad();
      loss.backward();
      opt.step();
      const n = x.shape[0];
      lossSum += loss.item() * n;
      kdSum += kd.item() * n;
      if (hint) hintSum += hint.item() * n;
      seen += n;
      yield;
      if (o.shouldStop?.()) break;
    }
    const e: DistillEpoch = { epoch, loss: lossSum / seen, kd: kdSum / seen };
    if (o.hint) e.hint = hintSum / seen;
    if (o.val) e.valAccuracy = evaluate(student, o.val).accuracy;
    history.push(e);
    o.log?.(`distill epoch ${epoch}/${o.epochs}  loss ${e.loss.toFixed(4)}  kd ${e.kd.toFixed(4)}` + (e.hint !== undefined ? `  hint ${e.hint.toFixed(4)}` : '') +
      (e.valAccuracy !== undefined ? `  val acc ${(100 * e.valAccuracy).toFixed(2)}%` : ''));
    if (o.shouldStop?.()) break;
  }
  return { history, regressor };
}

/** Mean distillation loss of a student over a dataset (no training), e.g. to compare before and after. */
export function distillationLossOn(student: Module, teacher: Module, data: TensorDataset, o: DistillLossOptions = {}): number {
  const wasS = student.training;
  student.eval(); teacher.eval();
  let sum = 0, n = 0;
  noGrad(() => {
    for (const [x, y] of new DataLoader(data, { batchSize: 500 })) {
      sum += distillationLoss(student.forward(x), teacher.forward(x), y, o).item() * x.shape[0];
      n += x.shape[0];
    }
  });
  student.train(wasS);
  return sum / n;
}
