import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../../src/lab/load-scenario';
import { generateSwarm, generatedScenario, loadPlanModel, scalingStudy, simulateExperiment } from '../../../src/lab/simulate';

describe('experiment --simulate', () => {
  it("runs the paper scenario on the planner's model: our Green cuts carbon vs monolithic and vs the paper's Green", async () => {
    const scenario = await loadScenario('paper');
    const model = await loadPlanModel('tinycnn');
    const results = simulateExperiment({ ...scenario, model: 'tinycnn' }, model);
    expect(results.method).toBe('simulate');
    const by = Object.fromEntries(results.configurations.map((c) => [c.label, c]));
    expect(by['monolithic@Node-Medium']!.nodeUsage).toEqual({ 'Node-Medium': 1 });
    expect(by['paper-performance']!.placement).toContain('@Node-High');
    // (tinycnn is so small that the paper's S_C hardly differs between nodes; mobilenetv2 sends Green to Node-Green.)
    expect(by['planner-green']!.reductionVsMonolithic.mean).toBeGreaterThan(0);
    // The planner's green plan is at least as green as the paper's (same model of the nodes).
    expect(by['planner-green']!.gramsCo2PerInference.mean).toBeLessThanOrEqual(by['paper-green']!.gramsCo2PerInference.mean * (1 + 1e-9));
    expect(results.configurations.every((c) => c.errors.length === 0)).toBe(true);
  });

  it('generates large seeded swarms over many zones and times planning as they grow', async () => {
    const swarm = generateSwarm(200, 3);
    expect(swarm).toHaveLength(200);
    expect(new Set(swarm.map((n) => n.zone)).size).toBeGreaterThan(10);
    expect(generateSwarm(200, 3)).toEqual(swarm);
    const model = await loadPlanModel('tinycnn');
    const scenario = generatedScenario(await loadScenario('paper'), 40);
    const results = simulateExperiment({ ...scenario, model: 'tinycnn' }, model);
    expect(results.nodes).toHaveLength(40);
    expect(results.configurations.length).toBeGreaterThanOrEqual(7);
    const rows = scalingStudy(model, [3, 30], 1);
    expect(rows.map((r) => r.nodes)).toEqual([3, 30]);
    for (const r of rows) {
      expect(r.planMsByMode.green).toBeGreaterThan(0);
      expect(r.greenGramsCo2).toBeGreaterThan(0);
    }
  });
});
