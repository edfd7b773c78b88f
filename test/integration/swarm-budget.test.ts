/**
 * Latency budgets that hold (issue 12): under Node over the in-memory network with real
 * onnxruntime-web slices, a planner run whose placement the run measures over its latency budget
 * re-plans once, with what it measured, onto a placement that meets it; a run with no placement
 * that can meet it says so and keeps going; a run within its budget is left alone.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ModelProfile } from '../../src/graph/index';
import type { RunEvent } from '../../src/swarm/run-controller';
import { runSettingsProblem, startRunSession, type RunSettings } from '../../src/swarm/run-session';
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

const BUDGET_MS = 40;
/** Green within a budget, planner's choice of slices, one request at a time. */
const settings = (over: Partial<RunSettings> = {}): RunSettings => ({
  model: 'tinycnn', mode: 'green', stages: 0, inferences: 24, ratePerSecond: 0, seed: 1, window: 1, constraints: { latencyBudgetMs: BUDGET_MS }, ...over,
});

/** "clean" (Norway's grid) claims to be fast but takes 80 ms a run; "dirty" (Poland's) is fast. A run of `run` on them, its events kept. */
async function cleanSlowDirtyFast(run: RunSettings) {
  const swarm = await startSwarm({
    nodes: [
      { name: 'clean', flopsPerSecond: 1e12, zone: 'NO', wrapRuntime: slowerBy(() => 80) },
      { name: 'dirty', flopsPerSecond: 1e12, zone: 'PL' },
    ],
  });
  stopSwarm = swarm.stop;
  const events: RunEvent[] = [];
  const session = startRunSession(swarm.coordinator, profile, run, (e) => events.push(e), { replanOnDrift: false });
  return { session, events };
}

const budgetEvents = (events: RunEvent[]) => events.flatMap((e) => (e.kind === 'budget' ? [e.check] : []));

describe('latency budgets in the run loop', { timeout: 120_000 }, () => {
  it('a budget that is not a number of ms above 0 is refused before anything starts', () => {
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(runSettingsProblem(settings({ constraints: { latencyBudgetMs: bad } }))).toBe(`latency budget must be a number of ms > 0 (0 = none), got ${bad}`);
    }
    expect(runSettingsProblem(settings())).toBeUndefined();
  });

  it('a placement measured over its budget re-plans once onto one that meets it', async () => {
    const { session, events } = await cleanSlowDirtyFast(settings());
    await session.started;
    // Green, predicted from the claims: the clean node, well within the budget.
    expect(session.controller.placement!.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId))).toEqual(['node-clean']);
    const outcomes = await session.done;
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const checks = budgetEvents(events);
    expect(checks).toHaveLength(1);
    const check = checks[0]!;
    expect(check.outcome).toBe('replanned');
    expect(check.measuredMs!).toBeGreaterThan(BUDGET_MS);
    // The calibration had learned the clean node's 80 ms: its prediction of the running placement was near what was measured.
    expect(check.predictedMs!).toBeGreaterThan(BUDGET_MS);
    expect(check.aimedMs!).toBeLessThan(BUDGET_MS);
    expect(check.reason).toMatch(/^measured [\d.]+ ms per inference, over the 40\.0 ms budget \(predicted [\d.]+ ms\): re-planning within [\d.]+ ms$/);
    expect(events.filter((e) => e.kind === 'replanning').map((e) => e.kind === 'replanning' && e.reason)).toEqual([check.reason]);
    expect(session.controller.stats.budgetReplans).toBe(1);
    // Now on the fast node, within the budget, and left there.
    expect(session.controller.placement!.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId))).toEqual(['node-dirty']);
    const last = outcomes.slice(-5).map((o) => (o.ok ? o.latencyMs : Infinity));
    expect(Math.max(...last)).toBeLessThan(BUDGET_MS);
    // Its own check (at its 10th result) found it within: no second event, no second re-plan.
    expect(session.controller.checkLatencyBudget()).toMatchObject({ outcome: 'skipped', reason: 'this deployment was checked already' });
    session.controller.stop('test over');
  });

  it('a run whose last request is the one that reaches the check does not redeploy for nobody', async () => {
    const { session, events } = await cleanSlowDirtyFast(settings({ inferences: 10 }));
    expect((await session.done).every((o) => o.ok)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(budgetEvents(events)).toEqual([]);
    expect(session.controller.stats.replans).toBe(0);
    session.controller.stop('test over');
  });

  it('with no placement that can meet the budget, the run says so once and carries on', async () => {
    // The only node takes 80 ms a run: nothing can meet 40 ms.
    const swarm = await startSwarm({ nodes: [{ name: 'slow', flopsPerSecond: 1e12, zone: 'NO', wrapRuntime: slowerBy(() => 80) }] });
    stopSwarm = swarm.stop;
    const events: RunEvent[] = [];
    const session = startRunSession(swarm.coordinator, profile, settings(), (e) => events.push(e), { replanOnDrift: false });
    const outcomes = await session.done;
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const checks = budgetEvents(events);
    expect(checks.map((c) => c.outcome)).toEqual(['no-better']);
    expect(checks[0]!.reason).toMatch(/over the 40\.0 ms budget; no other placement is predicted within [\d.]+ ms/);
    expect(session.controller.stats.replans).toBe(0);
    expect(session.controller.stats.budgetReplans).toBe(0);
    session.controller.stop('test over');
  });

  it('a run within its budget is not re-planned, and a run without one is never checked', async () => {
    const swarm = await startSwarm({ nodes: [{ name: 'clean', flopsPerSecond: 1e12, zone: 'NO' }, { name: 'dirty', flopsPerSecond: 1e12, zone: 'PL' }] });
    stopSwarm = swarm.stop;
    const events: RunEvent[] = [];
    const within = startRunSession(swarm.coordinator, profile, settings({ inferences: 14 }), (e) => events.push(e), { replanOnDrift: false });
    expect((await within.done).every((o) => o.ok)).toBe(true);
    expect(budgetEvents(events)).toEqual([]);
    expect(within.controller.stats.replans).toBe(0);
    // Checked at its 10th result already: once per deployment.
    expect(within.controller.checkLatencyBudget()).toMatchObject({ outcome: 'skipped', reason: 'this deployment was checked already' });
    within.controller.stop('test over');
    const free = startRunSession(swarm.coordinator, profile, settings({ inferences: 12, constraints: {} }), (e) => events.push(e), { replanOnDrift: false });
    expect((await free.done).every((o) => o.ok)).toBe(true);
    expect(free.controller.checkLatencyBudget()).toMatchObject({ outcome: 'skipped', reason: 'no latency budget' });
    free.controller.stop('test over');
  });
});
