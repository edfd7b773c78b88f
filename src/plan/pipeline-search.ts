/**
 * Optimal single-pipeline search for a linear objective a_L x latency + a_E x energy + a_C x gCO2
 * (all three are sums over slices and hops, so a DP over cut positions is exact):
 *
 *     best(j, b) = min_i [ min_a best(i, a) + hop(cut i, a -> b) ] + stage(i..j on b)
 *
 * - {@link exactSearch}: every cut position, state also holds the set of nodes already used, so a
 *   node hosts at most one slice; O(M^2 2^N N). Exact; for small swarms.
 * - {@link relaxedSearch}: state (cut, last node) only; O(M^2 N + M N^2). On cut candidates it is
 *   the heuristic for big instances; on all cuts it is a lower bound (relaxation) used for the gap.
 *   A node may then host two non-adjacent slices; memory is re-checked on their sum.
 */
import { sliceMemoryBytes, type SearchContext } from './search-context';

/** Coefficients of the linear objective, per ms, per J and per gCO2. */
export interface ObjectiveCoefficients {
  readonly perMs: number;
  readonly perJoule: number;
  readonly perGram: number;
}

/** One slice of a found path: positions [start, end) on node index `node`. */
export interface PathStage {
  readonly start: number;
  readonly end: number;
  readonly node: number;
}

/** A found pipeline and its objective value. */
export interface SearchResult {
  readonly stages: readonly PathStage[];
  readonly objective: number;
}

const JOULES_PER_KWH = 3.6e6;

function stageCoefficients(ctx: SearchContext, c: ObjectiveCoefficients): Float64Array {
  const N = ctx.nodes.length;
  const coef = new Float64Array(N);
  for (let b = 0; b < N; b++) {
    const joulesPerMs = ctx.runWatts[b]! / 1000;
    coef[b] = c.perMs + c.perJoule * joulesPerMs + c.perGram * (joulesPerMs * ctx.gramsCo2PerKwh[b]!) / JOULES_PER_KWH;
  }
  return coef;
}

/** Weighted cost of sending the tensors at cut position `p` from endpoint a to b (N = coordinator). */
function hopCost(ctx: SearchContext, c: ObjectiveCoefficients, p: number, a: number, b: number): number {
  const E = ctx.nodes.length + 1;
  const k = a * E + b;
  const bytes = ctx.crossingBytes[p]!;
  const ms = ctx.linkLatencyMs[k]! + bytes * ctx.linkMsPerByte[k]!;
  return c.perMs * ms + c.perJoule * bytes * ctx.linkJoulesPerByte[k]! + c.perGram * bytes * ctx.linkGramsPerByte[k]!;
}

function stageCost(ctx: SearchContext, coef: Float64Array, ps: number, pe: number, b: number): number {
  const ms = (ctx.prefixFlops[pe]! - ctx.prefixFlops[ps]!) * ctx.msPerFlop[b]! + ctx.overheadMs[b]!;
  return ms * coef[b]!;
}

