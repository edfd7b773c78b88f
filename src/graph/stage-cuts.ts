/**
 * Choosing k-way cuts. Cuts are strictly increasing positions in 1..nodeCount-1, so every stage is
 * a non-empty half-open range [start, end) of topological positions.
 */
import { InvalidCutsError, TooManyStagesError } from './errors';
import { crossingBytesPerCut, flopsBeforeEachCut } from './cut-points';
import type { ModelProfile } from './profile-model';

/** A stage: nodes at positions [start, end). */
export interface StageRange {
  /** First position (inclusive). */
  readonly start: number;
  /** One past the last position. */
  readonly end: number;
}

/** Stage ranges from inner cuts: [0, c1), [c1, c2), ..., [c_last, nodeCount). */
export function stagesFromCuts(nodeCount: number, cuts: readonly number[]): StageRange[] {
  const bounds = [0, ...cuts, nodeCount];
  return bounds.slice(1).map((end, i) => ({ start: bounds[i]!, end }));
}

/**
 * Check explicit cuts.
 *
 * @throws InvalidCutsError unless cuts are whole, strictly increasing and within 1..nodeCount-1
 */
export function explicitCuts(nodeCount: number, cuts: readonly number[]): number[] {
  cuts.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 1 || c > nodeCount - 1) {
      throw new InvalidCutsError(`cut ${c} is outside 1..${nodeCount - 1} (the model has ${nodeCount} nodes)`);
    }
    if (i > 0 && c <= cuts[i - 1]!) throw new InvalidCutsError(`cuts must increase strictly: ${cuts[i - 1]} then ${c}`);
  });
  return [...cuts];
}

function checkStages(nodeCount: number, stages: number): void {
  if (!Number.isInteger(stages) || stages < 1) throw new TooManyStagesError(`stages must be a whole number >= 1, got ${stages}`);
  if (stages > nodeCount) {
    throw new TooManyStagesError(`${stages} stages need ${stages - 1} cut points, the model has ${Math.max(0, nodeCount - 1)} (${nodeCount} nodes)`);
  }
}

/**
 * Dynamic programme over positions: best[j][c] = best score of cutting [0, c) into j stages.
 * `stageCost(a, b)` scores one stage [a, b) and `combine` folds scores (max or sum). Ties are broken
 * by the smaller total crossing bytes, then by the earlier cut, so results are deterministic.
 */
function bestCuts(
  nodeCount: number, stages: number, stageCost: (a: number, b: number) => number,
  combine: (x: number, y: number) => number, cutBytes: readonly number[],
): number[] {
  const inf = Number.POSITIVE_INFINITY;
  const score: number[][] = [], bytes: number[][] = [], from: number[][] = [];
  for (let j = 0; j <= stages; j++) {
    score.push(new Array<number>(nodeCount + 1).fill(inf));
    bytes.push(new Array<number>(nodeCount + 1).fill(inf));
    from.push(new Array<number>(nodeCount + 1).fill(-1));
  }
  score[0]![0] = Number.NEGATIVE_INFINITY;
  bytes[0]![0] = 0;
  for (let j = 1; j <= stages; j++) {
    for (let c = j; c <= nodeCount - (stages - j); c++) {
      for (let a = j - 1; a < c; a++) {
        const prev = score[j - 1]![a]!;
        if (prev === inf) continue;
        const s = j === 1 ? stageCost(a, c) : combine(prev, stageCost(a, c));
        const b = bytes[j - 1]![a]! + (c < nodeCount ? cutBytes[c]! : 0);
        if (s < score[j]![c]! || (s === score[j]![c]! && b < bytes[j]![c]!)) {
          score[j]![c] = s;
          bytes[j]![c] = b;
          from[j]![c] = a;
        }
      }
    }
  }
  if (score[stages]![nodeCount] === inf) {
    throw new InvalidCutsError(`no ${stages}-way cut satisfies the stage limit over ${nodeCount} nodes`);
  }
  const cuts: number[] = [];
  let c = nodeCount;
  for (let j = stages; j > 1; j--) {
    c = from[j]![c]!;
    cuts.unshift(c);
  }
  return cuts;
}

/**
 * k-way cuts minimising the FLOPs of the heaviest stage (ties: fewer crossing bytes).
 *
 * @throws TooManyStagesError when k exceeds the node count
 */
export function balancedFlopsCuts(profile: ModelProfile, stages: number): number[] {
  const n = profile.nodes.length;
  checkStages(n, stages);
  const flops = flopsBeforeEachCut(profile);
  return bestCuts(n, stages, (a, b) => flops[b]! - flops[a]!, Math.max, crossingBytesPerCut(profile));
}

/**
 * k-way cuts minimising the total crossing bytes over the k-1 inner cuts (ties: the earlier cut).
 * Optionally no stage may exceed `maxStageFlopsShare` of the total FLOPs (e.g. 0.5).
 *
 * @throws TooManyStagesError when k exceeds the node count
 */
export function minCrossingBytesCuts(profile: ModelProfile, stages: number, maxStageFlopsShare = 1): number[] {
  const n = profile.nodes.length;
  checkStages(n, stages);
  const flops = flopsBeforeEachCut(profile);
  const bytes = crossingBytesPerCut(profile);
  const cap = maxStageFlopsShare * flops[n]!;
  // Score = crossing bytes of the cut closing the stage; a stage over the FLOPs cap is forbidden.
  const cost = (a: number, b: number) => (flops[b]! - flops[a]! > cap + 1e-9 ? Number.POSITIVE_INFINITY : b < n ? bytes[b]! : 0);
  return bestCuts(n, stages, cost, (x, y) => x + y, new Array<number>(n + 1).fill(0));
}
