/** Small heterogeneous swarms for planner tests. */
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
