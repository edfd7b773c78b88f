import { describe, expect, it } from 'vitest';
import type { LedgerRow } from '../../../src/carbon/ledger';
import type { PredictionRow } from '../../../src/cost/calibration';
import type { LabRunRecord } from '../../../src/lab/lab-api';
import { measureRun } from '../../../src/lab/results';
import type { Placement } from '../../../src/plan/plan-types';

const key = (node: string, start: number, stop: number) => `${node}|wasm|${start}|${stop}`;
const prediction = (nodeId: string, start: number, stop: number, predictedMs: number, measuredWallMs: number): PredictionRow => ({
  nodeId, sliceKey: key(nodeId, start, stop), backend: 'wasm', executions: 9, basePredictedMs: 10, predictedMs, source: 'slice',
  measuredWallMs, measuredBusyMs: measuredWallMs, baseError: 0, error: 0,
});
const execution = (nodeId: string, sliceId: string, wallMs: number) => ({ type: 'execution', nodeId, sliceId, busyMs: wallMs, wallMs }) as unknown as LedgerRow;

describe('per-slice predicted vs measured in the lab results', () => {
  it('compares the calibrated prediction with the median of all the run\'s executions of that slice, not the calibration\'s tail window, for the slices of the placement measured', () => {
    const placement = {
      pipelines: [{ share: 1, hops: [], prediction: {}, slices: [
        { nodeId: 'a', sliceRange: [0, 24], backend: 'wasm' },
        { nodeId: 'b', sliceRange: [24, 100], backend: 'wasm' },
      ] }],
      prediction: { latencyMs: 50, throughputPerSecond: 20, energyJoules: 1, gramsCo2: 1e-4 },
    } as unknown as Placement;
    // Node a's walls: median 30 over the run; the calibration's last window (the drained tail) said 17.
    const walls = [30, 41, 22, 35, 28, 30, 45, 19, 33, 30, 17];
    const record = {
      settings: { window: 1 }, error: '', placement, nodeNames: { a: 'A', b: 'B' },
      outcomes: walls.map((_, i) => ({ requestId: i, ok: true, latencyMs: 60, attempts: 1 })),
      rows: [...walls.map((w) => execution('a', 'slice0', w)), ...walls.map(() => execution('b', 'slice1', 12)), execution('coordinator', 'audit:0', 99)],
      runWallMs: 1000, planningMs: 1, deployMs: 1, replans: 0,
      // A slice of the placement the run left after its warm-up (a budget re-plan): not in the table.
      // The calibration had 6 of node a's warm-up executions (first and pipeline-fill ones left out).
      predictionsAfterWarmup: [{ ...prediction('a', 0, 24, 33, 31), executions: 6 }, prediction('b', 24, 100, 12.6, 12), prediction('a', 0, 90, 80, 82)],
      predictions: [prediction('a', 0, 24, 18, 17), prediction('b', 24, 100, 12.1, 12), prediction('a', 0, 90, 81, 82)],
    } as unknown as LabRunRecord;
    const m = measureRun('split', 1, record);
    expect(m.slicePredictions).toEqual([
      { node: 'A', slice: '[0,24)@wasm', basePredictedMs: 10, calibratedMs: 33, measuredMs: 30, executions: 11, calibratedFrom: 6 },
      { node: 'B', slice: '[24,100)@wasm', basePredictedMs: 10, calibratedMs: 12.6, measuredMs: 12, executions: 11, calibratedFrom: 9 },
    ]);
  });

  it('finds a replica\'s executions: slice ids number the slices of all pipelines in order', () => {
    const placement = {
      pipelines: [
        { share: 0.6, hops: [], prediction: {}, slices: [{ nodeId: 'a', sliceRange: [0, 100], backend: 'wasm' }] },
        { share: 0.4, hops: [], prediction: {}, slices: [{ nodeId: 'b', sliceRange: [0, 100], backend: 'wasm' }] },
      ],
      prediction: { latencyMs: 50, throughputPerSecond: 20, energyJoules: 1, gramsCo2: 1e-4 },
    } as unknown as Placement;
    const record = {
      settings: { window: 1 }, error: '', placement, nodeNames: { a: 'A', b: 'B' },
      outcomes: [0, 1, 2, 3, 4].map((i) => ({ requestId: i, ok: true, latencyMs: 60, attempts: 1 })),
      rows: [execution('a', 'slice0', 40), execution('a', 'slice0', 42), execution('a', 'slice0', 41), execution('b', 'slice1', 90), execution('b', 'slice1', 94)],
      runWallMs: 1000, planningMs: 1, deployMs: 1, replans: 0,
      predictionsAfterWarmup: [prediction('a', 0, 100, 45, 44), prediction('b', 0, 100, 87, 88)],
      predictions: [prediction('a', 0, 100, 44, 44), prediction('b', 0, 100, 88, 88)],
    } as unknown as LabRunRecord;
    expect(measureRun('replicas', 1, record).slicePredictions).toEqual([
      { node: 'A', slice: '[0,100)@wasm', basePredictedMs: 10, calibratedMs: 45, measuredMs: 41, executions: 3, calibratedFrom: 9 },
      { node: 'B', slice: '[0,100)@wasm', basePredictedMs: 10, calibratedMs: 87, measuredMs: 92, executions: 2, calibratedFrom: 9 },
    ]);
  });
});
