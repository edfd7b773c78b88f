/**
 * calibratedNode (src/swarm/calibration-feed.ts): a node's measured/predicted factor scales its
 * whole prediction, the fixed part included, whether it has a measured cost model or only FLOP/s.
 */
import { describe, expect, it } from 'vitest';
import { Calibration } from '../../../src/cost/calibration';
import { basePredictionMs, calibratedNode } from '../../../src/swarm/calibration-feed';
import { syntheticMobileNetV2 } from '../../../src/plan/synthetic-model';
import type { PlanNode } from '../../../src/plan/plan-types';

const node: PlanNode = {
  id: 'n', flopsPerSecondByBackend: { wasm: 1e12 }, memoryBytes: 1e9, power: { idleWatts: 1, maxWatts: 2 },
  gramsCo2PerKwh: 100, intensitySource: 'test', sliceOverheadMs: 1,
};

describe('calibratedNode', () => {
  it('a FLOP/s-only node running 30x slower than predicted is predicted 30x slower, fixed part included', () => {
    const model = syntheticMobileNetV2();
    const range = [0, 5] as const;
    const base = basePredictionMs(node, 'wasm', model, range);
    const calibration = new Calibration();
    for (let i = 0; i < 12; i++) calibration.recordExecution({ nodeId: 'n', sliceKey: 'k', backend: 'wasm', basePredictedMs: base, busyMs: 30 * base, wallMs: 30 * base });
    expect(calibration.nodeFactor('n', 'wasm')).toBeCloseTo(30, 9);
    const calibrated = calibratedNode(node, calibration);
    expect(calibrated.costByBackend?.wasm?.label).toBe('calibrated');
    expect(calibrated.costByBackend?.wasm?.fixedMsPerRun).toBeCloseTo(30, 9);
    expect(calibrated.flopsPerSecondByBackend.wasm).toBeCloseTo(1e12 / 30, 0);
    // Before any execution the node is returned as it is.
    expect(calibratedNode(node, new Calibration())).toBe(node);
  });
});
