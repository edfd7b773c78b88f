/**
 * Model names the `plan` command accepts. For now the synthetic profiles; zoo models will be added
 * here (one more branch) once src/graph exports their profiles.
 */
import type { PlanModel } from './plan-model';
import { syntheticMobileNetV2, syntheticPlanModel } from './synthetic-model';

/** Thrown for a model name nothing resolves. */
export class UnknownPlanModelError extends Error {
  override name = 'UnknownPlanModelError';
}

/** Names listed in errors and help. */
export const KNOWN_PLAN_MODELS = ['synthetic:mobilenetv2', 'synthetic:dag-N (N graph nodes, e.g. synthetic:dag-700)'] as const;

/** Resolve `name` to a {@link PlanModel}: `synthetic:mobilenetv2`, or `synthetic:dag-N` (seeded DAG of N nodes). */
export function resolvePlanModel(name: string): PlanModel {
  if (name === 'synthetic:mobilenetv2') return syntheticMobileNetV2();
  const dag = /^synthetic:dag-(\d+)$/.exec(name);
  if (dag) {
    const count = Number(dag[1]);
    if (count < 1 || count > 100_000) throw new UnknownPlanModelError(`synthetic:dag-N needs 1 <= N <= 100000, got ${count}`);
    return syntheticPlanModel({ nodeCount: count });
  }
  throw new UnknownPlanModelError(`unknown model "${name}" (have: ${KNOWN_PLAN_MODELS.join(', ')})`);
}
