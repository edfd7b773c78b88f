/**
 * The audit figures of issue 13 on a seeded in-memory swarm (src/trust/audit-simulation.ts): real
 * float32/float64/half-float differences between WASM and WebGPU hosts, one dishonest host.
 */
import { describe, expect, it } from 'vitest';
import { CORRUPTIONS, simulateAudits } from '../../../src/trust/audit-simulation';

const SEEDS = Array.from({ length: 60 }, (_, i) => 1000 + i);

describe('audits on a seeded in-memory swarm', () => {
  it.each(CORRUPTIONS)('quarantines a host corrupting every output (%s) within 100 inferences at audit rate 0.1 in >= 95 percent of seeds', (corruption) => {
    const results = SEEDS.map((seed) => simulateAudits({ seed, inferences: 100, auditRate: 0.1, corruption }));
    const caught = results.filter((r) => r.quarantinedAfter !== undefined && r.quarantinedAfter <= 100).length;
    expect(caught / SEEDS.length, `caught in ${caught} of ${SEEDS.length} seeds`).toBeGreaterThanOrEqual(0.95);
    expect(results.every((r) => r.falseQuarantines === 0)).toBe(true);
    // Every corrupted result before the quarantine is marked suspect.
    for (const r of results) if (r.quarantinedAfter !== undefined) expect(r.corruptedMarkedSuspect).toBe(r.corruptedResults);
  });

  it('catches a host corrupting 10% of its outputs within 1,000 inferences', () => {
    const results = SEEDS.slice(0, 20).map((seed) => simulateAudits({ seed, inferences: 1000, auditRate: 0.1, corruption: 'partial', corruptShare: 0.1 }));
    const caught = results.filter((r) => r.quarantinedAfter !== undefined).length;
    expect(caught / results.length, `caught in ${caught} of ${results.length} seeds`).toBeGreaterThanOrEqual(0.95);
    expect(results.every((r) => r.falseQuarantines === 0)).toBe(true);
  });

  it('quarantines nobody over 1,000 honest inferences mixing WASM, WebGPU and half-float hosts', () => {
    for (const seed of SEEDS.slice(0, 5)) {
      const r = simulateAudits({ seed, inferences: 1000, auditRate: 0.1 });
      expect(r.falseQuarantines).toBe(0);
      expect(r.stats.mismatches).toBe(0);
      expect(r.stats.slicesJudged).toBeGreaterThan(200);
      // Honest differences are real but far inside the 1% tolerance.
      expect(r.worstHonestRelativeL2).toBeGreaterThan(1e-6);
      expect(r.worstHonestRelativeL2).toBeLessThan(2e-3);
    }
  });

  it('does not catch anything when auditing is off (the test can fail)', () => {
    const r = simulateAudits({ seed: 1, inferences: 100, auditRate: 0, corruption: 'noise' });
    expect(r.quarantinedAfter).toBeUndefined();
    expect(r.corruptedResults).toBe(100);
  });
});
