// whittle nas on a table: the line that says how long its trials and retraining train (tableTrainingLine)
import { describe, expect, it } from 'vitest';
import { tableTrainingLine } from '../../cli/commands/nas.js';
import { NAS_TRIAL_BUDGET, TRAIN_BUDGET, epochsFor } from '../../cli/epochs.js';

/** The line for a table of `rows` rows (135 of them trained on in a trial for Iris), as runNas works out the defaults. */
function line(rows: number, given: { epochs?: number; retrainEpochs?: number } = {}): string {
  const trainRows = Math.round(0.9 * rows);
  return tableTrainingLine({
    trainRows, rows,
    epochsPerTrial: given.epochs ?? epochsFor(trainRows, 64, NAS_TRIAL_BUDGET),
    retrainEpochs: given.retrainEpochs ?? epochsFor(rows, 64, TRAIN_BUDGET),
    epochsGiven: given.epochs !== undefined, retrainGiven: given.retrainEpochs !== undefined,
  });
}

describe('tableTrainingLine', () => {
  it('counts the steps that will run (had been: the defaults\' 500 and 1,500 whatever ran)', () => {
    // Iris: 3 batches of 64; the defaults stop at 100 and 300 epochs, short of their 500 and 1,500 steps
    expect(line(150)).toBe("100 epochs a trial (about 300 steps in batches of 64; the default stops at 100 epochs) and 300 to retrain the pick (about 900 steps; the default stops at 300 epochs); --epochs and --retrain-epochs to choose");
    expect(line(150, { epochs: 5 })).toBe("5 epochs a trial (about 15 steps in batches of 64) and 300 to retrain the pick (about 900 steps; the default stops at 300 epochs); --epochs and --retrain-epochs to choose");
    expect(line(150, { epochs: 0.5 })).toMatch(/^0\.5 epochs a trial \(about 2 steps in batches of 64\) and/);
    expect(line(150, { retrainEpochs: 0 })).toBe('100 epochs a trial (about 300 steps in batches of 64; the default stops at 100 epochs) and no retraining of the pick; --epochs and --retrain-epochs to choose');
    expect(line(150, { retrainEpochs: 1 })).toMatch(/ and 1 to retrain the pick \(about 3 steps\);/);
  });

  it('says where a default reaches its steps, and where it trains more for its fewest epochs', () => {
    // 2,000 rows: 29 batches in a trial (18 epochs, 522 steps), 32 to retrain (47 epochs, 1,504 steps)
    expect(line(2000)).toBe('18 epochs a trial (about 522 steps in batches of 64) and 47 to retrain the pick (about 1,504 steps); --epochs and --retrain-epochs to choose');
    // 20,000 rows: 282 batches; 3 epochs at least, more than the 500 steps aimed at
    expect(line(20000)).toBe('3 epochs a trial (about 846 steps in batches of 64; the default trains at least 3) and 5 to retrain the pick (about 1,565 steps); --epochs and --retrain-epochs to choose');
    expect(line(1)).toBe('100 epochs a trial (about 100 steps in batches of 64; the default stops at 100 epochs) and 300 to retrain the pick (about 300 steps; the default stops at 300 epochs); --epochs and --retrain-epochs to choose');
  });
});
