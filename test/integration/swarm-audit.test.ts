/**
 * Audits in real runs (issue 13, finding 1: a stage returning noise had 40/40 results reported ok),
 * under Node over the in-memory network with real onnxruntime-web slices: a share of requests is
 * tapped at every stage and each slice re-run on a trusted referee (here onnxruntime-web in this
 * process, as the coordinator page's own worker); a node that corrupts its outputs is quarantined,
 * the run re-plans around it and every later result is right; honest nodes are never blamed.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compareTensors, type ModelProfile } from '../../src/graph/index';
import { wholeModelOutputs } from '../helpers/tiny-model';
import type { TensorData } from '../../src/runtime/tensor';
import type { RequestOutcome, RunEvent } from '../../src/swarm/run-controller';
import type { RunAuditOptions } from '../../src/swarm/run-types';
import { startRunSession, type RunSettings } from '../../src/swarm/run-session';
import type { SliceRuntime } from '../../src/swarm/node-executor';
import { RuntimeService } from '../../workers/runtime-service';
import { seededRandom } from '../../src/util/seeded-random';
import { startSwarm } from '../helpers/swarm-harness';
import { estimatedPowerModel } from '../../src/carbon/power-model';
import { configuredReading } from '../../src/carbon/configured-intensity';

let profile: ModelProfile;
const N = 60;
const SEED = 1;
const expected: Record<string, TensorData>[] = [];

beforeAll(async () => {
  const whole = await wholeModelOutputs('tinycnn', N, SEED);
  profile = whole.profile;
  expected.push(...whole.expected);
});

let stopSwarm: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopSwarm?.();
  stopSwarm = undefined;
});

const settings = (over: Partial<RunSettings> = {}): RunSettings => ({ model: 'tinycnn', mode: 'balanced', stages: 3, inferences: N, ratePerSecond: 0, seed: SEED, ...over });

/** The referee: onnxruntime-web in this process, each slice loaded once by its hash. */
async function referee(rate: number, seed: number): Promise<RunAuditOptions> {
  const service = new RuntimeService(async () => {
    throw new Error('no fetch here');
  });
  await service.init({ wasmPaths: '', numThreads: 1 });
  const loaded = new Set<string>();
  return {
    rate,
    random: seededRandom(seed),
    referee: async (slice, inputs) => {
      if (!loaded.has(slice.sha256)) {
        await service.load(slice.sha256, slice.model, 'wasm');
        loaded.add(slice.sha256);
      }
      const result = await service.run(slice.sha256, inputs);
      return { outputs: result.outputs, busyMs: result.busyMs };
    },
  };
}

/** A node whose every output is shifted by `by` (a stage that lies, consistently). */
const lying = (by: number) => (runtime: SliceRuntime): SliceRuntime => ({
  load: runtime.load.bind(runtime),
  unload: runtime.unload.bind(runtime),
  run: async (id, feeds) => {
    const result = await runtime.run(id, feeds);
    const outputs = Object.fromEntries(Object.entries(result.outputs).map(([name, t]) => [name, { ...t, data: Float32Array.from(t.data as Float32Array, (x) => x + by) }]));
    return { ...result, outputs };
  },
});

const correct = (o: RequestOutcome): boolean =>
  o.ok && Object.entries(expected[o.requestId - 1]!).every(([name, want]) => compareTensors(want, o.outputs[name]!).ok);

