/**
 * What the coordinator page says about a deployed plan (issue 14): the named baselines for the same
 * work ("grams saved, against what", baselines.ts) and why the planner chose it (plan-why.ts), from
 * the nodes the plan was made on. Pure; errors become a gap or a line, never an exception, so a
 * figure that cannot be computed never stops a run's page.
 */
import type { Placement, PlannerMode } from '../plan/plan-types';
import type { PlanModel } from '../plan/plan-model';
import type { NodeRecord } from '../swarm/coordinator';
import { carbonOf, isPlannable, plannedHostGroups, toPlanNode } from '../swarm/plan-inputs';
import type { BaselineFigure, RunConfiguration } from '../history/run-record';
import { computeBaselines, type BaselineGap } from './baselines';
import { explainPlan, type PlanWhy } from './plan-why';
import { swarmFor, type LinkSource, type RunSettings } from '../swarm/run-session';
import type { PlanContext } from '../swarm/run-types';

/** Baselines, the ones that could not be computed, and the plan's explanation. */
export interface RunInsights {
  readonly baselines: readonly BaselineFigure[];
  readonly gaps: readonly BaselineGap[];
  readonly why: PlanWhy;
}

/**
 * Insights for `placement`, made for `configuration` on the plannable ones of `nodes` (what-ifs
 * applied). With `planned` (the run's settings and the context its plan was made with: its
 * calibration, or an earlier run's, src/swarm/run-learning.ts) the explanation weighs the
 * alternatives on the same figures as the plan; without, on the nodes' benchmarks.
 */
export function runInsights(nodes: readonly NodeRecord[], model: PlanModel, placement: Placement, configuration: RunConfiguration, links?: LinkSource, planned?: { readonly settings: RunSettings; readonly context: PlanContext }): RunInsights {
  const ready = nodes.filter(isPlannable);
  // The links the plan was made with (measured ones replace the LAN defaults), for like-for-like figures.
  const ids = ready.map((r) => r.nodeId as string);
  const measured = links?.planLinks(ids) ?? [];
  const transferCpu = links?.transferCpuMsPerByte(ids);
  const names = Object.fromEntries(nodes.map((n) => [n.nodeId, n.name]));
  let baselines: BaselineFigure[] = [];
  let gaps: BaselineGap[] = [];
  try {
    ({ figures: baselines, gaps } = computeBaselines({
      model,
      nodes: ready.map((r) => ({ node: toPlanNode(r), name: r.name, powerLabel: carbonOf(r).power.label, slowdown: r.profile?.slowdown ?? 1 })),
      placement,
      inferences: configuration.inferences,
      ...(measured.length ? { links: measured } : {}),
    }));
  } catch (error) {
    gaps = [{ key: 'baselines', reason: (error as Error).message }];
  }
  let why: PlanWhy;
  try {
    const built = planned ? swarmFor(planned.settings, model, ready, planned.context, links) : undefined;
    if (built && 'reason' in built) throw new Error(built.reason);
    const mode = configuration.mode as PlannerMode;
    const weights = configuration.weights ? { weights: configuration.weights } : {};
    why = built ? explainPlan({ ...withoutNames(built.swarm), mode, ...weights }, placement, names, { stages: configuration.pin?.length ? configuration.pin.length : configuration.stages }) : explainPlan(
      {
        // The host groups the run planned with (nodes sharing a machine), or the alternatives it
        // names would be figured as if each node had a processor of its own.
        model, nodes: ready.map(toPlanNode), hostGroups: plannedHostGroups(ready, links?.hostTransferCpuMsPerByte?.()), mode: configuration.mode as PlannerMode, ...(configuration.weights ? { weights: configuration.weights } : {}),
        ...(measured.length ? { links: measured } : {}), ...(transferCpu !== undefined ? { options: { transferCpuMsPerByte: transferCpu } } : {}),
      },
      placement,
      names,
      { stages: configuration.pin?.length ? configuration.pin.length : configuration.stages },
    );
  } catch (error) {
    why = { lines: [`No explanation: ${(error as Error).message}`], alternatives: [] };
  }
  return { baselines, gaps, why };
}

/** The planner's inputs without the display names the placement choice uses. */
function withoutNames<T extends { readonly nodeNames?: unknown }>(swarm: T): Omit<T, 'nodeNames'> {
  const { nodeNames: _names, ...rest } = swarm;
  return rest;
}
