import { describe, expect, it } from 'vitest';
import { bundledReading } from '../../../src/carbon/bundled-intensity';
import { estimatedPowerModel } from '../../../src/carbon/power-model';
import { plan } from '../../../src/plan/planner';
import type { PlanModel } from '../../../src/plan/plan-model';
import type { NodeRecord } from '../../../src/swarm/coordinator';
import { toPlanNode } from '../../../src/swarm/plan-inputs';
import { runInsights } from '../../../src/ui/run-insights';

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

  it('turns a plan on unknown nodes into a line, not an exception', () => {
    const nodes = [record('a', 'Fast-PL', 6e9, 'PL'), record('b', 'Slow-SE', 2e9, 'SE')];
    const result = plan({ model, nodes: nodes.map(toPlanNode), mode: 'performance' });
    if (!result.ok) throw new Error(result.reason);
    const insights = runInsights([nodes[1]!], model, result.placement, configuration);
    expect(insights.why.lines).toEqual(['No explanation: the plan uses node a, which is not among the 1 planned nodes']);
  });
});
