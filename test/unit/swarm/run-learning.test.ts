/** When an earlier run's figures may plan the next run (src/swarm/run-learning.ts). */
import { describe, expect, it } from 'vitest';
import { Calibration } from '../../../src/cost/calibration';
import { benchmarkFingerprint, KEEP_PLACEMENT_MARGIN, keepsUp, learnedContext, learningKey, membersKey, preferKept, restoreLearning, storeLearning, type RunLearning } from '../../../src/swarm/run-learning';
import type { Placement, PlanResult, Prediction } from '../../../src/plan/plan-types';
import type { NodeRecord } from '../../../src/swarm/coordinator';

const profile = (over: Partial<{ name: string; flops: number; dims: number[] }> = {}) => ({
  name: over.name ?? 'mobilenetv2',
  nodes: new Array(100).fill(null),
  totalFlops: over.flops ?? 6e8,
  totalWeightBytes: 14e6,
  inputShapes: new Map([['input', over.dims ?? [1, 3, 224, 224]]]),
});
const load = { window: 3, ratePerSecond: 0 };

const benchA = { flopsPerSecond: 1e9 };
const benchB = { flopsPerSecond: 2e9 };
const record = (nodeId: string, name: string, benchmark: unknown) => ({ nodeId, name, benchmark }) as unknown as NodeRecord;

const learning = (over: Partial<RunLearning> = {}): RunLearning => ({
  key: learningKey(profile(), load),
  label: 'run 2',
  calibration: new Calibration(),
  hostCores: new Map([[membersKey(['b', 'a']), 1.2]]),
  hopScale: 1.7,
  benchmarks: new Map([['a', benchmarkFingerprint(benchA)], ['b', benchmarkFingerprint(benchB)]]),
  ...over,
});

describe('learnedContext', () => {
  it('gives the calibration, the hosts\' cores by members in any order and the hop scale when the model, load and benchmarks are the same', () => {
    const l = learning();
    const found = learnedContext(l, learningKey(profile(), load), [record('a', 'A', benchA), record('b', 'B', benchB), record('c', 'C', {})]);
    if (!('context' in found)) throw new Error(found.reason);
    expect(found.context.calibration).toBe(l.calibration);
    expect(found.context.hostConcurrency?.(['a', 'b'])).toBe(1.2);
    expect(found.context.hostConcurrency?.(['a', 'b', 'c'])).toBeUndefined();
    expect(found.context.hopScale).toBe(1.7);
    expect(found.context.from).toBe('run 2');
  });

  it('a node that left does not stop it; one that benchmarked again does', () => {
    expect('context' in learnedContext(learning(), learningKey(profile(), load), [record('a', 'A', benchA)])).toBe(true);
    expect(learnedContext(learning(), learningKey(profile(), load), [record('a', 'A', benchA), record('b', 'B', { flopsPerSecond: 2.1e9 })])).toEqual({ reason: 'B benchmarked again since run 2' });
  });

  it('a node that comes back with the benchmark it kept (a new object, the same figures) is the same node to it', () => {
    expect('context' in learnedContext(learning(), learningKey(profile(), load), [record('a', 'A', { ...benchA }), record('b', 'B', JSON.parse(JSON.stringify(benchB)))])).toBe(true);
  });

  it('refuses another model, other input shapes, another number in flight or another rate, and no learning', () => {
    const key = learningKey(profile(), load);
    for (const other of [
      learningKey(profile({ name: 'resnet18' }), load),
      learningKey(profile({ flops: 7e8 }), load),
      learningKey(profile({ dims: [1, 3, 160, 160] }), load),
      learningKey(profile(), { window: 1, ratePerSecond: 0 }),
      learningKey(profile(), { window: 3, ratePerSecond: 5 }),
    ]) {
      expect(other).not.toBe(key);
      expect(learnedContext(learning(), other, [])).toEqual({ reason: 'run 2 ran another model or load' });
    }
    expect(learnedContext(undefined, key, [])).toEqual({ reason: 'no earlier run' });
  });
});

