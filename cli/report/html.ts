// The HTML report: one self-contained file (inline CSS and SVG, no scripts or external assets) with the plots
// people want to see after a run: training, compression stages, accuracy vs sparsity, NAS Pareto front,
// search progress, the AutoML leaderboard and the induced rules.
import { writeFileAtomic } from '../../core/fs-atomic.js';
import { formatParams } from '../../search/automl/automl.js';
import { escapeXml, fmtNumber, renderBars, renderPlot, type Point } from './svg.js';

export interface ReportData {
  title?: string;
  machine?: string;
  training?: { model: string; params: number; history: Array<{ epoch: number; loss: number; trainAccuracy: number; valAccuracy?: number }>; testAccuracy?: number };
  compression?: {
    stages: Array<{ stage: string; params: number; nonzeros: number; bytes: number; accuracy: number; latencyMs?: number; speedup?: number }>;
    sparsityCurve?: Array<{ sparsity: number; accuracy: number }>;
  };
  nas?: {
    trials: Array<{ accuracy: number; params: number; latencyMs?: number; pareto: boolean; label?: string }>;
    history: Array<{ trial: number; best: number }>;
    best?: { accuracy: number; params: number; testAccuracy?: number; description?: string };
  };
  automl?: {
    metric: string;
    leaderboard: Array<{ rank: number; learner: string; score: number; params?: Record<string, unknown>; fitSeconds?: number }>;
    history?: Array<{ trial: number; best: number }>;
    dataset?: string;
    /** For an error metric (rmse): the best pipeline per learner is then its lowest score. */
    lowerIsBetter?: boolean;
    /** What preprocessing did to the table (AutoMLResult notes). */
    notes?: string[];
    /** How the search went: trials started, stopped early (by the pruner or the budget), failed, seconds. */
    run?: { trials: number; stoppedEarly: number; failed: number; seconds: number; stoppedByUser?: boolean };
    /** Learners searched that have no completed trial: `unfinished` were tried (each trial stopped early or failed), `untried` never came up. */
    missing?: { unfinished: string[]; untried: string[] };
    /** The model the run gives (and where it was saved): the ensemble with its members, or the best pipeline. */
    model?: { kind: 'ensemble' | 'best'; savedTo?: string; score?: number; /** why the best pipeline and not an ensemble, when ensembling was asked for */ why?: string; members: Array<{ learner: string; weight: number; params: Record<string, unknown> }> };
  };
  rules?: {
    text: string;
    cvAccuracy: number;
    nRules: number;
    nConditions: number;
    dataset?: string;
    algorithm?: string;
    /** Held-out accuracy of each cross-validation fold. */
    foldAccuracies?: number[];
    /** Cross-validated predictions against the truth: counts[t][p] rows of class t predicted as p. */
    confusion?: { classes: string[]; counts: number[][] };
    /** What the data as read means for the rules (RulesResult notes). */
    notes?: string[];
  };
  notes?: string[];
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;max-width:1180px;margin:24px auto;padding:0 16px;color:#111}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}.grid2{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}svg.plot{background:#fff;border:1px solid #e5e7eb;border-radius:6px;max-width:100%;height:auto}
svg .title{font-weight:600;font-size:14px}svg .tick{font-size:11px;fill:#444}svg .axis{font-size:12px;fill:#222}svg .legend{font-size:11px}svg .label{font-size:10px;fill:#333}
svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#bbb}svg .empty{fill:#999}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f6f6f6}td:first-child,th:first-child,.text{text-align:left}.name{white-space:nowrap}pre{background:#f8f8f8;border:1px solid #e5e7eb;padding:10px;overflow:auto}`;

/** An HTML table; numbers right-aligned, the columns in `text` (indices) left-aligned, those in `names` also kept on one line. */
function table(head: string[], rows: Array<Array<string | number>>, text: number[] = [], names: number[] = []): string {
  const cls = (i: number) => [...(text.includes(i) ? ['text'] : []), ...(names.includes(i) ? ['name'] : [])].join(' ');
  const cell = (tag: 'td' | 'th', c: string | number, i: number) => `<${tag}${cls(i) ? ` class="${cls(i)}"` : ''}>${escapeXml(String(c))}</${tag}>`;
  return `<table><thead><tr>${head.map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('')}</tbody></table>`;
}
/** '1 pipeline', '3 pipelines'. */
export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const kb = (b: number) => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(2)} MB` : `${(b / 1024).toFixed(1)} kB`);

export function renderReport(d: ReportData): string {
  const parts: string[] = [];
  parts.push(`<h1>${escapeXml(d.title ?? 'whittle report')}</h1><div class="meta">${escapeXml(new Date().toISOString())}${d.machine ? ` · ${escapeXml(d.machine)}` : ''}</div>`);
  if (d.training) {
    const t = d.training;
    parts.push(`<h2>Training: ${escapeXml(t.model)}</h2><p>${t.params.toLocaleString('en-US')} parameters${t.testAccuracy !== undefined ? `, test accuracy <b>${pct(t.testAccuracy)}</b>` : ''}.</p>`);
    parts.push(`<div class="grid2"><figure>${renderPlot({ id: 'training-loss', title: 'Training loss', xLabel: 'epoch', yLabel: 'loss', series: [{ name: 'train loss', kind: 'line', points: t.history.map((h) => ({ x: h.epoch, y: h.loss })) }] })}</figure>`);
    parts.push(`<figure>${renderPlot({ id: 'training-accuracy', title: 'Accuracy by epoch', xLabel: 'epoch', yLabel: 'accuracy', yWithin: [0, 1], series: [{ name: 'train', kind: 'line', points: t.history.map((h) => ({ x: h.epoch, y: h.trainAccuracy })) }, { name: 'validation', kind: 'line', points: t.history.filter((h) => h.valAccuracy !== undefined).map((h) => ({ x: h.epoch, y: h.valAccuracy! })) }] })}</figure></div>`);
  }
  if (d.compression) {
    const c = d.compression;
    parts.push('<h2>Compression</h2>');
    parts.push(table(['stage', 'parameters', 'nonzeros', 'bytes on disk', 'test accuracy', 'latency / sample', 'speedup'], c.stages.map((s) => [s.stage, s.params.toLocaleString('en-US'), s.nonzeros.toLocaleString('en-US'), kb(s.bytes), pct(s.accuracy), s.latencyMs !== undefined ? `${s.latencyMs.toFixed(3)} ms` : '', s.speedup !== undefined ? `${s.speedup.toFixed(2)}x` : ''])));
    const figs: string[] = [];
    if (c.sparsityCurve?.length) figs.push(renderPlot({ id: 'accuracy-vs-sparsity', title: 'Accuracy vs sparsity', xLabel: 'sparsity (fraction of weights removed)', yLabel: 'test accuracy', yWithin: [0, 1], series: [{ name: 'pruned', kind: 'line', points: c.sparsityCurve.map((p) => ({ x: p.sparsity, y: p.accuracy })) }] }));
    figs.push(renderPlot({ id: 'size-vs-accuracy', title: 'Size vs accuracy per stage', xLabel: 'bytes on disk (log)', yLabel: 'test accuracy', yWithin: [0, 1], xLog: true, series: [{ name: 'stages', kind: 'scatter', points: c.stages.map((s): Point => ({ x: s.bytes, y: s.accuracy, label: s.stage, highlight: true })) }] }));
    parts.push(`<div class="grid2">${figs.map((f) => `<figure>${f}</figure>`).join('')}</div>`);
  }
  if (d.nas) {
    const n = d.nas;
    parts.push('<h2>Neural architecture search</h2>');
    if (n.best) parts.push(`<p>Chosen: ${escapeXml(n.best.description ?? '')} — ${n.best.params.toLocaleString('en-US')} parameters, validation accuracy ${pct(n.best.accuracy)}${n.best.testAccuracy !== undefined ? `, test accuracy <b>${pct(n.best.testAccuracy)}</b>` : ''}.</p>`);
    const front = n.trials.filter((t) => t.pareto).sort((a, b) => a.params - b.params);
    const pareto = renderPlot({ id: 'nas-pareto', title: 'NAS: accuracy vs parameters (Pareto front filled)', xLabel: 'parameters (log)', yLabel: 'validation accuracy', yWithin: [0, 1], xLog: true, series: [
      { name: 'trials', kind: 'scatter', points: n.trials.filter((t) => !t.pareto).map((t) => ({ x: t.params, y: t.accuracy })) },
      { name: 'Pareto front', kind: 'line', points: front.map((t): Point => ({ x: t.params, y: t.accuracy, highlight: true })) },
    ] });
    const progress = renderPlot({ id: 'nas-progress', title: 'NAS: best validation accuracy so far', xLabel: 'trial', yLabel: 'best accuracy', yWithin: [0, 1], series: [{ name: 'best so far', kind: 'step', points: n.history.map((h) => ({ x: h.trial, y: h.best })) }] });
    parts.push(`<div class="grid2"><figure>${pareto}</figure><figure>${progress}</figure></div>`);
    parts.push(table(['Pareto point', 'parameters', 'val accuracy', 'latency'], front.map((t, i) => [t.label ?? `#${i + 1}`, t.params.toLocaleString('en-US'), pct(t.accuracy), t.latencyMs !== undefined ? `${t.latencyMs.toFixed(3)} ms` : ''])));
  }
  if (d.automl) {
    const a = d.automl;
    parts.push(`<h2>AutoML${a.dataset ? ` on ${escapeXml(a.dataset)}` : ''}</h2>`);
    if (a.notes?.length) parts.push(`<ul>${a.notes.map((n) => `<li>column ${escapeXml(n)}</li>`).join('')}</ul>`);
    if (a.run) {
      const r = a.run;
      const list = (names: string[]) => names.map(escapeXml).join(', ');
      const unfinished = a.missing?.unfinished.length ? ` No trial of ${list(a.missing.unfinished)} completed (each was stopped early or failed).` : '';
      const untried = a.missing?.untried.length ? ` Not tried: ${list(a.missing.untried)}.` : '';
      const missing = unfinished + untried;
      parts.push(`<p>${plural(r.trials, 'trial')} in ${r.seconds.toFixed(1)} s: ${r.trials - r.stoppedEarly - r.failed} completed, ${r.stoppedEarly} stopped early, ${r.failed} failed${r.stoppedByUser ? '; the search was stopped by Ctrl-C' : ''}.${missing}</p>`);
    }
    // +1 when a higher score is better, -1 for an error metric
    const sign = a.lowerIsBetter ? -1 : 1;
    const top = a.leaderboard.slice(0, 12);
    // the plot shows each learner's best pipeline (the table below lists the top trials, often one learner's variants)
    const bestPerLearner = new Map<string, number>();
    for (const r of a.leaderboard) if (!bestPerLearner.has(r.learner) || sign * (r.score - bestPerLearner.get(r.learner)!) > 0) bestPerLearner.set(r.learner, r.score);
    const bars = [...bestPerLearner].sort((x, y) => sign * (y[1] - x[1])).map(([learner, value]) => ({ label: learner, value }));
    const figs = [renderBars('automl-leaderboard', `Best pipeline per learner (${a.metric}, cross-validated)`, bars, a.metric)];
    if (a.history?.length) figs.push(renderPlot({ id: 'automl-progress', title: 'AutoML: best score so far', xLabel: 'trial', yLabel: a.metric, series: [{ name: 'best so far', kind: 'step', points: a.history.map((h) => ({ x: h.trial, y: h.best })) }] }));
    parts.push(`<div class="grid2">${figs.map((f) => `<figure>${f}</figure>`).join('')}</div>`);
    parts.push(table(['rank', 'learner', a.metric, 'fit s / fold', 'parameters'], top.map((r) => [r.rank, r.learner, r.score.toFixed(4), r.fitSeconds !== undefined ? r.fitSeconds.toFixed(3) : '', formatParams(r.params ?? {})]), [1, 4], [1]));
    if (a.model) {
      const m = a.model;
      const what = m.kind === 'ensemble' ? `An ensemble of ${plural(m.members.length, 'pipeline')} (bagged ensemble selection, Caruana et al. 2004)` : `The best pipeline (${escapeXml(m.members[0]?.learner ?? '')})`;
      const score = m.score !== undefined ? `, ${escapeXml(a.metric)} ${m.score.toFixed(4)} on the out-of-fold predictions it was chosen on` : '';
      parts.push(`<h3>The model${m.savedTo ? `, saved to <code>${escapeXml(m.savedTo)}</code>` : ''}</h3><p>${what}${score}.${m.why ? ` ${escapeXml(m.why.charAt(0).toUpperCase() + m.why.slice(1))}.` : ''}</p>`);
      // heaviest first
      const members = [...m.members].sort((x, y) => y.weight - x.weight);
      if (m.kind === 'ensemble') parts.push(table(['member', 'learner', 'weight', 'parameters'], members.map((x, i) => [i + 1, x.learner, x.weight.toFixed(3), formatParams(x.params)]), [1, 3], [1]));
    }
  }
  if (d.rules) {
    const r = d.rules;
    const score = Number.isNaN(r.cvAccuracy) ? 'not cross-validated' : `cross-validated accuracy <b>${pct(r.cvAccuracy)}</b>`;
    parts.push(`<h2>Rules${r.dataset ? ` for ${escapeXml(r.dataset)}` : ''}</h2>`);
    if (r.notes?.length) parts.push(`<ul>${r.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`);
    parts.push(`<p>${escapeXml(r.algorithm ?? 'rules')}: ${r.nRules} rules, ${r.nConditions} conditions, ${score}.</p><pre class="rules">${escapeXml(r.text)}</pre>`);
    if (r.foldAccuracies?.length) {
      const folds = r.foldAccuracies.map((a, k) => ({ x: k + 1, y: a }));
      const mean = [{ x: 1, y: r.cvAccuracy }, { x: folds.length, y: r.cvAccuracy }];
      parts.push(`<figure>${renderPlot({ id: 'rules-folds', title: 'Held-out accuracy per cross-validation fold', xLabel: 'fold', yLabel: 'accuracy', yWithin: [0, 1], series: [{ name: 'fold', kind: 'scatter', points: folds }, { name: 'mean', kind: 'line', points: mean }] })}</figure>`);
    }
    if (r.confusion) parts.push(confusionPart(r.confusion));
  }
  if (d.notes?.length) parts.push(`<h2>Notes</h2><ul>${d.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(d.title ?? 'whittle report')}</title><style>${CSS}</style></head><body>${parts.join('\n')}</body></html>\n`;
}

