/** What the planner (src/plan) needs from a profiled model, and nothing runtime-specific. */
import { crossingBytesPerCut } from './cut-points';
import type { ModelProfile } from './profile-model';

/** A model as the planner sees it: per-position costs and per-cut transfer sizes. */
export interface PlanModel {
  /** Model name. */
  name: string;
  /** Compute nodes in the fixed topological order. */
  nodeCount: number;
  /** FLOPs per topological position (length nodeCount). */
  nodeFlops: number[];
  /** Weight bytes first read at each position (length nodeCount; shared weights count once). */
  nodeWeightBytes: number[];
  /** Length nodeCount+1: index i = bytes crossing a cut before node i; 0 = graph inputs, nodeCount = graph outputs. */
  cutCrossingBytes: number[];
  /** Largest live activation bytes at any position: crossing bytes before a node plus what it produces. */
  activationBytesPeak?: number;
}

/** Project a profile onto {@link PlanModel}. */
export function toPlanModel(profile: ModelProfile): PlanModel {
  const cutCrossingBytes = crossingBytesPerCut(profile);
  let peak = 0;
  for (const n of profile.nodes) peak = Math.max(peak, cutCrossingBytes[n.position]! + n.outputBytes);
  return {
    name: profile.name,
    nodeCount: profile.nodes.length,
    nodeFlops: profile.nodes.map((n) => n.flops),
    nodeWeightBytes: profile.nodes.map((n) => n.weightBytes),
    cutCrossingBytes,
    activationBytesPeak: peak,
  };
}