const prediction = (latencyMs: number, energyJoules = 1, gramsCo2 = 1): Prediction => ({ latencyMs, energyJoules, gramsCo2, throughputPerSecond: 1000 / latencyMs, transferMs: 0, transferBytes: 0 }) as Prediction;
const placement = (cuts: readonly number[], x: Prediction, weights = { latency: 1, energy: 0, carbon: 0 }): Placement => ({
  pipelines: [{
    slices: cuts.slice(0, -1).map((start, i) => ({ sliceRange: [start, cuts[i + 1]!] as const, nodeId: `n${i}`, backend: 'wasm', computeMs: 1, energyJoules: 0, gramsCo2: 0, memoryBytes: 0 })),
    hops: [], share: 1, prediction: x,
  }],
  prediction: x, weights, method: 'exact', normalisation: { ideal: x, nadir: x },
}) as unknown as Placement;
const ok = (p: Placement): PlanResult => ({ ok: true, placement: p });

describe('keeping the earlier run\'s placement', () => {
  it('keepsUp: within the margin on latency, energy and grams alike, and within a budget the best meets', () => {
    const best = prediction(100, 10, 1);
    expect(keepsUp(prediction(100 * (1 + KEEP_PLACEMENT_MARGIN), 10, 1), best)).toBe(true);
    expect(keepsUp(prediction(121, 10, 1), best)).toBe(false);
    expect(keepsUp(prediction(100, 12.5, 1), best)).toBe(false);
    expect(keepsUp(prediction(100, 10, 1.25), best)).toBe(false);
    expect(keepsUp(prediction(105, 10, 1), best, 104)).toBe(false);
    // A budget the best plan misses too does not decide.
    expect(keepsUp(prediction(105, 10, 1), best, 90)).toBe(true);
  });

  it('preferKept: keeps a placement hardly worse, with the new plan\'s weights and a note; else the new plan', () => {
    const previous = placement([0, 27, 67, 100], prediction(300));
    const best = ok(placement([0, 27, 69, 100], prediction(290), { latency: 0.2, energy: 0.3, carbon: 0.5 }));
    const kept = preferKept(best, previous, () => ok(placement([0, 27, 67, 100], prediction(305))), 'run 2');
    if (!kept.ok) throw new Error(kept.reason);
    expect(kept.placement.pipelines[0]!.slices.map((s) => s.sliceRange[1])).toEqual([27, 67, 100]);
    expect(kept.placement.prediction.latencyMs).toBe(305);
    expect(kept.placement.weights).toEqual({ latency: 0.2, energy: 0.3, carbon: 0.5 });
    expect(kept.note).toBe('kept run 2\'s placement: the best plan is predicted less than 20% better');
    // The best plan clearly better: it wins.
    expect(preferKept(best, previous, () => ok(placement([0, 27, 67, 100], prediction(360))), 'run 2')).toBe(best);
    // Another shape (a 2-way split), the same slices, a failed plan, or the old one unplannable now: the new plan as it is.
    expect(preferKept(best, placement([0, 50, 100], prediction(300)), () => ok(placement([0, 50, 100], prediction(290))), 'run 2')).toBe(best);
    let asked = 0;
    expect(preferKept(best, placement([0, 27, 69, 100], prediction(300)), () => (asked++, ok(previous)), 'run 2')).toBe(best);
    expect(asked).toBe(0);
    const failed: PlanResult = { ok: false, reason: 'no node', binding: 'input' };
    expect(preferKept(failed, previous, () => ok(previous), 'run 2')).toBe(failed);
    expect(preferKept(best, previous, () => failed, 'run 2')).toBe(best);
  });
});

