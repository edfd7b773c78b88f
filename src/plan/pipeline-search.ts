/**
 * Optimal single-pipeline search for a linear objective a_L x latency + a_E x energy + a_C x gCO2
 * (all three are sums over slices and hops, so a DP over cut positions is exact):
 *
 *     best(j, b) = min_i [ min_a best(i, a) + hop(cut i, a -> b) ] + stage(i..j on b)
 *
 * - {@link exactSearch}: every cut position, state also holds the set of nodes already used, so a
 *   node hosts at most one slice; O(M^2 2^N N). Exact; for small swarms.
 * - {@link relaxedSearch}: state (cut, last node) only; a node may appear in two non-adjacent
 *   slices. O(M x lines + M x N) on the fast path: a stage costs K_b (fixed_l + G_l(j) - G_l(i))
 *   (G_l = per-class prefix FLOPs x ms per FLOP of backend line l), so the best start of a slice
 *   ending at j is a running (or, when memory binds, sliding-window) minimum of
 *   inner(i, b) - K_b G_l(i); and a hop over a default link costs const + send(a) + recv(b), so
 *   min over a != b is a top-2 minimum. Nodes with per-slice corrections, memory limits that are
 *   not a window (no activation peak) or measured links take the plain O(M^2) / O(N) loops.
 */
import {
  JOULES_PER_KWH, linkBetween, linkGramsPerByte, maxSliceMemoryBytes, sliceMemoryBytes, sliceMs,
  type SearchContext,
} from './search-context';

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

/** Objective per predicted ms of compute on each node (time + its energy + its carbon). */
export function stageCoefficients(ctx: SearchContext, c: ObjectiveCoefficients): Float64Array {
  const N = ctx.nodes.length;
  const coef = new Float64Array(N);
  for (let b = 0; b < N; b++) {
    const joulesPerMs = ctx.runWatts[b]! / 1000;
    coef[b] = c.perMs + c.perJoule * joulesPerMs + c.perGram * (joulesPerMs * ctx.gramsCo2PerKwh[b]!) / JOULES_PER_KWH;
  }
  return coef;
}

