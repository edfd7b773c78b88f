/**
 * The paper policy's choices in a browser lab run follow the speed the lab judges the nodes on:
 * their cost models when every node has one, not the bundled model's single noisy figure.
 */
import { describe, expect, it } from 'vitest';
import { resolvePaperModes } from '../../../src/lab/browser-lab';
import { expandConfigurations } from '../../../src/lab/configurations';
import type { LabNodeInfo } from '../../../src/lab/lab-api';
import { loadScenario } from '../../../src/lab/load-scenario';
import { OP_CLASSES, type BackendCost, type PlanNode } from '../../../src/plan/plan-types';

/** A node page as the lab sees it: a cost model at `costGflops` per class, the bundled model at `bundledGflops`. */
function node(name: string, slowdown: number, intensity: number, costGflops: number | undefined, bundledGflops: number): LabNodeInfo {
  const cost: BackendCost | undefined = costGflops === undefined ? undefined : { flopsPerSecondByOpClass: Object.fromEntries(OP_CLASSES.map((c) => [c, costGflops * 1e9])) as BackendCost['flopsPerSecondByOpClass'], fixedMsPerRun: 0.05 * slowdown, label: 'measured' };
  const planNode: PlanNode = {
    id: name, flopsPerSecondByBackend: { wasm: bundledGflops * 1e9 }, memoryBytes: 512e6, power: { idleWatts: 1, maxWatts: 4.5 },
    gramsCo2PerKwh: intensity, intensitySource: 'configured', ...(cost ? { costByBackend: { wasm: cost } } : {}),
  } as PlanNode;
  return { nodeId: name, name, state: 'ready', simulated: true, slowdown, flopsPerSecond: bundledGflops * 1e9, gramsCo2PerKwh: intensity, intensitySource: 'configured', powerLabel: 'configured', planNode };
}

describe('resolvePaperModes', () => {
  it('routes on the cost models: a slowed node whose bundled-model figure read high is not taken for the fastest', async () => {
    const scenario = await loadScenario('paper');
    const configs = expandConfigurations(scenario);
    // Cost models agree with the slowdowns (5, 3, 2 GFLOP/s); the slowdown-1 node's bundled figure
    // read 4 GFLOP/s (an outlier) against 16 / 1.667 and 16 / 2.5 for the others.
    const nodes = [node('Node-High', 1, 620, 5, 4), node('Node-Medium', 1.667, 530, 3, 9.6), node('Node-Green', 2.5, 380, 2, 6.4)];
    const choices = resolvePaperModes(configs, scenario, nodes);
    expect(choices.get('paper-performance')!.node).toBe('Node-High');
    // Without cost models on every node the bundled figure is all there is, and it decides.
    const bundledOnly = resolvePaperModes(configs, scenario, [node('Node-High', 1, 620, undefined, 4), nodes[1]!, nodes[2]!]);
    expect(bundledOnly.get('paper-performance')!.node).toBe('Node-Medium');
  });
});