describe('storing the learning (a reload of the coordinator tab)', () => {
  const fedCalibration = () => {
    const cal = new Calibration();
    for (let i = 0; i < 12; i++) {
      cal.recordExecution({ nodeId: 'a', sliceKey: 'mobilenetv2[0,40)', backend: 'wasm', basePredictedMs: 20, wallMs: 31 + (i % 3), busyMs: 30 });
      cal.recordExecution({ nodeId: 'b', sliceKey: 'mobilenetv2[40,100)', backend: 'wasm', basePredictedMs: 25, wallMs: 22 + (i % 4), busyMs: 21 });
      cal.recordHop({ fromId: 'a', toId: 'b', bytes: 200_000 * (1 + (i % 3)), transferMs: 5 + 10 * (1 + (i % 3)) });
    }
    return cal;
  };
  const stored = () => learning({ calibration: fedCalibration(), placement: placement([0, 40, 100], prediction(80)) });

  it('restored from JSON, it plans the next run as the one stored: same context, same predictions, same kept placement', () => {
    const l = stored();
    const back = restoreLearning(JSON.parse(JSON.stringify(storeLearning(l))));
    expect(back.key).toBe(l.key);
    expect(back.label).toBe('run 2');
    expect(back.hopScale).toBe(1.7);
    expect([...back.hostCores]).toEqual([...l.hostCores]);
    expect([...back.benchmarks]).toEqual([...l.benchmarks]);
    expect(back.calibration.rows()).toEqual(l.calibration.rows());
    expect(back.calibration.planLinks()).toEqual(l.calibration.planLinks());
    expect(back.placement).toEqual({ pipelines: [{ share: 1, slices: [{ nodeId: 'n0', sliceRange: [0, 40], backend: 'wasm' }, { nodeId: 'n1', sliceRange: [40, 100], backend: 'wasm' }] }] });
    // The nodes come back after the reload with the benchmarks they kept (new objects).
    const found = learnedContext(back, learningKey(profile(), load), [record('a', 'A', { ...benchA }), record('b', 'B', { ...benchB })]);
    if (!('context' in found)) throw new Error(found.reason);
    expect(found.context.hostConcurrency?.(['a', 'b'])).toBe(1.2);
    expect(found.context.calibration?.predictMs('a', 'mobilenetv2[0,40)', 'wasm', 20)).toEqual(l.calibration.predictMs('a', 'mobilenetv2[0,40)', 'wasm', 20));
    const best = ok(placement([0, 42, 100], prediction(78)));
    const kept = preferKept(best, back.placement!, () => ok(placement([0, 40, 100], prediction(81))), back.label);
    expect(kept.ok && kept.placement.pipelines[0]!.slices.map((s) => s.sliceRange[1])).toEqual([40, 100]);
    // Without a placement or hop scale it stays without them.
    const bare = restoreLearning(JSON.parse(JSON.stringify(storeLearning(learning({ hopScale: undefined })))));
    expect('hopScale' in bare || 'placement' in bare).toBe(false);
  });

  it('refuses a broken stored learning with the field that is wrong', () => {
    const good = () => JSON.parse(JSON.stringify(storeLearning(stored()))) as Record<string, any>;
    const cases: [(s: Record<string, any>) => unknown, RegExp][] = [
      [() => 'x', /stored run learning: the value must be an object/],
      [(s) => ({ ...s, version: 0 }), /version must be 1, got 0/],
      [(s) => ({ ...s, key: 7 }), /key must be a non-empty text/],
      [(s) => ({ ...s, hopScale: -1 }), /hopScale must be a finite number > 0, got -1/],
      [(s) => ({ ...s, hostCores: [['a', 0]] }), /hostCores\[0\]\[1\] must be a finite number > 0, got 0/],
      [(s) => ({ ...s, benchmarks: [['a']] }), /benchmarks\[0\] must be a \[key, value\] pair/],
      [(s) => (s.placement.pipelines[0].share = 1.5, s), /placement\.pipelines\[0\]\.share must be at most 1, got 1.5/],
      [(s) => (s.placement.pipelines[0].slices[1].sliceRange = [40, 40], s), /placement\.pipelines\[0\]\.slices\[1\]\.sliceRange must be \[start, end\) with whole numbers 0 <= start < end, got \[40,40\]/],
      [(s) => (s.placement.pipelines[0].slices = [], s), /placement\.pipelines\[0\]\.slices must not be empty/],
      [(s) => (s.calibration.slices[0].wallMs[0] = 'fast', s), /stored run learning: calibration: slices\[0\]\.wallMs\[0\] must be a finite number > 0, got "fast"/],
    ];
    for (const [spoil, message] of cases) expect(() => restoreLearning(spoil(good()))).toThrow(message);
  });
});
