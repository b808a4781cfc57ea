import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderReport, writeReport } from '../../cli/report/html.js';
import { SAMPLE } from './sample-report.js';
import { niceTicks, renderPlot } from '../../cli/report/svg.js';
import { dumpDom, findChromium, screenshot } from './browser.js';


describe('report rendering', () => {
  it('nice ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.93, 0.995)).toEqual([0.94, 0.96, 0.98]);
  });
  it('one self-contained HTML file with every plot, escaped text and no external assets', () => {
    const html = renderReport(SAMPLE);
    for (const id of ['training-loss', 'training-accuracy', 'accuracy-vs-sparsity', 'size-vs-accuracy', 'nas-pareto', 'nas-progress', 'automl-leaderboard', 'automl-progress', 'rules-folds']) {
      expect(html).toContain(`data-plot="${id}"`);
    }
    expect(html).toContain('test &lt;report&gt;');
    expect(html).not.toMatch(/<script|src=|href=|@import|url\(/);
    expect(html).toContain('IF petal_length &lt;= 2.45 THEN setosa');
    // the Pareto series holds exactly the front points
    const pareto = renderPlot({ id: 'p', title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'front', kind: 'line', points: [{ x: 1, y: 1 }, { x: 2, y: 3 }] }] });
    expect(pareto.match(/<circle/g)!.length).toBe(2);
    expect(renderPlot({ id: 'e', title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toContain('no data');
    // an accuracy axis stops at 1 (every fold at 100% had drawn ticks up to 1.5), yet still shows a point past it
    const yTicksOf = (svg: string) => [...svg.matchAll(/text-anchor="end" class="tick">([^<]+)</g)].map((m) => Number(m[1]));
    const flat = renderPlot({ id: 'f', title: 't', xLabel: 'fold', yLabel: 'accuracy', yWithin: [0, 1], series: [{ name: 'fold', kind: 'scatter', points: [1, 2, 3].map((x) => ({ x, y: 1 })) }] });
    const yTicks = yTicksOf(flat);
    expect(Math.max(...yTicks)).toBe(1);
    expect(Math.min(...yTicks)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...yTicksOf(renderPlot({ id: 'f', title: 't', xLabel: 'fold', yLabel: 'accuracy', series: [{ name: 'fold', kind: 'scatter', points: [1, 2, 3].map((x) => ({ x, y: 1 })) }] })))).toBeGreaterThan(1);
    expect(Math.max(...yTicksOf(renderPlot({ id: 'f', title: 't', xLabel: 'x', yLabel: 'y', yWithin: [0, 1], series: [{ name: 's', kind: 'scatter', points: [{ x: 1, y: 0.5 }, { x: 2, y: 1.2 }] }] })))).toBeGreaterThanOrEqual(1.2);
    // 200,000 points: Math.min(...points) had overflowed the call stack (past about 150,000), and a lookup per point
    // in the list of points had taken minutes
    const many = Array.from({ length: 200_000 }, (_, i) => ({ x: i, y: (i % 100) / 100 }));
    expect(yTicksOf(renderPlot({ id: 'm', title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', kind: 'line', points: many }] })).length).toBeGreaterThan(2);
  });

  it('rules: the held-out accuracy of each fold, and the cross-validated predictions as a matrix or, past 12 classes, the commonest mistakes', () => {
    const html = renderReport(SAMPLE);
    // a point per fold and the mean
    const folds = /<svg[^>]*data-plot="rules-folds"[\s\S]*?<\/svg>/.exec(html)![0];
    expect(folds.match(/<circle/g)!.length).toBeGreaterThanOrEqual(3);
    expect(html).toContain('<tr><td class="text name">versicolor</td><td>0</td><td>46</td><td>4</td><td>92.00%</td></tr>');
    const k = 14;
    const classes = Array.from({ length: k }, (_, i) => `c<${i}>`);
    const counts = classes.map((_, t) => classes.map((_, p): number => (t === p ? 10 : 0)));
    counts[3][5] = 7;
    counts[9][2] = 2;
    counts[2][9] = 2;
    const big = renderReport({ rules: { text: 'ELSE c0', cvAccuracy: NaN, nRules: 0, nConditions: 0, confusion: { classes, counts }, notes: ['target "n<>" is numeric'] } });
    expect(big).toContain('not cross-validated');
    expect(big).toContain('<ul><li>target &quot;n&lt;&gt;&quot; is numeric</li></ul>');
    expect(big).toContain('<p>14 classes: 11 of 151 held-out rows predicted wrong; the most frequent mistakes:</p>');
    // most first, ties by true class; names escaped
    expect(big).toContain('<tbody><tr><td class="text name">c&lt;3&gt;</td><td class="text name">c&lt;5&gt;</td><td>7</td></tr><tr><td class="text name">c&lt;2&gt;</td><td class="text name">c&lt;9&gt;</td><td>2</td></tr><tr><td class="text name">c&lt;9&gt;</td><td class="text name">c&lt;2&gt;</td><td>2</td></tr></tbody>');
    expect(big).not.toContain('recall');
  });

  it("AutoML's bar per learner is its best pipeline: the lowest score for an error metric; the column notes are listed", () => {
    const leaderboard = [{ rank: 1, learner: 'knn', score: 2.5 }, { rank: 2, learner: 'linear', score: 3.25 }, { rank: 3, learner: 'knn', score: 4.75 }];
    const bars = (html: string) => [...html.matchAll(/<title>([a-z]+: [\d.]+)<\/title><\/rect>/g)].map((m) => m[1]);
    const rmse = renderReport({ automl: { metric: 'rmse', leaderboard, lowerIsBetter: true, notes: ['name: 9 distinct values, none repeated: no columns (an identifier)'] } });
    expect(bars(rmse)).toEqual(['knn: 2.5', 'linear: 3.25']);
    expect(rmse).toContain('<li>column name: 9 distinct values, none repeated: no columns (an identifier)</li>');
    const r2 = renderReport({ automl: { metric: 'r2', leaderboard } });
    expect(bars(r2)).toEqual(['knn: 4.75', 'linear: 3.25']);
  });

  it('AutoML: how the search went, the learners with no completed trial, readable parameters and the model with its members', () => {
    const leaderboard = [{ rank: 1, learner: 'linear-svm', score: 0.9151, params: { C: 1, impute: 'knn' } }, { rank: 2, learner: 'mlp', score: 0.9, params: { hidden: [32, 16], learningRate: 0.012345678 } }];
    const html = renderReport({
      automl: {
        metric: 'accuracy',
        leaderboard,
        run: { trials: 40, stoppedEarly: 31, failed: 1, seconds: 12.34 },
        missing: { unfinished: ['gaussian-nb', 'knn'], untried: ['mlp'] },
        model: { kind: 'ensemble', savedTo: '/tmp/p.json', score: 0.9239, members: [{ learner: 'mlp', weight: 0.25, params: { hidden: [32, 16] } }, { learner: 'linear-svm', weight: 0.75, params: { C: 1 } }] },
      },
    });
    expect(html).toContain('<p>40 trials in 12.3 s: 8 completed, 31 stopped early, 1 failed. No trial of gaussian-nb, knn completed (each was stopped early or failed). Not tried: mlp.</p>');
    // parameters as key=value words (fractions to 3 digits), left-aligned, not JSON with 17 digits
    expect(html).toContain('<td class="text">hidden=[32,16] learningRate=0.0123</td>');
    expect(html).not.toContain('0.012345678');
    expect(html).toContain('<h3>The model, saved to <code>/tmp/p.json</code></h3><p>An ensemble of 2 pipelines (bagged ensemble selection, Caruana et al. 2004), accuracy 0.9239 on the out-of-fold predictions it was chosen on.</p>');
    // heaviest member first
    expect(html).toContain('<tr><td>1</td><td class="text name">linear-svm</td><td>0.750</td><td class="text">C=1</td></tr><tr><td>2</td><td class="text name">mlp</td><td>0.250</td><td class="text">hidden=[32,16]</td></tr>');
    const one = renderReport({ automl: { metric: 'accuracy', leaderboard, model: { kind: 'best', score: 0.9151, members: [{ learner: 'linear-svm', weight: 1, params: { C: 1 } }] } } });
    expect(one).toContain('<h3>The model</h3><p>The best pipeline (linear-svm), accuracy 0.9151 on the out-of-fold predictions it was chosen on.</p>');
    expect(one).not.toContain('member');
    // the best pipeline because selection ran out of budget: the report says so
    const skipped = renderReport({ automl: { metric: 'accuracy', leaderboard, model: { kind: 'best', why: 'no ensemble: selecting the ensemble over 12 pipelines did not fit the 60 s budget', members: [{ learner: 'linear-svm', weight: 1, params: { C: 1 } }] } } });
    expect(skipped).toContain('<p>The best pipeline (linear-svm). No ensemble: selecting the ensemble over 12 pipelines did not fit the 60 s budget.</p>');
  });

  const chromium = findChromium();
  if (!chromium) console.warn('report.test: skipping the browser checks: no Chromium at /usr/bin/chromium (Debian package "chromium"; .ci/run installs it)');
  it.skipIf(!chromium)('renders in headless Chromium with its plots present and drawn', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-report-'));
    const path = join(dir, 'report.html');
    writeReport(path, SAMPLE);
    const url = pathToFileURL(path).href;
    const dom = dumpDom(chromium!, url);
    expect(dom.match(/<svg[^>]*class="plot"/g)!.length).toBe(9);
    expect((dom.match(/<circle/g) ?? []).length).toBeGreaterThan(20);
    expect(dom).toContain('nas-pareto');
    // the pixels: the plots' blue series colour must be on screen, in several places
    const shot = screenshot(chromium!, url, 1200, 2400);
    let blue = 0;
    for (let i = 0; i < shot.rgba.length; i += 4) if (Math.abs(shot.rgba[i] - 0x25) < 12 && Math.abs(shot.rgba[i + 1] - 0x63) < 12 && Math.abs(shot.rgba[i + 2] - 0xeb) < 12) blue++;
    expect(blue).toBeGreaterThan(500);
    expect(readFileSync(path, 'utf8').length).toBeGreaterThan(5000);
  });
});
