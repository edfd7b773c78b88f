/**
 * Audit figures of issue 13 on the seeded in-memory swarm (src/trust/audit-simulation.ts), figures
 * only: share of seeds where a host corrupting every output is quarantined within 100 inferences
 * at a 10% audit rate (goal >= 95%), inferences until a host corrupting 10% of outputs is caught
 * (goal: within 1,000), false quarantines over 1,000 honest inferences (goal 0), and the extra
 * executions audits cost. `AUDIT_BENCH_SEEDS` sets the seeds (default 200).
 */
import { CORRUPTIONS, simulateAudits } from '../src/trust/audit-simulation';

/** Run the audit simulation and print its figures. */
export async function run(out: (line: string) => void): Promise<void> {
  const seeds = Array.from({ length: Number(process.env.AUDIT_BENCH_SEEDS ?? 200) }, (_, i) => 1 + i);
  const t0 = performance.now();
  for (const corruption of CORRUPTIONS) {
    const results = seeds.map((seed) => simulateAudits({ seed, inferences: 100, auditRate: 0.1, corruption }));
    const caught = results.filter((r) => r.quarantinedAfter !== undefined).map((r) => r.quarantinedAfter!).sort((a, b) => a - b);
    const median = caught[Math.floor(caught.length / 2)];
    out(`corrupting 100% (${corruption}): quarantined within 100 inferences in ${caught.length}/${seeds.length} seeds (${((100 * caught.length) / seeds.length).toFixed(1)}%, goal >= 95%); median after ${median} inferences; false quarantines ${results.reduce((n, r) => n + r.falseQuarantines, 0)}`);
  }
  const tenth = seeds.slice(0, Math.min(seeds.length, 100)).map((seed) => simulateAudits({ seed, inferences: 1000, auditRate: 0.1, corruption: 'partial', corruptShare: 0.1 }));
  const after = tenth.filter((r) => r.quarantinedAfter !== undefined).map((r) => r.quarantinedAfter!).sort((a, b) => a - b);
  out(`corrupting 10% of outputs: caught within 1,000 inferences in ${after.length}/${tenth.length} seeds; median after ${after[Math.floor(after.length / 2)]}, worst ${after.at(-1)} inferences`);
  const honest = seeds.slice(0, Math.min(seeds.length, 50)).map((seed) => simulateAudits({ seed, inferences: 1000, auditRate: 0.1 }));
  const judged = honest.reduce((n, r) => n + r.stats.slicesJudged, 0);
  out(`honest (WASM, WebGPU, half-float hosts), ${honest.length} x 1,000 inferences: false quarantines ${honest.reduce((n, r) => n + r.falseQuarantines, 0)}, mismatches ${honest.reduce((n, r) => n + r.stats.mismatches, 0)} of ${judged} slice comparisons; worst honest relative L2 ${Math.max(...honest.map((r) => r.worstHonestRelativeL2)).toExponential(2)} (tolerance 1e-2)`);
  out(`audit cost at rate 0.1: ${(judged / (honest.length * 1000 * 3)).toFixed(3)} extra slice executions per slice execution`);
  out(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
