import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { indexModel, parseModel, profileModel, type ModelProfile } from '../../../src/graph/index';
import { loadZooModel } from '../../../src/zoo/index';
import { runTotals } from '../../../src/history/run-totals';
import { parseRunRecord } from '../../../src/history/run-record';
import { compareInputsFromRuns } from '../../../src/ui/compare-modes';
import { CompareSettingsError, compareProblem, runComparison } from '../../../src/ui/compare-runner';
import { configuredCoordinator, whatIfForZone, type WhatIf } from '../../../src/ui/what-if';
import { startSwarm } from '../../helpers/swarm-harness';

let profile: ModelProfile;
let stopSwarm: (() => Promise<void>) | undefined;

beforeAll(async () => {
  profile = await profileModel(indexModel(parseModel(await loadZooModel('tinycnn'))), [{ name: undefined, dims: [1, 3, 32, 32] }]);
});

afterEach(async () => {
  await stopSwarm?.();
  stopSwarm = undefined;
});

const nodes = [
  { name: 'fast-coal', flopsPerSecond: 4e9, zone: 'PL' },
  { name: 'slow-clean', flopsPerSecond: 1e9, zone: 'SE' },
  { name: 'mid', flopsPerSecond: 2e9, zone: 'DE' },
];

describe('compare runner', () => {
  it('runs each configuration per round back to back on the swarm and keeps each run as a record', async () => {
    const swarm = await startSwarm({ network: { seed: 7 }, nodes });
    stopSwarm = swarm.stop;
    const progress: string[] = [];
    const saved: string[] = [];
    const records = await runComparison({
      coordinator: swarm.coordinator,
      profile,
      model: 'tinycnn',
      configurations: [{ label: 'performance', mode: 'performance', stages: 0 }, { label: 'green', mode: 'green', stages: 0 }, { label: 'split2', mode: 'balanced', stages: 2 }],
      repeats: 2,
      inferences: 4,
      onProgress: (t) => progress.push(t),
      onRecord: (r) => saved.push(`${r.configuration.label}:${r.status}`),
    });
    expect(records.map((r) => r.configuration.label)).toEqual(['performance', 'green', 'split2', 'performance', 'green', 'split2']);
    expect(progress[4]).toBe('green: repeat 2 of 2 (run 5 of 6)');
    expect(saved.filter((s) => s.endsWith(':done'))).toHaveLength(6);
    for (const r of records) {
      expect(parseRunRecord(r)).toBe(r);
      expect(r.status).toBe('done');
      expect(r.requests.filter((q) => q.ok)).toHaveLength(4);
      expect(r.configuration.seed).toBe(1);
      expect(runTotals(r).total.energyJoules).toBeGreaterThan(0);
      expect(r.baselines.map((b) => b.key)).toEqual(['fastest-node', 'paper-green', 'plan-predicted']);
    }
    // performance puts the whole model on the fastest node, green on the cleanest grid.
    const names = (i: number) => records[i]!.plan!.pipelines[0]!.slices.map((s) => records[i]!.nodes.find((n) => n.nodeId === s.nodeId)!.name);
    expect(names(0)).toEqual(['fast-coal']);
    expect(names(1)).toEqual(['slow-clean']);
    expect(names(2)).toHaveLength(2);
    const inputs = compareInputsFromRuns(records);
    expect(inputs.map((c) => [c.label, c.gramsCo2PerInference.length])).toEqual([['performance', 2], ['green', 2], ['split2', 2]]);
    expect(inputs[1]!.gramsCo2PerInference[0]).toBe(runTotals(records[1]!).gramsCo2PerInference);
  });

  it('plans and books with what-if intensities set on the coordinator, labelled configured', async () => {
    const swarm = await startSwarm({ network: { seed: 8 }, nodes });
    stopSwarm = swarm.stop;
    const id = (name: string) => swarm.coordinator.nodes().find((n) => n.name === name)!.nodeId;
    // Turn the grids around: the fast node gets the cleanest grid.
    const overrides = new Map<string, WhatIf>([[id('fast-coal'), whatIfForZone('SE')], [id('slow-clean'), whatIfForZone('PL')], [id('mid'), whatIfForZone('PL')]]);
    const [run] = await runComparison({
      coordinator: configuredCoordinator(swarm.coordinator, () => overrides),
      profile,
      model: 'tinycnn',
      configurations: [{ label: 'green', mode: 'green', stages: 0 }, { label: 'performance', mode: 'performance', stages: 0 }],
      repeats: 1,
      inferences: 3,
    });
    expect(run!.nodes.find((n) => n.nodeId === run!.plan!.pipelines[0]!.slices[0]!.nodeId)!.name).toBe('fast-coal');
    const fast = run!.nodes.find((n) => n.name === 'fast-coal')!;
    expect(fast).toMatchObject({ intensityZone: 'SE', intensitySource: 'configured', intensityConfigured: true, gramsCo2PerKwh: whatIfForZone('SE').gramsCo2PerKwh });
    const rows = run!.ledger.rows.filter((r) => r.type === 'execution');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.intensitySource).toBe('configured');
      expect(row.gramsCo2PerKwh).toBe(whatIfForZone('SE').gramsCo2PerKwh);
    }
  });

  it('measures the links not measured yet before the first configuration, and says which stayed unmeasured', async () => {
    const swarm = await startSwarm({ network: { seed: 7 }, nodes });
    stopSwarm = swarm.stop;
    const progress: string[] = [];
    const asked: number[] = [];
    const first = swarm.nodes[0]!.peerId;
    const links = {
      planLinks: () => [],
      transferCpuMsPerByte: () => undefined,
      has: () => false,
      measurePending: async (timeoutMs: number) => {
        asked.push(timeoutMs);
        return [first];
      },
    };
    const records = await runComparison({
      coordinator: swarm.coordinator, profile, model: 'tinycnn', configurations: [{ label: 'performance', mode: 'performance', stages: 0 }, { label: 'green', mode: 'green', stages: 0 }],
      repeats: 1, inferences: 2, links, onProgress: (t) => progress.push(t),
    });
    expect(asked).toEqual([15_000]);
    expect(progress.slice(0, 3)).toEqual([
      'measuring links',
      '1 node link was not measured within 15 s: the plan takes LAN defaults for it (fast-coal)',
      'performance: repeat 1 of 1 (run 1 of 2)',
    ]);
    expect(records.map((r) => r.status)).toEqual(['done', 'done']);
  });

  it('refuses bad settings with the reason', async () => {
    expect(compareProblem({ configurations: [{ label: 'a', mode: 'green', stages: 0 }], repeats: 1, inferences: 1 })).toBe('pick at least 2 configurations to compare, got 1');
    expect(compareProblem({ configurations: [{ label: 'a', mode: 'green', stages: 0 }, { label: 'b', mode: 'green', stages: 0 }], repeats: 0, inferences: 1 })).toBe('repeats must be a whole number from 1 to 20, got 0');
    await expect(runComparison({ coordinator: undefined as never, profile, model: 'tinycnn', configurations: [], repeats: 1, inferences: 1 })).rejects.toThrow(CompareSettingsError);
  });
});
