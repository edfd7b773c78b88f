/**
 * From a placement (src/plan) and a profiled model (src/graph) to what gets deployed: every
 * pipeline stage with its slice bytes, hash, interface and neighbours. Pure; the same model and
 * placement give the same slices. Stage indexes are consecutive within a pipeline (a node forwards
 * to index + 1), and unique across the run's pipelines.
 */
import { sliceModel, type ModelProfile, type ModelSlice } from '../graph/index';
import type { Placement } from '../plan/plan-types';

/** One deployed stage. */
export interface DeployedStage {
  /** Unique within the run; the frame header's slice index. */
  readonly sliceIndex: number;
  readonly nodeId: string;
  /** Half-open range of topological positions. */
  readonly range: readonly [number, number];
  readonly backend: 'wasm' | 'webgpu';
  readonly slice: ModelSlice;
}

/** One pipeline of stages. */
export interface DeployedPipeline {
  /** Fraction of requests routed here. */
  readonly share: number;
  readonly stages: readonly DeployedStage[];
}

/** A run's deployment. */
export interface Deployment {
  readonly runId: number;
  readonly pipelines: readonly DeployedPipeline[];
}

/** A placement names a node twice in a row or leaves a gap: not deployable. */
export class DeploymentError extends Error {
  override name = 'DeploymentError';
}

/** Build the deployment of `placement` for `profile` under run id `runId`. */
export async function buildDeployment(runId: number, profile: ModelProfile, placement: Placement): Promise<Deployment> {
  const nodeCount = profile.nodes.length;
  const cache = new Map<string, ModelSlice[]>();
  let nextIndex = 0;
  const pipelines: DeployedPipeline[] = [];
  for (const pipeline of placement.pipelines) {
    const ranges = pipeline.slices.map((s) => s.sliceRange);
    let expected = 0;
    for (const [start, end] of ranges) {
      if (start !== expected || end <= start) throw new DeploymentError(`slice ranges must tile [0, ${nodeCount}); got [${start}, ${end}) after ${expected}`);
      expected = end;
    }
    if (expected !== nodeCount) throw new DeploymentError(`slice ranges end at ${expected}, the model has ${nodeCount} nodes`);
    const cuts = ranges.slice(1).map(([start]) => start);
    const cacheKey = cuts.join(',');
    let slices = cache.get(cacheKey);
    if (!slices) {
      slices = await sliceModel(profile, cuts);
      cache.set(cacheKey, slices);
    }
    const stages = pipeline.slices.map((placed, i) => ({
      sliceIndex: nextIndex + i,
      nodeId: placed.nodeId,
      range: placed.sliceRange,
      backend: placed.backend === 'webgpu' ? ('webgpu' as const) : ('wasm' as const),
      slice: slices[i]!,
    }));
    nextIndex += stages.length;
    pipelines.push({ share: pipeline.share, stages });
  }
  if (nextIndex > 0xfffe) throw new DeploymentError(`${nextIndex} stages exceed the frame format's slice index range`);
  return { runId, pipelines };
}