/**
 * Cross-validated predictions against the truth: the whole matrix up to 12 classes, past that the most frequent
 * mistakes (a 220-class matrix reads as nothing).
 */
function confusionPart(c: { classes: string[]; counts: number[][] }): string {
  const k = c.classes.length;
  const title = '<h3>Cross-validated predictions</h3>';
  if (k <= 12) {
    const rows = c.classes.map((t, i) => [t, ...c.counts[i], c.counts[i].reduce((s, v) => s + v, 0) > 0 ? pct(c.counts[i][i] / c.counts[i].reduce((s, v) => s + v, 0)) : '']);
    return `${title}<p>Rows: the true class; columns: the class predicted by the rules of the fold that held the row out.</p>${table(['true \\ predicted', ...c.classes, 'recall'], rows, [0], [0])}`;
  }
  const mistakes: Array<{ t: number; p: number; n: number }> = [];
  for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) if (t !== p && c.counts[t][p] > 0) mistakes.push({ t, p, n: c.counts[t][p] });
  mistakes.sort((a, b) => b.n - a.n || a.t - b.t || a.p - b.p);
  const total = c.counts.reduce((s, row) => s + row.reduce((u, v) => u + v, 0), 0);
  const wrong = mistakes.reduce((s, m) => s + m.n, 0);
  const top = mistakes.slice(0, 15);
  return `${title}<p>${k} classes: ${wrong.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} held-out rows predicted wrong; the most frequent mistakes:</p>${table(['true class', 'predicted', 'rows'], top.map((m) => [c.classes[m.t], c.classes[m.p], m.n]), [0, 1], [0, 1])}`;
}

export function writeReport(path: string, d: ReportData): void {
  writeFileAtomic(path, renderReport(d));
}

export { fmtNumber };
