/** Brute force over every cut set and every assignment of distinct nodes, for tests. */
import type { ObjectiveCoefficients, PathStage } from '../../../src/plan/pipeline-search';
import { evaluatePath } from '../../../src/plan/pipeline-evaluate';
import { sliceMemoryBytes, type SearchContext } from '../../../src/plan/search-context';

function* permutations(items: readonly number[], k: number, used = new Set<number>()): Generator<number[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (const x of items) {
    if (used.has(x)) continue;
    used.add(x);
    for (const rest of permutations(items, k - 1, used)) yield [x, ...rest];
    used.delete(x);
  }
}

/** Minimum of the linear objective over all pipelines, or Infinity when none fits. */
export function bruteForceMinimum(ctx: SearchContext, c: ObjectiveCoefficients): { value: number; stages?: PathStage[] } {
  const n = ctx.positionCount;
  const N = ctx.nodes.length;
  const nodes = Array.from({ length: N }, (_, b) => b);
  let best: { value: number; stages?: PathStage[] } = { value: Infinity };
  for (let mask = 0; mask < 1 << (n - 1); mask++) {
    const cuts = [0];
    for (let p = 1; p < n; p++) if (mask & (1 << (p - 1))) cuts.push(p);
    cuts.push(n);
    const k = cuts.length - 1;
    if (k > N) continue;
    for (const assignment of permutations(nodes, k)) {
      const stages = assignment.map((node, s) => ({ start: cuts[s]!, end: cuts[s + 1]!, node }));
      if (stages.some((s) => sliceMemoryBytes(ctx, s.start, s.end) > ctx.memoryBytes[s.node]!)) continue;
      const x = evaluatePath(ctx, stages).objectives;
      const value = c.perMs * x.latencyMs + c.perJoule * x.energyJoules + c.perGram * x.gramsCo2;
      if (value < best.value) best = { value, stages };
    }
  }
  return best;
}
