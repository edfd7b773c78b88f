/** Small heterogeneous swarms for planner tests. */
import type { PlanModel } from '../../../src/plan/plan-model';
import type { PlanNode } from '../../../src/plan/plan-types';
import { seededRandom } from '../../../src/util/seeded-random';

/** `count` nodes with seeded speeds 0.5-5 GFLOP/s, 2-40 W, 50-800 gCO2/kWh. */
export function randomNodes(count: number, seed: number, memoryBytes = 4e9): PlanNode[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, k) => {
    const idle = 1 + random() * 5;
    return {
      id: `n${k}`,
      flopsPerSecondByBackend: { wasm: 5e8 + random() * 4.5e9, ...(random() < 0.3 ? { webgpu: 2e9 + random() * 8e9 } : {}) },
      memoryBytes,
      power: { idleWatts: idle, maxWatts: idle + 2 + random() * 35 },
      gramsCo2PerKwh: 50 + random() * 750,
      intensitySource: 'test',
    };
  });
}

/** A 6-node chain of 1 MFLOP nodes with 400-byte activations and a 40-byte output. */
export const chainModel: PlanModel = {
  name: 'chain',
  nodeCount: 6,
  nodeFlops: [1e6, 1e6, 1e6, 1e6, 1e6, 1e6],
  nodeWeightBytes: [0, 0, 0, 0, 0, 0],
  cutCrossingBytes: [400, 400, 400, 400, 400, 400, 40],
};

/** A node with 1 GB, 2-10 W, the given speed (FLOP/s) and intensity (gCO2/kWh). */
export function chainNode(id: string, flops: number, grams: number): PlanNode {
  return { id, flopsPerSecondByBackend: { wasm: flops }, memoryBytes: 1e9, power: { idleWatts: 2, maxWatts: 10 }, gramsCo2PerKwh: grams, intensitySource: 'test' };
}
