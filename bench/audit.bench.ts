/**
 * Audit figures of issue 13 on the seeded in-memory swarm (src/trust/audit-simulation.ts), figures
 * only: share of seeds where a host corrupting every output is quarantined within 100 inferences
 * at a 10% audit rate (goal >= 95%), inferences until a host corrupting 10% of outputs is caught
 * (goal: within 1,000), false quarantines over 1,000 honest inferences (goal 0), and the extra
 * executions audits cost. `AUDIT_BENCH_SEEDS` sets the seeds (default 200). Then the same in the
 * real run loop with real slices (see runLoop).
 */
import { CORRUPTIONS, simulateAudits } from '../src/trust/audit-simulation';
import { compareTensors } from '../src/graph/index';
import type { SliceRuntime } from '../src/swarm/node-executor';
import { startRunSession } from '../src/swarm/run-session';
import type { RunEvent } from '../src/swarm/run-types';
import { seededRandom } from '../src/util/seeded-random';
import { RuntimeService } from '../workers/runtime-service';
import { startSwarm } from '../test/helpers/swarm-harness';
import { wholeModelOutputs } from '../test/helpers/tiny-model';

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
  await runLoop(out);
}

/** A stage whose every output is noise of the right shape. */
const noisy = (runtime: SliceRuntime): SliceRuntime => ({
  load: runtime.load.bind(runtime),
  unload: runtime.unload.bind(runtime),
  run: async (id, feeds) => {
    const result = await runtime.run(id, feeds);
    const outputs = Object.fromEntries(Object.entries(result.outputs).map(([name, t]) => [name, { ...t, data: Float32Array.from(t.data as Float32Array, (_, i) => Math.sin(i * 12.9898) * 3) }]));
    return { ...result, outputs };
  },
});

/**
 * The same in the real run loop (src/swarm/run-controller.ts) over the in-memory network, real
 * onnxruntime-web slices (tinycnn, 3 slices on 3 nodes, one of them noisy), 10% audited, the
 * referee in this process: results delivered before the quarantine, and how many were wrong;
 * then honest nodes only. `AUDIT_BENCH_RUNS` sets the seeded runs (default 10).
 */
async function runLoop(out: (line: string) => void): Promise<void> {
  const N = 200;
  const runs = Number(process.env.AUDIT_BENCH_RUNS ?? 10);
  const { profile, expected } = await wholeModelOutputs('tinycnn', N);
  const service = new RuntimeService(async () => {
    throw new Error('no fetch here');
  });
  await service.init({ wasmPaths: '', numThreads: 1 });
  const loaded = new Set<string>();
  const referee = async (slice: { sha256: string; model: Uint8Array }, inputs: Parameters<RuntimeService['run']>[1]) => {
    if (!loaded.has(slice.sha256)) {
      await service.load(slice.sha256, slice.model, 'wasm');
      loaded.add(slice.sha256);
    }
    const r = await service.run(slice.sha256, inputs);
    return { outputs: r.outputs, busyMs: r.busyMs };
  };
  const runOnce = async (seed: number, liar: boolean) => {
    const swarm = await startSwarm({ nodes: ['a', 'b', 'c'].map((name) => ({ name, flopsPerSecond: 1e9, zone: 'FR', ...(liar && name === 'b' ? { wrapRuntime: noisy } : {}) })) });
    const events: RunEvent[] = [];
    try {
      const session = startRunSession(swarm.coordinator, profile, { model: 'tinycnn', mode: 'balanced', stages: 3, inferences: N, ratePerSecond: 0, seed: 1 },
        (e) => events.push(e), { audit: { rate: 0.1, random: seededRandom(seed), referee } });
      const outcomes = await session.done;
      await session.controller.auditsSettled();
      const stats = session.controller.auditStats;
      session.controller.stop('bench over');
      const q = events.findIndex((e) => e.kind === 'audit-mismatch' && e.quarantined);
      const before = q < 0 ? undefined : events.slice(0, q).filter((e) => e.kind === 'result').length;
      const suspects = new Set(stats.suspects);
      const wrong = outcomes.filter((o) => o.ok && !Object.entries(expected[o.requestId - 1]!).every(([n, t]) => compareTensors(t, o.outputs[n]!).ok));
      return { before, wrong: wrong.length, unmarked: wrong.filter((o) => !suspects.has(`r${o.requestId}`)).length, quarantined: stats.quarantinedNodes.length, judged: stats.slicesJudged };
    } finally {
      await swarm.stop();
    }
  };
  const liars = [];
  for (let seed = 1; seed <= runs; seed++) liars.push(await runOnce(seed, true));
  const caught = liars.filter((r) => r.before !== undefined && r.before <= 100).length;
  const befores = liars.flatMap((r) => (r.before === undefined ? [] : [r.before])).sort((a, b) => a - b);
  out(`run loop (tinycnn 3 slices, in-memory network, real slices), a noisy node at 10% audited: quarantined within 100 results in ${caught}/${runs} runs; results before the quarantine median ${befores[befores.length >> 1]}, worst ${befores.at(-1)}; wrong results ${liars.reduce((n, r) => n + r.wrong, 0)}, of them not marked suspect ${liars.reduce((n, r) => n + r.unmarked, 0)}`);
  const honest = [];
  for (let seed = 1; seed <= Math.max(1, runs >> 1); seed++) honest.push(await runOnce(100 + seed, false));
  out(`run loop, honest nodes, ${honest.length} x ${N} inferences at 10%: quarantines ${honest.reduce((n, r) => n + r.quarantined, 0)}, wrong results ${honest.reduce((n, r) => n + r.wrong, 0)}, slices judged ${honest.reduce((n, r) => n + r.judged, 0)}`);
}
