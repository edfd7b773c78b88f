import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../../src/lab/load-scenario';
import { expandConfigurations, paperChoice } from '../../../src/lab/configurations';
import { LabScenarioError, parseLabScenario, withOverrides } from '../../../src/lab/scenario';
import { labNodeQuery, parseLabNodeParams } from '../../../src/lab/lab-node-params';

const base = {
  model: 'tinycnn',
  nodes: [
    { name: 'A', slowdown: 1, intensity: 600 },
    { name: 'B', cpuShare: 0.5, zone: 'FR', power: { idleWatts: 1, maxWatts: 5 } },
  ],
  configurations: [{ kind: 'monolithic', node: 'A' }, { kind: 'paper', mode: 'green' }],
};
const bad = (patch: Record<string, unknown>) => () => parseLabScenario({ ...base, ...patch });

describe('lab scenario files', () => {
  it('accepts a valid scenario with defaults filled in', () => {
    const s = parseLabScenario(base, 'mine');
    expect(s).toMatchObject({ name: 'mine', model: 'tinycnn', inferences: 50, repetitions: 3, seed: 1, inFlight: 1, auditRate: 0, monolithicNode: 'A' });
    expect(parseLabScenario({ ...base, auditRate: 0.1 }).auditRate).toBe(0.1);
    expect(s.nodes[1]).toMatchObject({ name: 'B', slowdown: 2, zone: 'FR', memoryMb: 1024, power: { idleWatts: 1, maxWatts: 5 } });
    expect(s.inputShape).toEqual([1, 3, 32, 32]);
    expect(s.nodes[0]!.threads).toBeUndefined();
    expect(parseLabScenario({ ...base, nodes: [{ name: 'A', intensity: 600, threads: 2 }] }).nodes[0]!.threads).toBe(2);
  });

  it('refuses bad scenarios with one line naming the field', () => {
    expect(bad({ model: 'resnet999' })).toThrow(/model: unknown model "resnet999" \(catalogue: .*tinycnn/);
    expect(bad({ nodes: [] })).toThrow('scenario nodes: needs at least one node');
    expect(bad({ nodes: [{ name: 'A', slowdown: -2, intensity: 100 }] })).toThrow('scenario nodes[0].slowdown: must be between 1 and 100, got -2');
    expect(bad({ nodes: [{ name: 'A', intensity: 100 }, { name: 'A', intensity: 200 }] })).toThrow('duplicate node name "A"');
    expect(bad({ nodes: [{ name: 'A', intensity: 100, threads: 0 }] })).toThrow('scenario nodes[0].threads: must be between 1 and 16, got 0');
    expect(bad({ nodes: [{ name: 'A', intensity: 100, threads: 1.5 }] })).toThrow('scenario nodes[0].threads: must be a whole number of threads, got 1.5');
    expect(bad({ nodes: [{ name: 'A' }] })).toThrow('needs a zone or an intensity');
    expect(bad({ nodes: [{ name: 'A', zone: 'XX' }] })).toThrow('unknown zone "XX"');
    expect(bad({ configurations: [{ kind: 'monolithic', node: 'Z' }] })).toThrow('no node named "Z"');
    expect(bad({ configurations: [{ kind: 'split', stages: 3 }] })).toThrow('configurations[0].stages: must be between 1 and 2, got 3');
    expect(bad({ configurations: [{ kind: 'planner', weights: { latency: 0.5, carbon: 0.2 } }] })).toThrow('weights must sum to 1');
    expect(bad({ configurations: [{ kind: 'paper', mode: 'turbo' }] })).toThrow('must be one of performance, balanced, green');
    expect(bad({ inputShape: [1, 3, 224, 224] })).toThrow("does not match tinycnn's input 1x3x32x32");
    expect(bad({ colour: 'green' })).toThrow('unknown field "colour"');
    expect(bad({ auditRate: 5 })).toThrow('auditRate: must be between 0 and 1, got 5');
    expect(bad({ configurations: [{ kind: 'planner', latencyBudgetMs: 100, latencyBudgetFactor: 2 }] })).toThrow('configurations[0].latencyBudgetFactor: give latencyBudgetMs or latencyBudgetFactor, not both');
    expect(bad({ configurations: [{ kind: 'planner', latencyBudgetFactor: 0.5 }] })).toThrow('configurations[0].latencyBudgetFactor: must be between 1 and 100, got 0.5');
    for (const f of [bad({ model: 'x' }), bad({ nodes: [] })]) {
      let thrown: unknown;
      try {
        f();
      } catch (error) {
        thrown = error;
      }
      // Fails when nothing throws, not only when the wrong thing does.
      expect(thrown).toBeInstanceOf(LabScenarioError);
      expect((thrown as Error).message).not.toContain('\n');
    }
  });

  it('ships the paper and classroom scenarios, and applies command-line overrides with the same checks', async () => {
    const paper = await loadScenario('paper');
    expect(paper.nodes.map((n) => [n.name, +n.slowdown.toFixed(3), n.gramsCo2PerKwh])).toEqual([['Node-High', 1, 620], ['Node-Medium', 1.667, 530], ['Node-Green', 2.5, 380]]);
    expect(paper).toMatchObject({ model: 'mobilenetv2', inferences: 50, repetitions: 3, monolithicNode: 'Node-Medium' });
    const classroom = await loadScenario('classroom');
    expect(classroom.nodes).toHaveLength(6);
    expect(new Set(classroom.nodes.map((n) => n.zone)).size).toBe(3);
    expect(withOverrides(paper, { inferences: 10, repetitions: 1, model: 'tinycnn' })).toMatchObject({ inferences: 10, repetitions: 1, model: 'tinycnn', inputShape: [1, 3, 32, 32] });
    expect(() => withOverrides(paper, { model: 'nope' })).toThrow(LabScenarioError);
    await expect(loadScenario('/no/such/file.json')).rejects.toThrow('no scenario "/no/such/file.json"');
  });

  it('expands sweeps and labels configurations uniquely', () => {
    const s = parseLabScenario({ ...base, configurations: [{ kind: 'sweep', points: 3 }, { kind: 'planner', mode: 'green' }, { kind: 'planner', mode: 'green' }, { kind: 'split', stages: 2, nodes: ['B', 'A'] }] });
    const c = expandConfigurations(s);
    expect(c.map((x) => x.label)).toEqual(['sweep wC=0.00', 'sweep wC=0.50', 'sweep wC=1.00', 'planner-green', 'planner-green #2', 'split2-B>A']);
    expect(c[1]!.weights!.carbon).toBe(0.5);
    expect(c[1]!.weights!.latency + c[1]!.weights!.energy).toBeCloseTo(0.5, 12);
    expect(c[5]!.pin).toEqual(['B', 'A']);
  });

  it("routes with the paper's policy: Performance to the fast node, Green to the low-carbon one", () => {
    const nodes = [
      { name: 'High', slowdown: 1, memoryMb: 1024, gramsCo2PerKwh: 620, maxWatts: 4.5, execMs: 250 },
      { name: 'Medium', slowdown: 1 / 0.6, memoryMb: 512, gramsCo2PerKwh: 530, maxWatts: 2.7, execMs: 417 },
      { name: 'Green', slowdown: 2.5, memoryMb: 512, gramsCo2PerKwh: 380, maxWatts: 1.8, execMs: 625 },
    ];
    expect(paperChoice('performance', nodes, 50, 1).node).toBe('High');
    const green = paperChoice('green', nodes, 50, 1);
    expect(green.node).toBe('Green');
    expect(Object.values(green.usage).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('lab node URL parameters', () => {
  it('round-trips through the query the runner writes', () => {
    const q = labNodeQuery({ name: 'Node-High', slowdown: 2.5, intensity: '620', watts: '30', idleWatts: 6, zone: 'PL', memoryMb: 512, threads: 1 });
    expect(parseLabNodeParams(`?room=r&token=t&${q}`)).toEqual({ ok: true, lab: true, params: { name: 'Node-High', slowdown: 2.5, intensity: '620', watts: '30', idleWatts: 6, zone: 'PL', memoryMb: 512, threads: 1 } });
    expect(parseLabNodeParams('?room=r&token=t')).toEqual({ ok: true, lab: false });
  });

  it('explains bad values instead of failing silently', () => {
    expect(parseLabNodeParams('?slowdown=0.5')).toEqual({ ok: false, reason: 'lab parameter slowdown=0.5 must be between 1 and 100' });
    expect(parseLabNodeParams('?slowdown=fast')).toMatchObject({ ok: false, reason: expect.stringContaining('is not a number') });
    expect(parseLabNodeParams('?name=')).toMatchObject({ ok: false });
    expect(parseLabNodeParams('?idle=3')).toMatchObject({ ok: false, reason: expect.stringContaining('needs watts') });
    expect(parseLabNodeParams('?watts=10&idle=20')).toMatchObject({ ok: false });
    expect(parseLabNodeParams('?threads=0')).toEqual({ ok: false, reason: 'lab parameter threads=0 must be between 1 and 16' });
    expect(parseLabNodeParams('?threads=1.5')).toEqual({ ok: false, reason: 'lab parameter threads=1.5 must be a whole number' });
  });
});

describe('speedAgreement', () => {
  it('accepts nodes whose speed x slowdown agree and warns when they do not', async () => {
    const { speedAgreement } = await import('../../../src/lab/results');
    const fine = speedAgreement([{ name: 'A', slowdown: 1, flopsPerSecond: 10e9 }, { name: 'B', slowdown: 2.5, flopsPerSecond: 3.6e9 }]);
    expect(fine.warning).toBeUndefined();
    expect(fine.ratio).toBeCloseTo(1.111, 3);
    const bad = speedAgreement([{ name: 'High', slowdown: 1, flopsPerSecond: 4e9 }, { name: 'Medium', slowdown: 1.67, flopsPerSecond: 9.6e9 }]);
    expect(bad.ratio).toBeCloseTo(4.008, 3);
    expect(bad.warning).toMatch(/^WARNING: measured speed \(self-benchmark\) x configured slowdown differs 4\.01x between Medium and High \(allowed 1\.35x\)/);
  });

  it('judges the cost model the planner ranks by when every node has one, not the one-model self-benchmark', async () => {
    const { speedAgreement, judgedSpeed } = await import('../../../src/lab/results');
    const cost = (k: number) => ({ costByBackend: { wasm: { flopsPerSecondByOpClass: { conv: 26e9 / k, depthwise: 1.2e9 / k, matmul: 7.4e9 / k, elementwise: 0.23e9 / k, memory: 0.23e9 / k }, fixedMsPerRun: 0.3, label: 'measured' as const } } });
    // Measured in one green-budget run: self-benchmark x slowdown 5.8 / 15.0 / 15.8 GFLOP/s (2.72x),
    // the cost model's rates x slowdown within 1.02x.
    const nodes = [
      { name: 'Desktop-PL', slowdown: 1, flopsPerSecond: 5.8e9, planNode: cost(1) },
      { name: 'Laptop-NO', slowdown: 4, flopsPerSecond: 3.75e9, planNode: cost(4 * 1.02) },
      { name: 'Laptop-DE', slowdown: 3.5, flopsPerSecond: 4.52e9, planNode: cost(3.5) },
    ];
    const judged = speedAgreement(nodes);
    expect(judged).toMatchObject({ basis: 'cost model' });
    expect(judged.ratio).toBeCloseTo(1.02, 6);
    expect(judged.warning).toBeUndefined();
    const gm = Math.exp((Math.log(26e9) + Math.log(1.2e9) + Math.log(7.4e9) + 2 * Math.log(0.23e9)) / 5);
    expect(judgedSpeed(nodes[0]!, 'cost model')).toBeCloseTo(gm, -3);
    // One node without a measured cost: every node is judged on the self-benchmark, which disagrees.
    const mixed = [...nodes.slice(0, 2), { name: 'Laptop-DE', slowdown: 3.5, flopsPerSecond: 4.52e9 }];
    expect(speedAgreement(mixed)).toMatchObject({ basis: 'self-benchmark' });
    expect(speedAgreement(mixed).warning).toMatch(/differs 2\.73x between Laptop-DE and Desktop-PL/);
  });
});