describe('audits in the run loop', { timeout: 120_000 }, () => {
  it('a node that corrupts every output is quarantined, the run re-plans around it, and every later result is right', async () => {
    const swarm = await startSwarm({ nodes: [{ name: 'a', flopsPerSecond: 1e9, zone: 'FR' }, { name: 'liar', flopsPerSecond: 1e9, zone: 'FR', wrapRuntime: lying(0.5) }, { name: 'c', flopsPerSecond: 1e9, zone: 'FR' }] });
    stopSwarm = swarm.stop;
    const events: RunEvent[] = [];
    const session = startRunSession(swarm.coordinator, profile, settings(), (e) => events.push(e), { audit: await referee(0.25, 7) });
    const outcomes = await session.done;
    await session.controller.auditsSettled();
    const stats = session.controller.auditStats;
    console.log(`audits: ${stats.requestsAudited} requests audited, ${stats.slicesJudged} slices judged, ${stats.mismatches} mismatches, quarantined ${stats.quarantinedNodes.join(', ')}, ${stats.suspects.length} results suspect, ${outcomes.filter((o) => !correct(o)).length} wrong`);
    // Every request ended exactly once.
    expect(outcomes.map((o) => o.requestId)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(stats.quarantinedNodes).toEqual(['node-liar']);
    expect(stats.mismatches).toBeGreaterThanOrEqual(2);
    const mismatches = events.filter((e) => e.kind === 'audit-mismatch');
    expect(mismatches.every((e) => e.kind === 'audit-mismatch' && e.name === 'liar')).toBe(true);
    expect(mismatches.at(-1)!.kind === 'audit-mismatch' && mismatches.at(-1)!.quarantined).toBe(true);
    // The re-plan after the quarantine leaves the liar out; every result after it is right.
    const q = events.findIndex((e) => e.kind === 'audit-mismatch' && e.quarantined);
    const redeployed = events.findIndex((e, i) => i > q && e.kind === 'deployed');
    expect(redeployed).toBeGreaterThan(q);
    const after = events.slice(redeployed).flatMap((e) => (e.kind === 'result' ? [e.outcome] : []));
    expect(after.length).toBeGreaterThan(0);
    expect(after.every(correct)).toBe(true);
    const placed = session.controller.placement!.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId));
    expect(placed).not.toContain('node-liar');
    // Results the liar had a hand in before its quarantine are marked suspect, and they are the wrong ones.
    const wrong = outcomes.filter((o) => !correct(o)).map((o) => `r${o.requestId}`);
    expect(wrong.length).toBeGreaterThan(0);
    for (const id of wrong) expect(stats.suspects).toContain(id);
    session.controller.stop('test over');
  });

  it('honest nodes: every slice of every audited request agrees with the referee, nobody is blamed', async () => {
    const swarm = await startSwarm({ nodes: ['a', 'b', 'c'].map((name) => ({ name, flopsPerSecond: 1e9, zone: 'FR' })) });
    stopSwarm = swarm.stop;
    const host = { power: estimatedPowerModel({ deviceClass: 'laptop', arch: 'x86' }), intensity: configuredReading({ zone: 'FR', gramsCo2PerKwh: 300 }) };
    const session = startRunSession(swarm.coordinator, profile, settings({ inferences: 30 }), () => {}, { audit: { ...(await referee(1, 3)), refereeHost: host } });
    const outcomes = await session.done;
    await session.controller.auditsSettled();
    const stats = session.controller.auditStats;
    expect(outcomes.every(correct)).toBe(true);
    expect(stats.requestsAudited).toBe(30);
    expect(stats.incomplete).toBe(0);
    expect(stats.slicesJudged).toBe(30 * 3);
    expect([stats.mismatches, stats.quarantined, stats.suspectResults, stats.errors]).toEqual([0, 0, 0, 0]);
    // Audit work is energy too: one ledger row per slice the referee re-ran, on the coordinator.
    const auditRows = session.controller.ledger.rows().filter((r) => r.nodeId === 'coordinator' && r.type === 'execution');
    expect(auditRows.length).toBe(30 * 3);
    expect(auditRows.every((r) => (r.sliceId ?? '').startsWith('audit:') && r.energyJoules > 0 && r.gramsCo2PerKwh === 300)).toBe(true);
    session.controller.stop('test over');
  });

  it('a referee slower than the swarm holds new sends back: audits waiting never pass the backlog cap', async () => {
    const swarm = await startSwarm({ nodes: ['a', 'b', 'c'].map((name) => ({ name, flopsPerSecond: 1e9, zone: 'FR' })) });
    stopSwarm = swarm.stop;
    const base = await referee(1, 5);
    let waiting = 0;
    let mostWaiting = 0;
    let started = 0;
    // Each audited result is handed to the referee chain at once; count those not yet judged.
    const slow: RunAuditOptions = {
      ...base,
      maxBacklog: 2,
      referee: async (slice, inputs) => {
        await new Promise((r) => setTimeout(r, 30));
        return base.referee(slice, inputs);
      },
    };
    const session = startRunSession(swarm.coordinator, profile, settings({ inferences: 20 }), (e) => {
      if (e.kind === 'result') {
        started++;
        waiting = started - judged();
        mostWaiting = Math.max(mostWaiting, waiting);
      }
    }, { audit: slow });
    const judged = () => session.controller.auditStats.slicesJudged / 3;
    const outcomes = await session.done;
    await session.controller.auditsSettled();
    const stats = session.controller.auditStats;
    console.log(`slow referee: at most ${mostWaiting} audited results waiting (cap 2 + the window in flight), held ${stats.holds} time(s)`);
    expect(outcomes.every(correct)).toBe(true);
    expect(stats.slicesJudged).toBe(20 * 3);
    expect(stats.holds).toBeGreaterThan(0);
    // At the cap no new request is sent; those already in flight (window 3) may still finish.
    expect(mostWaiting).toBeLessThanOrEqual(2 + 3);
    session.controller.stop('test over');
  });
});