/** Exact search over every cut in `ctx.cuts` and every assignment of distinct nodes. */
export function exactSearch(ctx: SearchContext, c: ObjectiveCoefficients): SearchResult | undefined {
  const cuts = ctx.cuts;
  const M = cuts.length;
  const N = ctx.nodes.length;
  const S = 1 << N;
  const size = M * S * N;
  const coef = stageCoefficients(ctx, c);
  const dp = new Float64Array(size).fill(Infinity);
  const prevCut = new Int32Array(size);
  const inner = new Float64Array(size).fill(Infinity);
  const innerArg = new Int32Array(size).fill(-1);
  for (let b = 0; b < N; b++) inner[b] = hopCost(ctx, c, cuts[0]!, N, b);
  for (let j = 1; j < M; j++) {
    const pe = cuts[j]!;
    for (let i = 0; i < j; i++) {
      const ps = cuts[i]!;
      for (let T = i === 0 ? 0 : 1; T < (i === 0 ? 1 : S); T++) {
        const base = (i * S + T) * N;
        for (let b = 0; b < N; b++) {
          if (T & (1 << b)) continue;
          const v = inner[base + b]!;
          if (v === Infinity || sliceMemoryBytes(ctx, ps, pe) > ctx.memoryBytes[b]!) continue;
          const cost = v + stageCost(ctx, coef, ps, pe, b);
          const k = (j * S + (T | (1 << b))) * N + b;
          if (cost < dp[k]!) {
            dp[k] = cost;
            prevCut[k] = i;
          }
        }
      }
    }
    if (j === M - 1) break;
    for (let T = 1; T < S; T++) {
      for (let b = 0; b < N; b++) {
        if (T & (1 << b)) continue;
        let best = Infinity;
        let arg = -1;
        for (let a = 0; a < N; a++) {
          if (!(T & (1 << a))) continue;
          const v = dp[(j * S + T) * N + a]!;
          if (v === Infinity) continue;
          const cost = v + hopCost(ctx, c, pe, a, b);
          if (cost < best) {
            best = cost;
            arg = a;
          }
        }
        inner[(j * S + T) * N + b] = best;
        innerArg[(j * S + T) * N + b] = arg;
      }
    }
  }
  let best = Infinity;
  let endT = -1;
  let endA = -1;
  for (let T = 1; T < S; T++) {
    for (let a = 0; a < N; a++) {
      const v = dp[((M - 1) * S + T) * N + a]!;
      if (v === Infinity) continue;
      const cost = v + hopCost(ctx, c, cuts[M - 1]!, a, N);
      if (cost < best) {
        best = cost;
        endT = T;
        endA = a;
      }
    }
  }
  if (endA < 0) return undefined;
  const stages: PathStage[] = [];
  let j = M - 1;
  let T = endT;
  let a = endA;
  for (;;) {
    const i = prevCut[(j * S + T) * N + a]!;
    stages.push({ start: cuts[i]!, end: cuts[j]!, node: a });
    if (i === 0) break;
    const rest = T & ~(1 << a);
    const prevNode = innerArg[(i * S + rest) * N + a]!;
    j = i;
    T = rest;
    a = prevNode;
  }
  return { stages: stages.reverse(), objective: best };
}

/**
 * Search with state (cut, last node) only: a node may appear in two non-adjacent slices. Returns
 * undefined when no path fits in memory. Memory of repeated nodes is checked on the sum by the
 * caller ({@link pathMemoryOk}).
 */
export function relaxedSearch(ctx: SearchContext, c: ObjectiveCoefficients, cuts: Int32Array = ctx.cuts): SearchResult | undefined {
  const M = cuts.length;
  const N = ctx.nodes.length;
  const coef = stageCoefficients(ctx, c);
  const dp = new Float64Array(M * N).fill(Infinity);
  const prevCut = new Int32Array(M * N);
  const inner = new Float64Array(M * N).fill(Infinity);
  const innerArg = new Int32Array(M * N).fill(-1);
  for (let b = 0; b < N; b++) {
    inner[b] = hopCost(ctx, c, cuts[0]!, N, b);
    innerArg[b] = N;
  }
  for (let j = 1; j < M; j++) {
    const pe = cuts[j]!;
    for (let i = 0; i < j; i++) {
      const ps = cuts[i]!;
      const memory = sliceMemoryBytes(ctx, ps, pe);
      for (let b = 0; b < N; b++) {
        const v = inner[i * N + b]!;
        if (v === Infinity || memory > ctx.memoryBytes[b]!) continue;
        const cost = v + stageCost(ctx, coef, ps, pe, b);
        if (cost < dp[j * N + b]!) {
          dp[j * N + b] = cost;
          prevCut[j * N + b] = i;
        }
      }
    }
    if (j === M - 1) break;
    for (let b = 0; b < N; b++) {
      let best = Infinity;
      let arg = -1;
      for (let a = 0; a < N; a++) {
        const v = dp[j * N + a]!;
        if (a === b || v === Infinity) continue;
        const cost = v + hopCost(ctx, c, pe, a, b);
        if (cost < best) {
          best = cost;
          arg = a;
        }
      }
      inner[j * N + b] = best;
      innerArg[j * N + b] = arg;
    }
  }
  let best = Infinity;
  let endA = -1;
  for (let a = 0; a < N; a++) {
    const v = dp[(M - 1) * N + a]!;
    if (v === Infinity) continue;
    const cost = v + hopCost(ctx, c, cuts[M - 1]!, a, N);
    if (cost < best) {
      best = cost;
      endA = a;
    }
  }
  if (endA < 0) return undefined;
  const stages: PathStage[] = [];
  let j = M - 1;
  let a = endA;
  for (;;) {
    const i = prevCut[j * N + a]!;
    stages.push({ start: cuts[i]!, end: cuts[j]!, node: a });
    if (i === 0) break;
    const prevNode = innerArg[i * N + a]!;
    j = i;
    a = prevNode;
  }
  return { stages: stages.reverse(), objective: best };
}

