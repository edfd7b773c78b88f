/** When an earlier run's figures may plan the next run (src/swarm/run-learning.ts). */
import { describe, expect, it } from 'vitest';
import { Calibration } from '../../../src/cost/calibration';
import { learnedContext, learningKey, membersKey, type RunLearning } from '../../../src/swarm/run-learning';
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
  benchmarks: new Map<string, unknown>([['a', benchA], ['b', benchB]]),
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
    expect(learnedContext(learning(), learningKey(profile(), load), [record('a', 'A', benchA), record('b', 'B', { ...benchB })])).toEqual({ reason: 'B benchmarked again since run 2' });
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
