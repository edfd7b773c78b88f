import { describe, expect, it } from 'vitest';
import { bundledReading } from '../../../src/carbon/bundled-intensity';
import { estimatedPowerModel } from '../../../src/carbon/power-model';
import { plan } from '../../../src/plan/planner';
import type { PlanModel } from '../../../src/plan/plan-model';
import type { NodeRecord } from '../../../src/swarm/coordinator';
import { toPlanNode } from '../../../src/swarm/plan-inputs';
import { runInsights } from '../../../src/ui/run-insights';
import { Calibration } from '../../../src/cost/calibration';

const model: PlanModel = { name: 'chain6g', nodeCount: 6, nodeFlops: [1e9, 1e9, 1e9, 1e9, 1e9, 1e9], nodeWeightBytes: [0, 0, 0, 0, 0, 0], cutCrossingBytes: [400, 400, 400, 400, 400, 400, 40] };
const record = (nodeId: string, name: string, flops: number, zone: string, state = 'ready'): NodeRecord => ({
  nodeId, name, deviceClass: 'laptop', hardwareConcurrency: 4, deviceMemoryGb: 8, webgpu: false, simulated: false, state, load: 0, lastSeenMs: 0,
  benchmark: { model: 'fake', backends: [{ backend: 'wasm', available: true, medianMs: 1, runs: 1, flopsPerSecond: flops }], threads: 1, crossOriginIsolated: false },
  profile: { intensity: bundledReading(zone), power: estimatedPowerModel({ deviceClass: 'laptop' }), slowdown: 1 },
} as unknown as NodeRecord);
const configuration = { model: 'chain6g', mode: 'green', stages: 0, inferences: 20, ratePerSecond: 0, seed: 1 };

describe('run insights', () => {
  it('gives named baselines and the explanation from the plannable nodes only', () => {
    const nodes = [record('a', 'Fast-PL', 6e9, 'PL'), record('b', 'Slow-SE', 2e9, 'SE'), record('c', 'Gone', 9e9, 'SE', 'gone')];
    const result = plan({ model, nodes: nodes.slice(0, 2).map(toPlanNode), mode: 'green' });
    if (!result.ok) throw new Error(result.reason);
    const insights = runInsights(nodes, model, result.placement, configuration);
    expect(insights.baselines.map((b) => b.key)).toEqual(['fastest-node', 'paper-green', 'plan-predicted']);
    expect(insights.baselines[0]!.label).toBe('whole model on the fastest node (Fast-PL)');
    expect(insights.gaps.map((g) => g.key)).toEqual(['coordinator']);
    expect(insights.why.lines[0]).toMatch(/^Weights: .* Chosen: the whole model on Slow-SE: /);
  });

  it('with the run\'s plan context, weighs the alternatives on the calibrated figures the plan was made with', () => {
    const nodes = [record('a', 'Fast-PL', 6e9, 'PL'), record('b', 'Slow-SE', 2e9, 'SE')];
    const result = plan({ model, nodes: nodes.map(toPlanNode), mode: 'green' });
    if (!result.ok) throw new Error(result.reason);
    // Slow-SE measured 3x its benchmark's prediction (an earlier run's, or this run's, calibration).
    const calibration = new Calibration();
    for (let i = 0; i < 6; i++) calibration.recordExecution({ nodeId: 'b', sliceKey: 'b|wasm|0|6', backend: 'wasm', basePredictedMs: 100, busyMs: 300, wallMs: 300 });
    const settings = { ...configuration, mode: 'green' as const };
    const split = (why: ReturnType<typeof runInsights>['why']) => why.alternatives.find((a) => a.key === 'best-split-2')!.prediction!.latencyMs;
    const plain = runInsights(nodes, model, result.placement, configuration);
    const calibrated = runInsights(nodes, model, result.placement, configuration, undefined, { settings, context: { replan: false, calibration } });
    // The 2-way split's half on Slow-SE at 3x: 2,008 ms on the benchmarks, 5,008 on the calibration.
    expect(split(calibrated.why) / split(plain.why)).toBeGreaterThan(2);
  });

  it('turns a plan on unknown nodes into a line, not an exception', () => {
    const nodes = [record('a', 'Fast-PL', 6e9, 'PL'), record('b', 'Slow-SE', 2e9, 'SE')];
    const result = plan({ model, nodes: nodes.map(toPlanNode), mode: 'performance' });
    if (!result.ok) throw new Error(result.reason);
    const insights = runInsights([nodes[1]!], model, result.placement, configuration);
    expect(insights.why.lines).toEqual(['No explanation: the plan uses node a, which is not among the 1 planned nodes']);
  });
});
