/** What the planner (src/plan) needs from a profiled model, and nothing runtime-specific. */
import { crossingBytesPerCut } from './cut-points';
import { profileOpClasses } from './op-class';
import type { ModelProfile } from './profile-model';
import type { PlanModel } from '../plan/plan-model';

/** The planner's model type is declared in src/plan (its consumer); re-exported here. */
export type { PlanModel } from '../plan/plan-model';

/** Project a profile onto {@link PlanModel}, with each node's operator class (op-class.ts). */
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
    nodeOpClass: profileOpClasses(profile),
  };
}
