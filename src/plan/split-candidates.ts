/**
 * Extra candidates for constrained decisions. With additive per-slice costs, a weighted sum only
 * ever picks vertices of the convex hull of (latency, energy, carbon), which are often whole-model
 * placements; the best placement under a latency budget or a carbon cap usually lies between two
 * of them: the model split across two nodes at the right cut. So when a constraint binds, the
 * decision also scores every two-slice pipeline: each cut candidate x each ordered pair of distinct
 * nodes whose memory holds its slice (O(cuts x N^2) evaluations).
 */
import { evaluatePath, type EvaluatedPipeline } from './pipeline-evaluate';
import { sliceMemoryBytes, type SearchContext } from './search-context';

/** Every feasible two-slice pipeline over `ctx`'s cut candidates. */
export function twoSliceCandidates(ctx: SearchContext): EvaluatedPipeline[] {
  const out: EvaluatedPipeline[] = [];
  const n = ctx.positionCount;
  const N = ctx.nodes.length;
  for (const cut of ctx.cuts) {
    if (cut <= 0 || cut >= n) continue;
    const headBytes = sliceMemoryBytes(ctx, 0, cut);
    const tailBytes = sliceMemoryBytes(ctx, cut, n);
    for (let a = 0; a < N; a++) {
      if (headBytes > ctx.memoryBytes[a]!) continue;
      for (let b = 0; b < N; b++) {
        if (a === b || tailBytes > ctx.memoryBytes[b]!) continue;
        out.push(evaluatePath(ctx, [{ start: 0, end: cut, node: a }, { start: cut, end: n, node: b }]));
      }
    }
  }
  return out;
}

/** Every feasible whole-model-on-one-node pipeline (what the paper's task-level routing can do). */
export function wholeModelCandidates(ctx: SearchContext): EvaluatedPipeline[] {
  const n = ctx.positionCount;
  const bytes = sliceMemoryBytes(ctx, 0, n);
  const out: EvaluatedPipeline[] = [];
  for (let a = 0; a < ctx.nodes.length; a++) {
    if (bytes <= ctx.memoryBytes[a]!) out.push(evaluatePath(ctx, [{ start: 0, end: n, node: a }]));
  }
  return out;
}
