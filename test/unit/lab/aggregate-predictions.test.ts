/**
 * A configuration's predictions in the lab results (src/lab/results.ts `aggregate`): each
 * repetition is predicted on its own (before it ran and after its own warm-up), and the mean of
 * those predictions is what the mean measured is compared with. Taking the first repetition's alone
 * compared one warm-up (137.8 ms, measured on a busy machine) with three repetitions (77.7 ms mean).
 */
import { describe, expect, it } from 'vitest';
import { aggregate, type RepeatMeasure } from '../../../src/lab/results';
import type { ExpandedConfiguration } from '../../../src/lab/configurations';

const prediction = (latencyMs: number) => ({ latencyMs, throughputPerSecond: 1000 / latencyMs, energyJoules: latencyMs / 1000, gramsCo2: latencyMs * 1e-7 });
const repeat = (n: number, latencyMs: number, extra: Partial<RepeatMeasure>): RepeatMeasure => ({
  configuration: 'p', repeat: n, completed: 20, failed: 0, latencyMs, throughputPerSecond: 1000 / latencyMs, energyJoulesPerInference: 1, gramsCo2PerInference: 1e-5,
  planningMsPerRequest: 0, busyMsByNode: { A: 1 }, placement: '[0,100)@A', ...extra,
});
const configs = [{ label: 'p', kind: 'planner', mode: 'performance', stages: 0 }] as unknown as ExpandedConfiguration[];

describe('predictions over repetitions', () => {
  it('compares the mean of the repetitions\' own predictions with the mean measured', () => {
    const [result] = aggregate(configs, [
      repeat(1, 91.7, { predicted: prediction(146), predictedCalibrated: prediction(137.8) }),
      repeat(2, 72.8, { predicted: prediction(146), predictedCalibrated: prediction(74) }),
      repeat(3, 68.6, { predicted: prediction(140), predictedCalibrated: prediction(70.2) }),
    ], 'p');
    expect(result!.latencyMs.mean).toBeCloseTo(77.7, 1);
    expect(result!.predictedCalibrated!.latencyMs).toBeCloseTo(94, 6);
    expect(result!.predictedCalibrated!.energyJoules).toBeCloseTo(0.094, 6);
    expect(result!.predicted!.latencyMs).toBeCloseTo(144, 6);
  });

  it('uses the repetitions that have a prediction, and says nothing when none has', () => {
    const [some] = aggregate(configs, [repeat(1, 90, {}), repeat(2, 80, { predictedCalibrated: prediction(82) })], 'p');
    expect(some!.predictedCalibrated!.latencyMs).toBe(82);
    expect(some!.predicted).toBeUndefined();
    const [none] = aggregate(configs, [repeat(1, 90, {})], 'p');
    expect(none).not.toHaveProperty('predictedCalibrated');
    expect(none).not.toHaveProperty('predicted');
  });
});
