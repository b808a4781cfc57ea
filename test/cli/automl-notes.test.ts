import { describe, expect, it } from 'vitest';
import { ensembleLine, ensembleNote, sampleNote, taskNote } from '../../cli/commands/automl.js';
import { tableFromRecords } from '../../search/automl/frame.js';
import { encodeTarget } from '../../search/automl/pipeline.js';

describe('whittle automl notes', () => {
  it('says a larger --budget helps only when the budget is what stopped the ensemble', () => {
    expect(ensembleNote({})).toBeUndefined();
    expect(ensembleNote({ ensembleSkipped: 'selecting the ensemble over 12 pipelines did not fit the 60 s budget', ensembleSkippedBy: 'budget' })).toBe(
      'no ensemble: selecting the ensemble over 12 pipelines did not fit the 60 s budget (a larger --budget leaves time for it)',
    );
    // a sample's reason is not the budget's, whatever its words
    const sampled = 'the trials ran on a 20000-row sample and the best pipeline was refitted on all 200000 rows, where the ensemble was chosen for pipelines fitted on the sample: the best alone is the model (no budget changes that)';
    expect(ensembleNote({ ensembleSkipped: sampled, ensembleSkippedBy: 'sample' })).toBe(`no ensemble: ${sampled}`);
  });

  it('says when the trials saw a sample and which rows the best pipeline learnt from', () => {
    expect(sampleNote({ total: 344, searched: 344, best: 344 })).toBeUndefined();
    expect(sampleNote({ total: 200000, searched: 20000, best: 200000, why: 'asked for past 20000 rows' })).toBe(
      'trials cross-validated a sample of 20000 of the 200000 rows (asked for past 20000 rows; --sample-rows); the best pipeline was refitted on all 200000 rows',
    );
    expect(sampleNote({ total: 200000, searched: 20000, best: 20000, why: 'x' })).toBe('trials cross-validated a sample of 20000 of the 200000 rows (x; --sample-rows); the best pipeline was refitted on the 20000-row sample');
  });

  it('says the task, and how to ask for the other when it was guessed from numbers', () => {
    const note = (values: unknown[], asked: 'auto' | 'classification' | 'regression' = 'auto') => {
      const table = tableFromRecords(values.map((y, i) => ({ x: i, y })), 'y');
      return taskNote(encodeTarget(table, 'y', asked), asked, table, 'y');
    };
    expect(note([1.5, 2.5, 1.5, 2.5])).toBe('regression (a numeric target; --task classification reads its values as classes)');
    expect(note([1, 2, 3, 1, 2, 3])).toBe('classification into 3 classes (whole numbers, at most 10 distinct; --task regression reads them as numbers)');
    expect(note([1.5, 2.5, 1.5, 2.5], 'classification')).toBe('classification into 2 classes');
    expect(note(['a', 'b', 'a'])).toBe('classification into 2 classes');
  });

  it("says why an ensemble below the best pipeline is the model, and how to save the best", () => {
    const row = (score: number) => ({ rank: 1, trial: 0, learner: 'linear' as const, params: {}, score, std: 0, fitSeconds: 0 });
    const base = 'ensemble of the best pipelines: accuracy 0.0684 (on the out-of-fold predictions it was chosen on)';
    expect(ensembleLine({ metric: 'accuracy', ensembleScore: 0.0684, ensembleObjective: 'log-loss', leaderboard: [row(0.0869)] })).toBe(
      `${base}; below the best pipeline's 0.0869: its weights were chosen on log-loss, not accuracy; --save best saves the best pipeline instead`,
    );
    expect(ensembleLine({ metric: 'accuracy', ensembleScore: 0.0684, ensembleObjective: 'log-loss', leaderboard: [row(0.0684)] })).toBe(base);
    // lower is better for rmse and log loss
    expect(ensembleLine({ metric: 'rmse', ensembleScore: 0.4265, ensembleObjective: 'rmse', leaderboard: [row(0.4199)] })).toBe(
      "ensemble of the best pipelines: rmse 0.4265 (on the out-of-fold predictions it was chosen on); below the best pipeline's 0.4199: its weights were chosen on bags of the candidates; --save best saves the best pipeline instead",
    );
    expect(ensembleLine({ metric: 'rmse', ensembleScore: 0.41, ensembleObjective: 'rmse', leaderboard: [row(0.4199)] })).toBe('ensemble of the best pipelines: rmse 0.4100 (on the out-of-fold predictions it was chosen on)');
  });
});
