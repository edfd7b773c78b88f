import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { ScenarioError, parseScenario } from '../../../src/plan/scenario';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
}

const node = { id: 'a', flopsPerSecond: { wasm: 2e9 }, memoryMb: 512, idleWatts: 2, maxWatts: 8, gramsCo2PerKwh: 300 };

describe('parseScenario', () => {
  it('accepts the documented format', () => {
    const s = parseScenario({ nodes: [node], linkDefaults: { bandwidthMbps: 100, latencyMs: 2 }, mode: 'green', constraints: { latencyBudgetMs: 500 }, requestsPerSecond: 2 });
    expect(s.nodes[0]!.memoryBytes).toBe(512e6);
    expect(s.linkDefaults!.bandwidthBytesPerSecond).toBe(12.5e6);
  });

  it('reads shared host groups, a node utilisation and the rate max', () => {
    const s = parseScenario({ nodes: [{ ...node, hostGroup: 'laptop', utilisation: 0.4 }], hostGroups: [{ id: 'laptop', cores: 2 }], requestsPerSecond: 'max' });
    expect(s.nodes[0]).toMatchObject({ hostGroup: 'laptop', utilisation: 0.4 });
    expect(s.hostGroups).toEqual([{ id: 'laptop', cores: 2 }]);
    expect(s.requestsPerSecond).toBe('max');
    expect(() => parseScenario({ nodes: [{ ...node, utilisation: 2 }] })).toThrow(/nodes\[0\]\.utilisation must be in \(0, 1\]/);
    expect(() => parseScenario({ nodes: [node], hostGroups: [{ id: 'x', cores: 0 }] })).toThrow(/hostGroups\[0\]\.cores must be > 0/);
  });

  it.each([
    [{}, /nodes must be a non-empty array/],
    [{ nodes: [{ ...node, memoryMb: -1 }] }, /nodes\[0\]\.memoryMb must be > 0, got -1/],
    [{ nodes: [{ ...node, flopsPerSecond: 0 }] }, /zero speed/],
    [{ nodes: [{ ...node, maxWatts: 1 }] }, /nodes\[0\]\.maxWatts must be >= 2, got 1/],
    [{ nodes: [node], mode: 'eco' }, /mode must be one of/],
  ])('rejects %j with a named field', (doc, message) => {
    expect(() => parseScenario(doc)).toThrow(ScenarioError);
    expect(() => parseScenario(doc)).toThrow(message);
  });
});

describe('carbonedge plan / reproduce-paper', () => {
  it('plans the paper scenario and prints the placement', async () => {
    const b = io();
    expect(await main(['plan', '--scenario', 'paper', '--model', 'synthetic:mobilenetv2', '--mode', 'green', '--pareto'], b.io)).toBe(0);
    expect(b.out.join('\n')).toMatch(/slice \[0, 152\) on node-green/);
    expect(b.out.join('\n')).toMatch(/pareto front/);
  });

  it('reads a scenario file and reports an impossible budget as one line, exit 1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'plan-'));
    const file = path.join(dir, 's.json');
    await writeFile(file, JSON.stringify({ nodes: [node, { ...node, id: 'b', gramsCo2PerKwh: 50 }] }));
    const b = io();
    expect(await main(['plan', '--scenario', file, '--model', 'synthetic:mobilenetv2', '--latency-budget', '1'], b.io)).toBe(1);
    expect(b.err.join('\n')).toMatch(/infeasible \(latency\): latency budget 1\.000 ms cannot be met/);
  });

  it('rejects bad weights and unknown models with exit 2', async () => {
    const b = io();
    expect(await main(['plan', '--scenario', 'paper', '--model', 'nope'], b.io)).toBe(2);
    expect(b.err[0]).toMatch(/unknown model "nope"/);
    expect(await main(['plan', '--scenario', 'paper', '--model', 'synthetic:mobilenetv2', '--weights', '1,1'], b.io)).toBe(2);
    const c = io();
    expect(await main(['plan', '--scenario', 'paper', '--model', 'synthetic:mobilenetv2', '--weights', '0.5,0.5,0.5', '--json'], c.io)).toBe(1);
    expect(c.out.join('')).toMatch(/weights must sum to 1/);
  });

  it('prints the reproduction as JSON', async () => {
    const b = io();
    expect(await main(['reproduce-paper', '--json'], b.io)).toBe(0);
    const r = JSON.parse(b.out.join('')) as { accountings: unknown[]; switchCarbonWeight: number };
    expect(r.accountings).toHaveLength(2);
    expect(r.switchCarbonWeight).toBeCloseTo(0.52, 2);
  });
});
