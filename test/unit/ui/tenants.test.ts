import { describe, expect, it } from 'vitest';
import { bundledReading } from '../../../src/carbon/bundled-intensity';
import { estimatedPowerModel } from '../../../src/carbon/power-model';
import { EMBODIED_PRIORS, embodiedGramsCo2 } from '../../../src/carbon/embodied-carbon';
import { plan } from '../../../src/plan/planner';
import type { PlanModel } from '../../../src/plan/plan-model';
import type { NodeRecord } from '../../../src/swarm/coordinator';
import { toPlanNode } from '../../../src/swarm/plan-inputs';
import { TENANT_ID_RE, TENANT_SECRET_RE } from '../../../src/protocol/tenant-messages';
import { predictedGramsPerInference } from '../../../src/ui/tenant-swarm';
import { TenantInputProblem, loadTenants, makeTenant, saveTenants, tenantLink, tenantStorageName } from '../../../src/ui/tenant-store';

const model: PlanModel = { name: 'chain6g', nodeCount: 6, nodeFlops: [1e9, 1e9, 1e9, 1e9, 1e9, 1e9], nodeWeightBytes: [0, 0, 0, 0, 0, 0], cutCrossingBytes: [400, 400, 400, 400, 400, 400, 40] };
const record = (nodeId: string, deviceClass: 'laptop' | 'phone', flops: number): NodeRecord => ({
  nodeId, name: nodeId, deviceClass, hardwareConcurrency: 4, deviceMemoryGb: 8, webgpu: false, simulated: false, state: 'ready', load: 0, lastSeenMs: 0,
  benchmark: { model: 'fake', backends: [{ backend: 'wasm', available: true, medianMs: 1, runs: 1, flopsPerSecond: flops }], threads: 1, crossOriginIsolated: false },
  profile: { intensity: bundledReading('DE'), power: estimatedPowerModel({ deviceClass }), slowdown: 1 },
} as unknown as NodeRecord);

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(k: string): string | null {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.items.set(k, v);
  }
}

describe('tenant store', () => {
  it('makes tenants with a fresh id and a 16-byte base64url secret, and keeps them with the room', () => {
    const a = makeTenant('  Group A ', '2.5', []);
    expect(a).toMatchObject({ name: 'Group A', budgetGramsCo2: 2.5, spentGramsCo2: 0 });
    expect(a.tenantId).toMatch(TENANT_ID_RE);
    expect(a.secret).toMatch(TENANT_SECRET_RE);
    const b = makeTenant('Group B', '0.000001', [a]);
    expect(b.secret).not.toBe(a.secret);
    const storage = new MemoryStorage();
    saveTenants(storage, 'room12345', [a, b]);
    expect(loadTenants(storage, 'room12345')).toEqual([a, b]);
    saveTenants(storage, 'room12345', [a, { ...b, spentGramsCo2: 1.5e-5 }]);
    expect(loadTenants(storage, 'room12345')[1]!.spentGramsCo2).toBe(1.5e-5);
    expect(loadTenants(storage, 'otherroom')).toEqual([]);
    // Corrupt or forged entries are left out, never trusted.
    storage.setItem(tenantStorageName('room12345'), JSON.stringify([a, { ...b, secret: 'short' }, { ...b, spentGramsCo2: -1 }, { ...a }, 'x']));
    expect(loadTenants(storage, 'room12345')).toEqual([a]);
    storage.setItem(tenantStorageName('room12345'), '{not json');
    expect(loadTenants(storage, 'room12345')).toEqual([]);
  });

  it('refuses what cannot be a tenant with a specific message', () => {
    const a = makeTenant('Group A', '1', []);
    expect(() => makeTenant('', '1', [])).toThrow(new TenantInputProblem("give the tenant a name (e.g. the group's name)"));
    expect(() => makeTenant('x'.repeat(65), '1', [])).toThrow('the name has 65 characters, at most 64');
    expect(() => makeTenant('Group A', '1', [a])).toThrow('a tenant is already named "Group A"');
    expect(() => makeTenant('Group B', 'lots', [a])).toThrow('the budget must be a number of grams CO2e, got "lots"');
    expect(() => makeTenant('Group B', '', [a])).toThrow('the budget must be a number of grams CO2e, got ""');
    expect(() => makeTenant('Group B', '0', [a])).toThrow('the budget must be more than 0 and at most 1000000000 g CO2e, got 0');
    expect(() => makeTenant('Group B', '-3', [a])).toThrow(/got -3$/);
    expect(() => makeTenant('Group B', '1e12', [a])).toThrow(/got 1000000000000$/);
  });

  it('builds the tenant link on the join URL\'s origin with room, tenant, key and fingerprint', () => {
    const link = tenantLink('http://10.77.0.1:5173/?room=abcdef1234&token=T&fp=F', 'abcdef1234', { tenantId: 'grp0000001', secret: 'abc_-DEFghijklmnopqrst' }, 'FPfpFPfpFPfpFPfpFPfpFP');
    expect(link).toBe('http://10.77.0.1:5173/?room=abcdef1234&tenant=grp0000001&tkey=abc_-DEFghijklmnopqrst&fp=FPfpFPfpFPfpFPfpFPfpFP');
  });
});

describe('predicted grams per inference of a tenant run', () => {
  it('is the plan\'s operational grams plus each slice\'s embodied share for its compute time', () => {
    const nodes = [record('a', 'laptop', 4e9), record('b', 'phone', 2e9)];
    const result = plan({ model, nodes: nodes.map(toPlanNode), mode: 'balanced', placement: { kind: 'split', stages: 2 } } as Parameters<typeof plan>[0]);
    if (!result.ok) throw new Error(result.reason);
    const p = result.placement;
    const classes: Record<string, 'laptop' | 'phone'> = { a: 'laptop', b: 'phone' };
    let embodied = 0;
    for (const pipe of p.pipelines) for (const s of pipe.slices) embodied += pipe.share * embodiedGramsCo2(EMBODIED_PRIORS[classes[s.nodeId]!], s.computeMs);
    expect(embodied).toBeGreaterThan(0);
    expect(predictedGramsPerInference(p, nodes)).toBeCloseTo(p.prediction.gramsCo2 + embodied, 15);
    expect(predictedGramsPerInference(p, nodes)).toBeGreaterThan(p.prediction.gramsCo2);
  });
});
