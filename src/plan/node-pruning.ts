/**
 * Pruning dominated nodes before a big decision (issue 12, "prune dominated nodes, group identical
 * ones"). Node a dominates node b when every cost the search sees is no worse on a:
 *
 * - for every backend line of b, some line of a has fixed ms <= and ms per FLOP <= for every class
 *   (so every slice is at least as fast on a);
 * - running power <= and running power x intensity <= (energy and carbon per ms of compute);
 * - memory >= (every slice that fits b fits a); coordinator link latency and ms per byte <=;
 * - grid intensity <= when the network term is on (hops are charged at the endpoints' intensity);
 * - neither has measured node-to-node links nor per-slice corrections (those nodes are always kept);
 * - all equal: the earlier node in the input dominates the later one (identical nodes collapse).
 *
 * A node is dropped when at least `depth` kept nodes dominate it. Any pipeline of at most `depth`
 * slices that uses a dropped node can swap it for one of its kept dominators not already in the
 * pipeline and be no worse on latency, energy and carbon; and in the relaxed search (depth >= 3) a
 * dominator differing from both neighbours always exists, so the relaxation's bound still holds.
 * Dominance is transitive, so a dropped node always has >= depth dominators among the kept ones:
 * scanning nodes in ascending order of a monotone key and counting only kept dominators is exact.
 * Cost O(N x kept) with an early exit at `depth` dominators.
 */
import type { SearchContext } from './search-context';

/** Indices (into `ctx.nodes`) of the nodes that survive pruning, in input order. */
export function keptNodeIndices(ctx: SearchContext, depth: number): number[] {
  const N = ctx.nodes.length;
  const C = ctx.classCount;
  const networkOn = ctx.networkJoulesPerByte > 0 && Number.isNaN(ctx.networkGramsCo2PerKwh);
  const dims = networkOn ? 6 : 5;
  const nodeDims = new Float64Array(N * dims);
  for (let b = 0; b < N; b++) {
    const o = b * dims;
    nodeDims[o] = ctx.runWatts[b]!;
    nodeDims[o + 1] = ctx.runWatts[b]! * ctx.gramsCo2PerKwh[b]!;
    nodeDims[o + 2] = -ctx.memoryBytes[b]!;
    nodeDims[o + 3] = ctx.coordinatorLatencyMs[b]!;
    nodeDims[o + 4] = ctx.coordinatorMsPerByte[b]!;
    if (networkOn) nodeDims[o + 5] = ctx.gramsCo2PerKwh[b]!;
  }
  // Normalise each dimension by its largest magnitude for the scan key (order only, not correctness).
  const scale = new Float64Array(dims + 1 + C);
  for (let b = 0; b < N; b++) for (let d = 0; d < dims; d++) scale[d] = Math.max(scale[d]!, Math.abs(nodeDims[b * dims + d]!));
  const L = ctx.lineStart[N]!;
  for (let l = 0; l < L; l++) {
    scale[dims] = Math.max(scale[dims]!, Math.abs(ctx.lineFixedMs[l]!));
    for (let c = 0; c < C; c++) scale[dims + 1 + c] = Math.max(scale[dims + 1 + c]!, ctx.lineMsPerFlop[l * C + c]!);
  }
  const norm = (v: number, d: number): number => (scale[d]! > 0 ? v / scale[d]! : 0);
  const key = new Float64Array(N);
  for (let b = 0; b < N; b++) {
    let k = 0;
    for (let d = 0; d < dims; d++) k += norm(nodeDims[b * dims + d]!, d);
    let bestLine = Infinity;
    for (let l = ctx.lineStart[b]!; l < ctx.lineStart[b + 1]!; l++) {
      let lk = norm(ctx.lineFixedMs[l]!, dims);
      for (let c = 0; c < C; c++) lk += norm(ctx.lineMsPerFlop[l * C + c]!, dims + 1 + c);
      bestLine = Math.min(bestLine, lk);
    }
    key[b] = k + bestLine;
  }
  const special = (b: number): boolean => ctx.hasMeasuredLink[b] === 1 || ctx.corrections[b] !== undefined;
  const lineCovers = (la: number, lb: number): boolean => {
    if (ctx.lineFixedMs[la]! > ctx.lineFixedMs[lb]!) return false;
    for (let c = 0; c < C; c++) if (ctx.lineMsPerFlop[la * C + c]! > ctx.lineMsPerFlop[lb * C + c]!) return false;
    return true;
  };
  const dominates = (a: number, b: number): boolean => {
    for (let d = 0; d < dims; d++) if (nodeDims[a * dims + d]! > nodeDims[b * dims + d]!) return false;
    for (let lb = ctx.lineStart[b]!; lb < ctx.lineStart[b + 1]!; lb++) {
      let covered = false;
      for (let la = ctx.lineStart[a]!; la < ctx.lineStart[a + 1]! && !covered; la++) covered = lineCovers(la, lb);
      if (!covered) return false;
    }
    return true;
  };
  const order = Array.from({ length: N }, (_, b) => b).sort((a, b) => key[a]! - key[b]! || a - b);
  const kept: number[] = [];
  const keep = new Uint8Array(N);
  for (const b of order) {
    if (special(b)) {
      keep[b] = 1;
      continue;
    }
    let count = 0;
    for (let k = 0; k < kept.length && count < depth; k++) {
      const a = kept[k]!;
      // `a` precedes `b` in the scan: when all is equal, the earlier one wins (identical nodes).
      if (dominates(a, b)) count++;
    }
    if (count < depth) {
      keep[b] = 1;
      kept.push(b);
    }
  }
  const out: number[] = [];
  for (let b = 0; b < N; b++) if (keep[b]) out.push(b);
  return out;
}
