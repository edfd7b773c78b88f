/**
 * The one place a run's placement is chosen from its configuration (issue 11, "one run loop"): the
 * Run panel (src/ui/run-session.ts), the lab (src/lab/simulate.ts, src/lab/browser-lab.ts) and the
 * CLI call this instead of choosing between `plan`, `planFixedSplit` and `planPinned` themselves.
 *
 * - `planner`: our planner (`plan`), with mode or weights, constraints and request rate;
 * - `split`: exactly k balanced slices on the k-node assignment that scores best for the weights
 *   (`planFixedSplit`, "k on k nodes"); constraints and rate do not apply;
 * - `pinned`: the named nodes in slice order, one name = the whole model there (`planPinned`);
 *   a name is a node id or, failing that, a display name from `nodeNames` that names one node.
 *
 * Pure: same inputs, same result; never throws on bad input (`{ ok: false, binding: 'input' }`).
 */
import { planFixedSplit } from './fixed-split';
import { planPinned } from './pinned';
import { plan } from './planner';
import type { PlanConstraints, PlanInputs, PlanResult, PlanWeights, PlannerMode } from './plan-types';

/** How the placement of a run is chosen. */
export type PlacementChoice =
  | { readonly kind: 'planner' }
  | { readonly kind: 'split'; readonly stages: number }
  | { readonly kind: 'pinned'; readonly nodes: readonly string[] };

/** A run's configuration, as far as placement goes. */
export interface RunPlacementConfig {
  readonly placement: PlacementChoice;
  /** A mode (default `balanced` when no weights). */
  readonly mode?: PlannerMode;
  /** Explicit weights; win over `mode`. */
  readonly weights?: PlanWeights;
  /** Limits (planner only). */
  readonly constraints?: PlanConstraints;
  /** Expected request rate or `max` (planner only; adds replicated pipelines). */
  readonly requestsPerSecond?: number | 'max';
}

/** What the swarm offers: everything of {@link PlanInputs} but the run's own choices. */
export type PlacementSwarm = Omit<PlanInputs, 'mode' | 'weights' | 'constraints' | 'requestsPerSecond'> & {
  /** Display names by node id, for pinned configurations that name nodes (e.g. lab pages). */
  readonly nodeNames?: ReadonlyMap<string, string>;
};

/**
 * The choice a run's legacy settings mean: a non-empty `pin` wins, then `stages` > 0, else the
 * planner (the rule of src/ui/run-session.ts and src/lab/simulate.ts before this function).
 */
export function placementChoiceOf(settings: { readonly pin?: readonly string[]; readonly stages?: number }): PlacementChoice {
  if (settings.pin && settings.pin.length > 0) return { kind: 'pinned', nodes: settings.pin };
  if (settings.stages !== undefined && settings.stages > 0) return { kind: 'split', stages: settings.stages };
  return { kind: 'planner' };
}

/** Resolve pinned names to node ids; a reason naming the ready nodes when one is unknown or ambiguous. */
function resolvePinned(swarm: PlacementSwarm, names: readonly string[]): { ids: string[] } | { reason: string } {
  const ids = new Set(swarm.nodes.map((n) => n.id));
  const byName = new Map<string, string[]>();
  for (const [id, name] of swarm.nodeNames ?? []) if (ids.has(id)) byName.set(name, [...(byName.get(name) ?? []), id]);
  const out: string[] = [];
  for (const name of names) {
    if (ids.has(name)) {
      out.push(name);
      continue;
    }
    const matches = byName.get(name) ?? [];
    if (matches.length === 1) {
      out.push(matches[0]!);
      continue;
    }
    const ready = swarm.nodes.map((n) => swarm.nodeNames?.get(n.id) ?? n.id).join(', ') || 'none';
    return { reason: matches.length > 1 ? `pinned node "${name}" names ${matches.length} nodes (${matches.join(', ')}): pin by id` : `pinned node "${name}" is not ready (ready: ${ready})` };
  }
  return { ids: out };
}

/** Choose the placement of a run (module comment). */
export function choosePlacement(swarm: PlacementSwarm, config: RunPlacementConfig): PlanResult {
  const { nodeNames: _names, ...base } = swarm;
  const inputs: PlanInputs = {
    ...base,
    ...(config.mode ? { mode: config.mode } : {}),
    ...(config.weights ? { weights: config.weights } : {}),
  };
  const choice = config.placement;
  switch (choice.kind) {
    case 'planner':
      return plan({
        ...inputs,
        ...(config.constraints ? { constraints: config.constraints } : {}),
        ...(config.requestsPerSecond !== undefined ? { requestsPerSecond: config.requestsPerSecond } : {}),
      });
    case 'split':
      return planFixedSplit(inputs, choice.stages);
    case 'pinned': {
      const resolved = resolvePinned(swarm, choice.nodes);
      if ('reason' in resolved) return { ok: false, reason: resolved.reason, binding: 'input' };
      return planPinned(inputs, resolved.ids);
    }
    default: {
      const never: never = choice;
      return { ok: false, reason: `unknown placement kind ${JSON.stringify((never as { kind: unknown }).kind)}`, binding: 'input' };
    }
  }
}
