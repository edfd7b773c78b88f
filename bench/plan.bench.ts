/**
 * Planner benchmarks (figures only, never a gate): per-request routing across 100 pipelines
 * (goal <= 3 us; the paper reports 30 us per decision with 3 nodes); one decision over 100, 1,000
 * and 10,000 simulated nodes on the MobileNetV2-sized synthetic graph (issue 12 goals <= 100 ms at
 * 1,000 and <= 1 s at 10,000) with Green's ratio to the carbon floor (goal <= 1.05); a full plan
 * plus a 21-point sweep for a ~700-node graph over 32 nodes; and plan + sweep on real catalogue
 * graphs (profiled under Node) over 100 peers (goal <= 50 ms).
 */
import { carbonFloor, fastestBound } from '../src/plan/yardsticks';
import { createShareRouter } from '../src/plan/share-router';
import { plan, standaloneCapacityPerSecond } from '../src/plan/planner';
import { planSweep } from '../src/plan/plan-sweep';
import { syntheticPlanModel } from '../src/plan/synthetic-model';
import { seededRandom } from '../src/util/seeded-random';
import { simulatePaperPolicy } from '../src/plan/paper-simulation';
import { PAPER_MODES } from '../src/plan/paper-policy';
import type { PlanInputs, PlanNode } from '../src/plan/plan-types';
import type { PlanModel } from '../src/plan/plan-model';
import { syntheticMobileNetV2 } from '../src/plan/synthetic-model';
import { loadPlanModel } from '../src/lab/simulate';

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


function timed<T>(f: () => T, runs: number): { ms: number; value: T } {
  let value = f(); // warm-up
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    value = f();
    times.push(performance.now() - t);
  }
  return { ms: median(times), value };
}

function scaleFigures(out: (line: string) => void): void {
  const model = syntheticMobileNetV2();
  for (const count of [100, 1000, 10000]) {
    const inputs: PlanInputs = { model, nodes: nodes(count, 11) };
    const runs = count >= 10000 ? 3 : 7;
    const green = timed(() => plan({ ...inputs, mode: 'green' }), runs);
    const performanceRun = timed(() => plan({ ...inputs, mode: 'performance' }), runs);
    const balanced = timed(() => plan({ ...inputs, mode: 'balanced' }), runs);
    const floor = carbonFloor(inputs);
    const fastest = fastestBound(inputs);
    const g = green.value.ok ? green.value.placement.prediction.gramsCo2 / floor : NaN;
    const l = performanceRun.value.ok ? performanceRun.value.placement.prediction.latencyMs / fastest : NaN;
    out(`decision over ${count} nodes (${model.nodeCount}-node MobileNetV2-like graph): green ${green.ms.toFixed(1)} ms, performance ${performanceRun.ms.toFixed(1)} ms, balanced ${balanced.ms.toFixed(1)} ms (goal ${count >= 10000 ? '<= 1000' : count >= 1000 ? '<= 100' : '-'} ms); Green / carbon floor ${g.toFixed(4)} (goal <= 1.05); Performance / fastest bound ${l.toFixed(4)}`);
  }
}

function replicationFigures(out: (line: string) => void): void {
  const base = syntheticMobileNetV2();
  // Compute-bound: MobileNetV2's FLOPs with 64-byte tensors on fast links.
  const model = { ...base, cutCrossingBytes: base.cutCrossingBytes.map(() => 64) };
  const swarm = nodes(100, 23).map((n, k) => (k < 30 ? { ...n, hostGroup: `machine-${k % 10}` } : n));
  const hostGroups = Array.from({ length: 10 }, (_, k) => ({ id: `machine-${k}`, cores: 2 }));
  for (const mode of ['performance', 'green'] as const) {
    const inputs: PlanInputs = { model, nodes: swarm, hostGroups, mode, requestsPerSecond: 'max', linkDefaults: { bandwidthBytesPerSecond: 1e10, latencyMs: 0.05 } };
    const t = performance.now();
    const r = plan(inputs);
    const ms = performance.now() - t;
    if (!r.ok) {
      out(`replication max (${mode}): ${r.reason}`);
      continue;
    }
    const used = r.placement.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId));
    const capacity = standaloneCapacityPerSecond(inputs, used);
    out(`replication 'max' over 100 nodes (30 as 3 tabs on each of 10 two-core machines), compute-bound, ${mode}: ${r.placement.pipelines.length} pipelines, ${r.placement.prediction.throughputPerSecond.toFixed(1)} inf/s = ${(r.placement.prediction.throughputPerSecond / capacity).toFixed(3)}x the summed standalone capacity of the ${used.length} nodes used (goal >= 0.9), planned in ${ms.toFixed(0)} ms`);
  }
}

async function realGraphFigures(out: (line: string) => void): Promise<void> {
  const swarm = nodes(100, 17);
  for (const name of ['vit-tiny', 'efficientnet-b0', 'mobilenetv2']) {
    let model: PlanModel;
    try {
      model = await loadPlanModel(name);
    } catch (error) {
      out(`real graph ${name}: could not profile (${(error as Error).message})`);
      continue;
    }
    const inputs: PlanInputs = { model, nodes: swarm, mode: 'balanced' };
    const planRun = timed(() => plan({ ...inputs, options: { reportGap: false } }), 7);
    const sweepRun = timed(() => planSweep(inputs, 21), 7);
    out(`real ${name} (${model.nodeCount} graph nodes, ${(model.nodeFlops.reduce((a, b) => a + b, 0) / 1e9).toFixed(2)} GFLOP) over 100 peers: plan ${planRun.ms.toFixed(1)} ms + 21-point sweep ${sweepRun.ms.toFixed(1)} ms = ${(planRun.ms + sweepRun.ms).toFixed(1)} ms (goal <= 50 ms)`);
  }
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
  for (let k = 0; k < 3; k++) {
    plan(inputs); // warm-up
    planSweep(inputs, 21);
  }
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

  scaleFigures(out);
  replicationFigures(out);
  await realGraphFigures(out);
}
