/**
 * Per-request routing across pipelines by their traffic shares: smooth weighted round robin (the
 * scheme nginx uses for upstream weights). Each request: current_k += share_k for every k, pick the
 * largest current, subtract the total from it. Deterministic, spreads picks evenly over time, and
 * over any window of requests pipeline k gets share_k of them to within one request.
 * O(pipelines) per request, no allocation after construction.
 */

/** A router over fixed shares; `next()` returns the index of the pipeline for the next request. */
export interface ShareRouter {
  next(): number;
  /** Replace the shares (same count), keeping the phase. */
  setShares(shares: readonly number[]): void;
}

/** Create a router; shares must be finite, >= 0, and not all zero. */
export function createShareRouter(shares: readonly number[]): ShareRouter {
  const count = shares.length;
  const weight = new Float64Array(count);
  const current = new Float64Array(count);
  let total = 0;
  const setShares = (next: readonly number[]): void => {
    if (next.length !== count) throw new RangeError(`router has ${count} pipelines, got ${next.length} shares`);
    total = 0;
    for (let k = 0; k < count; k++) {
      const s = next[k]!;
      if (!Number.isFinite(s) || s < 0) throw new RangeError(`share ${k} must be a finite number >= 0, got ${s}`);
      weight[k] = s;
      total += s;
    }
    if (!(total > 0)) throw new RangeError('shares must not all be zero');
  };
  setShares(shares);
  return {
    next(): number {
      let best = 0;
      let bestValue = -Infinity;
      for (let k = 0; k < count; k++) {
        const v = current[k]! + weight[k]!;
        current[k] = v;
        if (v > bestValue) {
          bestValue = v;
          best = k;
        }
      }
      current[best] = bestValue - total;
      return best;
    },
    setShares,
  };
}
