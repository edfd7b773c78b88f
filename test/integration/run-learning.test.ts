/**
 * What one run measured, used by the next run's first plan (src/swarm/run-learning.ts), under Node
 * over the in-memory network with real onnxruntime-web slices: nodes slower than their benchmark
 * claimed are planned near what the first run measured from the second run on, and not when the
 * load changed or a node benchmarked again.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ModelProfile } from '../../src/graph/index';
import { startRunSession, type RunSettings } from '../../src/swarm/run-session';
import type { RunLearning } from '../../src/swarm/run-learning';
import type { Placement } from '../../src/plan/plan-types';
import { startSwarm } from '../helpers/swarm-harness';
import { slowerBy } from '../helpers/slow-runtime';
import { tinyCnnProfile } from '../helpers/tiny-model';

let profile: ModelProfile;

beforeAll(async () => {
  profile = await tinyCnnProfile();
});

let stopSwarm: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopSwarm?.();
  stopSwarm = undefined;
});

// Pinned, so that each run has the same slices and the learning's per-slice factors apply.
const settings = (over: Partial<RunSettings> = {}): RunSettings => ({ model: 'tinycnn', mode: 'balanced', stages: 2, pin: ['a', 'b'], inferences: 12, ratePerSecond: 0, seed: 1, window: 1, ...over });
const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('runs learn from the run before', { timeout: 120_000 }, () => {
  it('the second run is planned with what the first measured; a new load or a new benchmark starts afresh', async () => {
    // Both claim 1 TFLOP/s: tinycnn's slices would take well under 1 ms; they take ~30 and ~60 ms.
    const swarm = await startSwarm({ nodes: [{ name: 'a', flopsPerSecond: 1e12, zone: 'FR', wrapRuntime: slowerBy(() => 30) }, { name: 'b', flopsPerSecond: 1e12, zone: 'FR', wrapRuntime: slowerBy(() => 60) }] });
    stopSwarm = swarm.stop;
    const run = async (label: string, prior?: RunLearning, over: Partial<RunSettings> = {}) => {
      let planned: Placement | undefined;
      const session = startRunSession(swarm.coordinator, profile, settings(over), (e) => {
        if (e.kind === 'deployed') planned ??= e.placement;
      }, { replanOnDrift: false, learn: { label, ...(prior ? { prior } : {}) } });
      const outcomes = await session.done;
      expect(outcomes.every((o) => o.ok)).toBe(true);
      session.controller.stop('test over');
      // Once the run fed its own calibration, its plans use it, not the earlier run's.
      expect(session.controller.planContext(true).calibration).toBe(session.controller.calibration);
      const measured = medianOf(outcomes.slice(2).map((o) => (o.ok ? o.latencyMs : NaN)));
      return { planned: planned!, measured, learning: session.controller.learning(), from: session.controller.firstPlanFrom };
    };

    const first = await run('run 1');
    expect(first.from).toBeUndefined();
    // Planned from the claims: a few ms against ~90 measured.
    expect(first.planned.prediction.latencyMs / first.measured).toBeLessThan(0.3);
    expect(first.learning?.label).toBe('run 1');

    const second = await run('run 2', first.learning);
    expect(second.from).toEqual({ from: 'run 1' });
    expect(second.planned.pipelines[0]!.slices.map((s) => s.sliceRange)).toEqual(first.planned.pipelines[0]!.slices.map((s) => s.sliceRange));
    // Each slice planned near what the first run measured of it (its learned factor), and the whole
    // near what the second run then measured.
    const rows = new Map(first.learning!.calibration.rows().map((r) => [r.sliceKey, r]));
    for (const slice of second.planned.pipelines[0]!.slices) {
      const row = [...rows.values()].find((r) => r.nodeId === slice.nodeId)!;
      expect(Math.abs(slice.computeMs / row.measuredWallMs - 1), JSON.stringify({ slice, row })).toBeLessThan(0.15);
    }
    expect(Math.abs(second.planned.prediction.latencyMs / second.measured - 1)).toBeLessThan(0.25);

    // Another load (3 in flight, not 1): the walls measured at 1 need not hold; planned from the claims.
    const loaded = await run('run 3', second.learning, { window: 3 });
    expect(loaded.from).toEqual({ reason: 'run 2 ran another model or load' });
    expect(loaded.planned.prediction.latencyMs / second.measured).toBeLessThan(0.3);

    // Node b benchmarks again: its factors were relative to the old benchmark, so nothing is taken.
    const b = swarm.coordinator.nodes().find((n) => n.name === 'b')!;
    const before = b.benchmark;
    swarm.coordinator.send(b.nodeId, { kind: 'benchmark-request' });
    for (let i = 0; i < 200 && swarm.coordinator.nodes().find((n) => n.name === 'b')!.benchmark === before; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 50));
    const rebenched = await run('run 4', second.learning);
    expect(rebenched.from).toEqual({ reason: 'b benchmarked again since run 2' });
    expect(rebenched.planned.prediction.latencyMs / second.measured).toBeLessThan(0.3);
  });
});
