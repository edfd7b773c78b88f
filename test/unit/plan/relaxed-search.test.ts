import { describe, expect, it } from 'vitest';
import { hopCost, relaxedSearch, stageCoefficients, type ObjectiveCoefficients } from '../../../src/plan/pipeline-search';
import type { PlanModel } from '../../../src/plan/plan-model';
import { OP_CLASSES, type OpClass, type PlanInputs, type PlanNode } from '../../../src/plan/plan-types';
import { buildSearchContext, sliceKey, sliceMemoryBytes, sliceMs, type SearchContext } from '../../../src/plan/search-context';
import { syntheticPlanModel } from '../../../src/plan/synthetic-model';
import { seededRandom } from '../../../src/util/seeded-random';
import { randomNodes } from './helpers';

/** The relaxed DP written plainly: O(M^2 N + M N^2), no running minima, no top-2. */
function naiveRelaxed(ctx: SearchContext, c: ObjectiveCoefficients): number {
  const cuts = ctx.cuts;
  const M = cuts.length;
  const N = ctx.nodes.length;
  const coef = stageCoefficients(ctx, c);
  const dp = Array.from({ length: M }, () => new Array<number>(N).fill(Infinity));
  const inner = Array.from({ length: M }, () => new Array<number>(N).fill(Infinity));
  for (let b = 0; b < N; b++) inner[0]![b] = hopCost(ctx, c, cuts[0]!, N, b);
  for (let j = 1; j < M; j++) {
    for (let b = 0; b < N; b++) {
      for (let i = 0; i < j; i++) {
        if (sliceMemoryBytes(ctx, cuts[i]!, cuts[j]!) > ctx.memoryBytes[b]!) continue;
        dp[j]![b] = Math.min(dp[j]![b]!, inner[i]![b]! + coef[b]! * sliceMs(ctx, b, cuts[i]!, cuts[j]!));
      }
    }
    for (let b = 0; b < N; b++) for (let a = 0; a < N; a++) if (a !== b) inner[j]![b] = Math.min(inner[j]![b]!, dp[j]![a]! + hopCost(ctx, c, cuts[j]!, a, b));
  }
  let best = Infinity;
  for (let a = 0; a < N; a++) best = Math.min(best, dp[M - 1]![a]! + hopCost(ctx, c, cuts[M - 1]!, a, N));
  return best;
}

function withClasses(model: PlanModel, seed: number): PlanModel {
  const random = seededRandom(seed);
  return { ...model, nodeOpClass: model.nodeFlops.map(() => OP_CLASSES[Math.floor(random() * OP_CLASSES.length)]! as OpClass) };
}

function classNodes(count: number, seed: number, memoryBytes: number): PlanNode[] {
  const random = seededRandom(seed);
  const rates = () => Object.fromEntries(OP_CLASSES.map((c) => [c, 3e8 + random() * 5e9])) as Record<OpClass, number>;
  return randomNodes(count, seed, memoryBytes).map((n) => ({
    ...n,
    costByBackend: {
      wasm: { flopsPerSecondByOpClass: rates(), fixedMsPerRun: random() * 3, label: 'measured' as const },
      ...(random() < 0.5 ? { webgpu: { flopsPerSecondByOpClass: rates(), fixedMsPerRun: 2 + random() * 6, label: 'measured' as const } } : {}),
    },
  }));
}

describe('relaxed search fast paths', () => {
  const model = syntheticPlanModel({ nodeCount: 40, seed: 3, blockLength: 4 });
  const weights = model.nodeWeightBytes.reduce((a, b) => a + b, 0);
  const peak = model.activationBytesPeak ?? 0;
  const cases: Array<[string, PlanInputs]> = [
    ['ample memory, FLOP/s rule', { model, nodes: randomNodes(12, 1) }],
    ['memory binds (sliding window)', { model, nodes: randomNodes(12, 2, weights * 0.4 + peak) }],
    ['memory binds without an activation peak', { model: { ...model, activationBytesPeak: undefined }, nodes: randomNodes(12, 3, weights * 0.5) }],
    ['per-class costs, two backends', { model: withClasses(model, 4), nodes: classNodes(12, 4, weights * 0.6 + peak) }],
    ['network term on (hops charged at the endpoints)', { model, nodes: randomNodes(12, 5), options: { networkKwhPerByte: 1e-9 } }],
    ['measured links and coordinator links', {
      model, nodes: randomNodes(12, 6),
      links: [
        { fromId: 'n0', toId: 'n1', bandwidthBytesPerSecond: 1e9, latencyMs: 0.1 },
        { fromId: 'n2', toId: 'n3', bandwidthBytesPerSecond: 1e5, latencyMs: 40 },
        { fromId: 'coordinator', toId: 'n4', bandwidthBytesPerSecond: 1e9, latencyMs: 0.1 },
      ],
    }],
    ['slice corrections', {
      model, nodes: randomNodes(12, 7),
      sliceCorrections: new Map([[sliceKey('n0', 'wasm', 0, 40), 0.2], [sliceKey('n1', 'wasm', 10, 30), 5]]),
    }],
  ];
  it.each(cases)('equals the plain DP (%s)', (_name, inputs) => {
    const ctx = buildSearchContext(inputs, inputs.nodes);
    const random = seededRandom(11);
    for (let k = 0; k < 6; k++) {
      const c = k === 0 ? { perMs: 1, perJoule: 0, perGram: 0 } : { perMs: random(), perJoule: random() * 5, perGram: random() * 1e5 };
      const fast = relaxedSearch(ctx, c)?.objective ?? Infinity;
      const plain = naiveRelaxed(ctx, c);
      if (plain === Infinity) expect(fast).toBe(Infinity);
      else expect(fast).toBeCloseTo(plain, 9);
    }
  });
});