/** Weighted cost of sending the tensors at cut position `p` from endpoint a to b (N = coordinator). */
export function hopCost(ctx: SearchContext, c: ObjectiveCoefficients, p: number, a: number, b: number): number {
  const bytes = ctx.crossingBytes[p]!;
  const link = linkBetween(ctx, a, b);
  const ms = link.latencyMs + bytes * link.msPerByte;
  return c.perMs * ms + c.perJoule * bytes * ctx.networkJoulesPerByte + c.perGram * bytes * linkGramsPerByte(ctx, a, b);
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
  const stage = new Float64Array(N);
  const hops = new Float64Array(N * N);
  for (let b = 0; b < N; b++) inner[b] = hopCost(ctx, c, cuts[0]!, N, b);
  for (let j = 1; j < M; j++) {
    const pe = cuts[j]!;
    for (let i = 0; i < j; i++) {
      const ps = cuts[i]!;
      const memory = sliceMemoryBytes(ctx, ps, pe);
      for (let b = 0; b < N; b++) stage[b] = memory > ctx.memoryBytes[b]! ? Infinity : sliceMs(ctx, b, ps, pe) * coef[b]!;
      for (let T = i === 0 ? 0 : 1; T < (i === 0 ? 1 : S); T++) {
        const base = (i * S + T) * N;
        for (let b = 0; b < N; b++) {
          if (T & (1 << b)) continue;
          const v = inner[base + b]!;
          if (v === Infinity || stage[b] === Infinity) continue;
          const cost = v + stage[b]!;
          const k = (j * S + (T | (1 << b))) * N + b;
          if (cost < dp[k]!) {
            dp[k] = cost;
            prevCut[k] = i;
          }
        }
      }
    }
    if (j === M - 1) break;
    for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) hops[a * N + b] = a === b ? Infinity : hopCost(ctx, c, pe, a, b);
    for (let T = 1; T < S; T++) {
      for (let b = 0; b < N; b++) {
        if (T & (1 << b)) continue;
        let best = Infinity;
        let arg = -1;
        for (let a = 0; a < N; a++) {
          if (!(T & (1 << a))) continue;
          const v = dp[(j * S + T) * N + a]!;
          if (v === Infinity) continue;
          const cost = v + hops[a * N + b]!;
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
 * caller ({@link pathMemoryOk}). See the module comment for the fast paths.
 */
export function relaxedSearch(ctx: SearchContext, c: ObjectiveCoefficients, cuts: Int32Array = ctx.cuts): SearchResult | undefined {
  const M = cuts.length;
  const N = ctx.nodes.length;
  const L = ctx.lineStart[N]!;
  const C = ctx.classCount;
  const stride = ctx.positionCount + 1;
  const coef = stageCoefficients(ctx, c);
  const peak = ctx.model.activationBytesPeak;
  const maxMemory = maxSliceMemoryBytes(ctx);
  // Per node: 0 = running minimum, 1 = sliding window (memory binds, activation peak known), 2 = plain loops.
  const pathKind = new Uint8Array(N);
  for (let b = 0; b < N; b++) {
    if (ctx.corrections[b]) pathKind[b] = 2;
    else if (maxMemory > ctx.memoryBytes[b]!) pathKind[b] = peak === undefined ? 2 : 1;
  }
  // G[l * M + i] = sum_c F_c(cuts[i]) x msPerFlop(l, c).
  const G = new Float64Array(L * M);
  for (let l = 0; l < L; l++) {
    for (let i = 0; i < M; i++) {
      let g = 0;
      for (let cl = 0; cl < C; cl++) g += ctx.classPrefix[cl * stride + cuts[i]!]! * ctx.lineMsPerFlop[l * C + cl]!;
      G[l * M + i] = g;
    }
  }
  const queue = new Int32Array(L * M);
  const head = new Int32Array(L);
  const tail = new Int32Array(L);
  const low = new Int32Array(N);
  const dp = new Float64Array(M * N).fill(Infinity);
  const prevCut = new Int32Array(M * N);
  const inner = new Float64Array(M * N).fill(Infinity);
  const innerArg = new Int32Array(M * N).fill(-1);
  for (let b = 0; b < N; b++) {
    inner[b] = hopCost(ctx, c, cuts[0]!, N, b);
    innerArg[b] = N;
  }
  const fixedNetwork = !Number.isNaN(ctx.networkGramsCo2PerKwh);
  const halfGramsPerByte = fixedNetwork ? 0 : ctx.networkJoulesPerByte / JOULES_PER_KWH / 2;
  const defaultMsPerByte = Number.isFinite(ctx.nodeLink.bandwidthBytesPerSecond) ? 1000 / ctx.nodeLink.bandwidthBytesPerSecond : 0;
  for (let j = 1; j < M; j++) {
    const pe = cuts[j]!;
    for (let b = 0; b < N; b++) {
      const kind = pathKind[b]!;
      const K = coef[b]!;
      let best = Infinity;
      let arg = -1;
      if (kind === 2) {
        for (let i = 0; i < j; i++) {
          const v = inner[i * N + b]!;
          if (v === Infinity || sliceMemoryBytes(ctx, cuts[i]!, pe) > ctx.memoryBytes[b]!) continue;
          const cost = v + K * sliceMs(ctx, b, cuts[i]!, pe);
          if (cost < best) {
            best = cost;
            arg = i;
          }
        }
      } else {
        const i = j - 1;
        const v = inner[i * N + b]!;
        if (kind === 1) {
          const limit = ctx.prefixWeightBytes[pe]! + peak! - ctx.memoryBytes[b]!;
          while (low[b]! < j && ctx.prefixWeightBytes[cuts[low[b]!]!]! < limit) low[b]!++;
        }
        for (let l = ctx.lineStart[b]!; l < ctx.lineStart[b + 1]!; l++) {
          const q = l * M;
          if (v < Infinity) {
            const key = v - K * G[q + i]!;
            while (tail[l]! > head[l]! && inner[queue[q + tail[l]! - 1]! * N + b]! - K * G[q + queue[q + tail[l]! - 1]!]! >= key) tail[l]!--;
            queue[q + tail[l]!++] = i;
          }
          while (tail[l]! > head[l]! && queue[q + head[l]!]! < low[b]!) head[l]!++;
          if (tail[l]! === head[l]!) continue;
          const s = queue[q + head[l]!]!;
          const cost = inner[s * N + b]! + K * (ctx.lineFixedMs[l]! + G[q + j]! - G[q + s]!);
          if (cost < best) {
            best = cost;
            arg = s;
          }
        }
      }
      dp[j * N + b] = best;
      prevCut[j * N + b] = arg;
    }
    if (j === M - 1) break;
    // Hops: const + send(a) + recv(b) over default links; top-2 minimum of dp(j, a) + send(a).
    const bytes = ctx.crossingBytes[pe]!;
    const constant = c.perMs * (ctx.nodeLink.latencyMs + bytes * defaultMsPerByte) + c.perJoule * bytes * ctx.networkJoulesPerByte
      + (fixedNetwork ? c.perGram * bytes * (ctx.networkJoulesPerByte / JOULES_PER_KWH) * ctx.networkGramsCo2PerKwh : 0);
    const endTerm = c.perGram * bytes * halfGramsPerByte;
    let first = -1;
    let second = -1;
    let firstKey = Infinity;
    let secondKey = Infinity;
    for (let a = 0; a < N; a++) {
      const v = dp[j * N + a]!;
      if (v === Infinity) continue;
      const key = v + endTerm * ctx.gramsCo2PerKwh[a]!;
      if (key < firstKey) {
        second = first;
        secondKey = firstKey;
        first = a;
        firstKey = key;
      } else if (key < secondKey) {
        second = a;
        secondKey = key;
      }
    }
    for (let b = 0; b < N; b++) {
      let best = Infinity;
      let arg = -1;
      if (ctx.hasMeasuredLink[b]) {
        for (let a = 0; a < N; a++) {
          const v = dp[j * N + a]!;
          if (a === b || v === Infinity) continue;
          const cost = v + hopCost(ctx, c, pe, a, b);
          if (cost < best) {
            best = cost;
            arg = a;
          }
        }
      } else {
        const a = first !== b ? first : second;
        if (a >= 0) {
          if (ctx.hasMeasuredLink[a]) {
            // The top-2 winner has measured links (to other nodes): fall back to the plain loop.
            for (let x = 0; x < N; x++) {
              const v = dp[j * N + x]!;
              if (x === b || v === Infinity) continue;
              const cost = v + hopCost(ctx, c, pe, x, b);
              if (cost < best) {
                best = cost;
                arg = x;
              }
            }
          } else {
            best = (a === first ? firstKey : secondKey) + constant + endTerm * ctx.gramsCo2PerKwh[b]!;
            arg = a;
          }
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
 * A lower bound of the exact problem's optimum for coefficients `c`: the relaxed search over every
 * cut position (nodes may repeat, memory checked per slice only). Every pipeline of distinct nodes
 * that fits is feasible in it, so its optimum is <= the exact optimum.
 */
export function lowerBound(ctx: SearchContext, c: ObjectiveCoefficients): number {
  const all = Int32Array.from({ length: ctx.positionCount + 1 }, (_, k) => k);
  return relaxedSearch(ctx, c, all)?.objective ?? Infinity;
}