/** True when every node's slices together fit its memory (matters only after a relaxed search). */
export function pathMemoryOk(ctx: SearchContext, stages: readonly PathStage[]): boolean {
  const used = new Map<number, number>();
  for (const s of stages) used.set(s.node, (used.get(s.node) ?? 0) + sliceMemoryBytes(ctx, s.start, s.end));
  for (const [node, bytes] of used) if (bytes > ctx.memoryBytes[node]!) return false;
  return true;
}

/** The subset DP when the swarm has at most `exactMaxNodes` nodes, else the relaxed search. */
export function searchPipeline(ctx: SearchContext, c: ObjectiveCoefficients, exactMaxNodes: number): SearchResult | undefined {
  return ctx.nodes.length <= exactMaxNodes ? exactSearch(ctx, c) : relaxedSearch(ctx, c);
}

/**
 * A lower bound of the exact problem's optimum for coefficients `c`, in O(n N + n N^2): every cut
 * position, nodes may repeat, and memory relaxed to weights + activation peak (which only grows with
 * the slice, so the feasible starts of a slice ending at j form a window). Because a stage costs
 * K_b x (F(j) - F(i)) + O_b, the best start is a sliding-window minimum of inner(i, b) - K_b F(i).
 */
export function lowerBound(ctx: SearchContext, c: ObjectiveCoefficients): number {
  const n = ctx.positionCount;
  const M = n + 1;
  const N = ctx.nodes.length;
  const coef = stageCoefficients(ctx, c);
  const peak = ctx.model.activationBytesPeak ?? 0;
  const slope = new Float64Array(N);
  const offset = new Float64Array(N);
  for (let b = 0; b < N; b++) {
    slope[b] = coef[b]! * ctx.msPerFlop[b]!;
    offset[b] = coef[b]! * ctx.overheadMs[b]!;
  }
  const dp = new Float64Array(N);
  const inner = new Float64Array(M * N).fill(Infinity);
  const queue = new Int32Array(M * N);
  const head = new Int32Array(N);
  const tail = new Int32Array(N);
  const key = (i: number, b: number): number => inner[i * N + b]! - slope[b]! * ctx.prefixFlops[i]!;
  for (let b = 0; b < N; b++) inner[b] = hopCost(ctx, c, 0, N, b);
  let best = Infinity;
  for (let j = 1; j < M; j++) {
    for (let b = 0; b < N; b++) {
      const q = b * M;
      const i = j - 1;
      if (inner[i * N + b]! < Infinity) {
        const k = key(i, b);
        while (tail[b]! > head[b]! && key(queue[q + tail[b]! - 1]!, b) >= k) tail[b]!--;
        queue[q + tail[b]!++] = i;
      }
      while (tail[b]! > head[b]! && ctx.prefixWeightBytes[j]! - ctx.prefixWeightBytes[queue[q + head[b]!]!]! + peak > ctx.memoryBytes[b]!) head[b]!++;
      dp[b] = tail[b]! > head[b]! ? key(queue[q + head[b]!]!, b) + slope[b]! * ctx.prefixFlops[j]! + offset[b]! : Infinity;
    }
    if (j === M - 1) {
      for (let a = 0; a < N; a++) if (dp[a]! < Infinity) best = Math.min(best, dp[a]! + hopCost(ctx, c, n, a, N));
      break;
    }
    for (let b = 0; b < N; b++) {
      let m = Infinity;
      for (let a = 0; a < N; a++) {
        if (a === b || dp[a] === Infinity) continue;
        const v = dp[a]! + hopCost(ctx, c, j, a, b);
        if (v < m) m = v;
      }
      inner[j * N + b] = m;
    }
  }
  return best;
}
