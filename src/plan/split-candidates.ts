/**
 * Extra candidates for constrained decisions. With additive per-slice costs, a weighted sum (and so
 * a blend of weights) only ever picks vertices of the convex hull of (latency, energy, carbon),
 * which are often whole-model placements; the best placement under a latency budget or a carbon
 * cap usually lies between two of them: the model split across two nodes at the right cut. So when
 * a constraint binds, the decision also scores two-slice pipelines: each cut candidate x each ordered
 * pair of distinct nodes whose memory holds its slice. Objectives are summed from the tables (no
 * objects per pair); only the winner is described. Bounded for big swarms: the pairs are drawn from
 * at most `poolSize` nodes (the best on latency, on carbon and on energy, a third each).
 */
import { evaluatePath, type EvaluatedPipeline } from './pipeline-evaluate';
import type { ObjectiveVector } from './plan-types';
import {
  JOULES_PER_KWH, cutCandidates, linkBetween, linkGramsPerByte, sliceMemoryBytes, sliceMs, type SearchContext,
} from './search-context';

/** Nodes two-slice candidates are drawn from (default 60). */
export const TWO_SLICE_POOL = 60;

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

/** The nodes two-slice pairs are drawn from: all when few, else the best by each objective alone. */
function pool(ctx: SearchContext, poolSize: number): number[] {
  const N = ctx.nodes.length;
  if (N <= poolSize) return Array.from({ length: N }, (_, b) => b);
  const n = ctx.positionCount;
  const ms = Array.from({ length: N }, (_, b) => sliceMs(ctx, b, 0, n));
  const joules = ms.map((m, b) => (ctx.runWatts[b]! * m) / 1000);
  const grams = joules.map((j, b) => (j / JOULES_PER_KWH) * ctx.gramsCo2PerKwh[b]!);
  const chosen = new Set<number>();
  const per = Math.ceil(poolSize / 3);
  for (const values of [ms, grams, joules]) {
    const order = Array.from({ length: N }, (_, b) => b).sort((a, b) => values[a]! - values[b]! || a - b);
    for (const b of order.slice(0, per)) chosen.add(b);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** One two-slice pipeline from the tables: cut position, head node, tail node and its objectives. */
interface TwoSlice {
  readonly cut: number;
  readonly a: number;
  readonly b: number;
  readonly x: ObjectiveVector;
}

/**
 * Visit every two-slice pipeline whose memory fits (cut candidates x ordered pairs of the pool);
 * `visit` receives a reused objective vector and must copy what it keeps.
 */
function forEachTwoSlice(ctx: SearchContext, poolSize: number, visit: (cut: number, a: number, b: number, x: ObjectiveVector) => void): void {
  const n = ctx.positionCount;
  const N = ctx.nodes.length;
  const nodes = pool(ctx, poolSize);
  const cuts = ctx.cuts.length > 42 ? cutCandidates(ctx.model, 40) : ctx.cuts;
  const x = { latencyMs: 0, energyJoules: 0, gramsCo2: 0 };
  const defaultLink = { latencyMs: ctx.nodeLink.latencyMs, msPerByte: Number.isFinite(ctx.nodeLink.bandwidthBytesPerSecond) ? 1000 / ctx.nodeLink.bandwidthBytesPerSecond : 0 };
  const networkOn = ctx.networkJoulesPerByte > 0;
  for (const cut of cuts) {
    if (cut <= 0 || cut >= n) continue;
    const headBytes = sliceMemoryBytes(ctx, 0, cut);
    const tailBytes = sliceMemoryBytes(ctx, cut, n);
    const inBytes = ctx.crossingBytes[0]!;
    const midBytes = ctx.crossingBytes[cut]!;
    const outBytes = ctx.crossingBytes[n]!;
    // One end of the split on node x: its slice [start, stop) plus the coordinator hop `bytes` crosses.
    const end = (x: number, start: number, stop: number, bytes: number, memory: number, from: number, to: number) => {
      if (memory > ctx.memoryBytes[x]!) return undefined;
      const ms = sliceMs(ctx, x, start, stop);
      const link = linkBetween(ctx, from, to);
      const joules = (ctx.runWatts[x]! * ms) / 1000;
      return {
        ms: ms + link.latencyMs + bytes * link.msPerByte,
        joules: joules + bytes * ctx.networkJoulesPerByte,
        grams: (joules / JOULES_PER_KWH) * ctx.gramsCo2PerKwh[x]! + bytes * linkGramsPerByte(ctx, from, to),
      };
    };
    const head = nodes.map((a) => end(a, 0, cut, inBytes, headBytes, N, a));
    const tail = nodes.map((b) => end(b, cut, n, outBytes, tailBytes, b, N));
    for (let ia = 0; ia < nodes.length; ia++) {
      const h = head[ia];
      if (!h) continue;
      const a = nodes[ia]!;
      for (let ib = 0; ib < nodes.length; ib++) {
        const t = tail[ib];
        const b = nodes[ib]!;
        if (!t || a === b) continue;
        const measured = ctx.hasMeasuredLink[a] === 1 && ctx.hasMeasuredLink[b] === 1;
        const link = measured ? linkBetween(ctx, a, b) : defaultLink;
        x.latencyMs = h.ms + t.ms + link.latencyMs + midBytes * link.msPerByte;
        x.energyJoules = h.joules + t.joules + midBytes * ctx.networkJoulesPerByte;
        x.gramsCo2 = h.grams + t.grams + (networkOn ? midBytes * linkGramsPerByte(ctx, a, b) : 0);
        visit(cut, a, b, x);
      }
    }
  }
}

function describeTwoSlice(ctx: SearchContext, t: { cut: number; a: number; b: number }): EvaluatedPipeline {
  return evaluatePath(ctx, [{ start: 0, end: t.cut, node: t.a }, { start: t.cut, end: ctx.positionCount, node: t.b }]);
}

/**
 * The best two-slice pipeline by `score` among those `feasible` accepts (undefined when none).
 * Objectives per pair are summed from the tables in O(1).
 */
export function bestTwoSlice(
  ctx: SearchContext,
  feasible: (x: ObjectiveVector) => boolean,
  score: (x: ObjectiveVector) => number,
  poolSize = TWO_SLICE_POOL,
): EvaluatedPipeline | undefined {
  let best: { cut: number; a: number; b: number; value: number } | undefined;
  forEachTwoSlice(ctx, poolSize, (cut, a, b, x) => {
    if (!feasible(x)) return;
    const value = score(x);
    if (!best || value < best.value) best = { cut, a, b, value };
  });
  return best ? describeTwoSlice(ctx, best) : undefined;
}

/**
 * For each latency budget (ascending), the lowest-gCO2 two-slice pipeline within it and within
 * `capGrams` (undefined where none): one pass over the pairs, each dropped into the bucket of the
 * first budget it meets, then a running minimum over the buckets. O(pairs x log budgets), no
 * per-pair allocation; what a latency-budget sweep needs.
 */
export function lowestTwoSlicePerBudget(ctx: SearchContext, budgetsMs: readonly number[], capGrams: number, poolSize = TWO_SLICE_POOL): Array<EvaluatedPipeline | undefined> {
  const K = budgetsMs.length;
  const grams = new Float64Array(K).fill(Infinity);
  const latency = new Float64Array(K).fill(Infinity);
  const where = Array.from({ length: K }, () => ({ cut: -1, a: -1, b: -1 }));
  forEachTwoSlice(ctx, poolSize, (cut, a, b, x) => {
    if (x.gramsCo2 > capGrams * (1 + 1e-12)) return;
    let lo = 0;
    let hi = K;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (budgetsMs[mid]! * (1 + 1e-12) >= x.latencyMs) hi = mid;
      else lo = mid + 1;
    }
    if (lo === K) return;
    if (x.gramsCo2 < grams[lo]! || (x.gramsCo2 === grams[lo]! && x.latencyMs < latency[lo]!)) {
      grams[lo] = x.gramsCo2;
      latency[lo] = x.latencyMs;
      where[lo] = { cut, a, b };
    }
  });
  const out: Array<EvaluatedPipeline | undefined> = [];
  let best = -1;
  for (let k = 0; k < K; k++) {
    if (grams[k]! < Infinity && (best < 0 || grams[k]! < grams[best]!)) best = k;
    out.push(best < 0 ? undefined : describeTwoSlice(ctx, where[best]!));
  }
  return out;
}
