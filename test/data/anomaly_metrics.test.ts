// Anomaly metrics against an example worked by hand.
import { describe, expect, it } from 'vitest';
import { anomalyMetrics, resolveNormalLabel, scoredRows, thresholdFromMetadata, thresholdToMetadata, trainingThreshold } from '../../src/data/anomaly_metrics.js';

// Six test rows; label 0 is normal, so rows 2, 4 and 5 (scores 3, 5, 6) are anomalies.
const scores = [1, 2, 3, 4, 5, 6];
const labels = [0, 0, 1, 0, 1, 1];

describe('anomaly metrics', () => {
  it('the training threshold is mean + 1 population standard deviation', () => {
    // Scores 1, 2, 3, 2: mean 2, variance (1 + 0 + 1 + 0) / 4 = 0.5.
    expect(trainingThreshold([1, 2, 3, 2])).toBeCloseTo(2 + Math.sqrt(0.5), 15);
  });

  it('AUC, AP, precision, recall and accuracy of a hand-worked example', () => {
    const m = anomalyMetrics(scores, labels, 0, trainingThreshold([1, 2, 3, 2]));
    // AUC: anomaly 3 beats normals 1 and 2 (2 of 3), anomalies 5 and 6 beat all three: 8 / 9.
    expect(m.auc).toBeCloseTo(8 / 9, 15);
    // AP: from the top 6 (A), 5 (A), 4 (N), 3 (A): recall steps of 1/3 at precision 1, 1, 3/4: 11 / 12.
    expect(m.ap).toBeCloseTo(11 / 12, 15);
    // Threshold 2.707: flagged 3, 4, 5, 6 -> 3 anomalies and 1 normal flagged; normals 1, 2 kept.
    expect(m).toMatchObject({ precision: 3 / 4, recall: 1, accuracy: 5 / 6, normal: 3, anomalies: 3, flagged: 4 });
    const strict = anomalyMetrics(scores, labels, 0, 4.5);
    expect(strict).toMatchObject({ threshold: 4.5, precision: 1, recall: 2 / 3, accuracy: 5 / 6, flagged: 2 });
    // A score equal to the threshold is flagged (the tutorial calls a row normal below it).
    expect(anomalyMetrics(scores, labels, 0, 5).flagged).toBe(2);
    expect(anomalyMetrics(scores, labels, 0, 100)).toMatchObject({ precision: 0, recall: 0, accuracy: 0.5 });
  });

  it('rows, the normal label by number or class name, metadata', () => {
    expect(scoredRows([0.5, 2], [1, 0], Uint32Array.from([7, 9]))).toEqual([{ index: 7, score: 0.5, label: 1 }, { index: 9, score: 2, label: 0 }]);
    expect(scoredRows([0.5], null)).toEqual([{ index: 0, score: 0.5, label: null }]);
    expect(resolveNormalLabel('1', labels)).toBe(1);
    expect(resolveNormalLabel('normal', [0, 1, 1], ['inverted_t', 'normal'])).toBe(1);
    expect(() => resolveNormalLabel('7', labels)).toThrow('--normal-label 7: no row has that label; the labels are 0, 1');
    expect(() => resolveNormalLabel('healthy', [0, 1], ['a', 'b'])).toThrow('--normal-label healthy: no row has that label or class name; the labels are 0 (a), 1 (b)');
    expect(() => anomalyMetrics([1, 2], [0, 0], 0, 1)).toThrow('--normal-label 0: the test rows hold 2 normal rows and 0 anomalies; the metrics need both');
    const meta = thresholdToMetadata(2.5, 0);
    expect(meta).toEqual({ anomalyThreshold: '2.5', normalLabel: '0' });
    expect(thresholdFromMetadata(meta, 'm')).toBe(2.5);
    expect(thresholdFromMetadata({}, 'm')).toBeNull();
    expect(() => thresholdFromMetadata({ anomalyThreshold: 'x' }, 'm.safetensors')).toThrow('m.safetensors: metadata "anomalyThreshold" is "x", must be a number');
  });
});
