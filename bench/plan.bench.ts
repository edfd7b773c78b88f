/**
 * Planner benchmarks (figures only, never a gate): per-request routing across 100 pipelines
 * (goal <= 3 us; the paper reports 30 us per decision with 3 nodes), and a full plan plus a
 * 21-point sweep for a ~700-node graph over 32 nodes (goal <= 50 ms).
 */
import { createShareRouter } from '../src/plan/share-router';
import { plan } from '../src/plan/planner';
import { planSweep } from '../src/plan/plan-sweep';
import { syntheticPlanModel } from '../src/plan/synthetic-model';
import { seededRandom } from '../src/util/seeded-random';
import { simulatePaperPolicy } from '../src/plan/paper-simulation';
import { PAPER_MODES } from '../src/plan/paper-policy';
import type { PlanNode } from '../src/plan/plan-types';

function nodes(count: number, seed: number): PlanNode[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, k) => ({
    id: `n${k}`,
    flopsPerSecondByBackend: { wasm: 5e8 + random() * 4.5e9 },
    memoryBytes: 2e9,
    power: { idleWatts: 2, maxWatts: 5 + random() * 30 },
    gramsCo2PerKwh: 50 + random() * 750,
    intensitySource: 'bench',
  }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Run the planner benchmarks and print their figures. */
export async function run(out: (line: string) => void): Promise<void> {
  const random = seededRandom(7);
  const shares = Array.from({ length: 100 }, () => random());
  const router = createShareRouter(shares);
  let sink = 0;
  for (let k = 0; k < 200_000; k++) sink += router.next();
  const requests = 2_000_000;
  const t0 = performance.now();
  for (let k = 0; k < requests; k++) sink += router.next();
  const routeUs = ((performance.now() - t0) * 1000) / requests;
  out(`routing, 100 pipelines (smooth weighted round robin): ${routeUs.toFixed(3)} us per request (goal <= 3 us) [checksum ${sink % 97}]`);

  const paperSim = simulatePaperPolicy(PAPER_MODES.green, { inferences: 2000, repetitions: 1 });
  out(`paper policy, 3 nodes: ${paperSim.decisionMicroseconds.toFixed(2)} us per decision (paper reports 30 us)`);

  const model = syntheticPlanModel({ nodeCount: 700 });
  const swarm = nodes(32, 3);
  const inputs = { model, nodes: swarm, mode: 'balanced' as const };
  for (let k = 0; k < 3; k++) plan(inputs); // warm-up
  const planMs: number[] = [];
  const sweepMs: number[] = [];
  const noGapMs: number[] = [];
  let gap = 0;
  for (let k = 0; k < 7; k++) {
    let t = performance.now();
    const r = plan(inputs);
    planMs.push(performance.now() - t);
    if (r.ok) gap = r.placement.gap ?? 0;
    t = performance.now();
    plan({ ...inputs, options: { reportGap: false } });
    noGapMs.push(performance.now() - t);
    t = performance.now();
    planSweep(inputs, 21);
    sweepMs.push(performance.now() - t);
  }
  out(`plan, 700-node graph over 32 nodes: ${median(planMs).toFixed(1)} ms with gap bound (gap ${(gap * 100).toFixed(2)}%), ${median(noGapMs).toFixed(1)} ms without`);
  out(`21-point sweep + Pareto front, same instance: ${median(sweepMs).toFixed(1)} ms`);
  out(`plan + 21-point sweep: ${(median(noGapMs) + median(sweepMs)).toFixed(1)} ms without gap bound, ${(median(planMs) + median(sweepMs)).toFixed(1)} ms with (goal <= 50 ms)`);
}
