/**
 * "Grams saved, against what" (issue 14): the same work done by named baselines, per inference,
 * predicted with the planner's own model of each node (src/plan/pinned.ts, pipeline-evaluate.ts):
 *
 *     whole model on node n:  ms = FLOPs / FLOP/s(n) x 1000 + overhead(n) (+ input and output hops)
 *                             J  = P_max(n) x ms / 1000          (u = 1 while running)
 *                             g  = J / 3.6e6 x intensity(n)
 *     fastest-node       the node with the lowest such ms - what a performance-only scheduler does
 *     coordinator        the coordinator's own machine: no hops (inputs and outputs stay local)
 *     paper-green        the paper's Green policy (src/plan/paper-policy.ts, Table I weights) routes
 *                        `inferences` whole tasks (src/lab/configurations.ts paperChoice); its figure
 *                        is the routing-share-weighted mean of the whole-model figures of the nodes
 *     plan-predicted     this run's own placement as the planner predicted it, so a measured run can
 *                        be set against predictions like for like
 *
 * Every figure carries the provenance the ledger uses: predicted by the planner model, power label,
 * intensity source and zone (`configured` when set by hand). Pure; no DOM.
 */
import type { BaselineFigure } from '../history/run-record';
import { paperChoice } from '../lab/configurations';
import { planPinned } from '../plan/pinned';
import type { Placement, PlanLink, PlanNode } from '../plan/plan-types';
import type { PlanModel } from '../plan/plan-model';

/** A node as the baselines see it: the planner's node plus what a page shows about it. */
export interface BaselineNode {
  readonly node: PlanNode;
  /** Display name. */
  readonly name: string;
  /** The power model's label: `estimated`, `configured`, ... */
  readonly powerLabel: string;
  /** Slowdown the node reported (lab and simulated nodes), for the paper's CPU term; default 1. */
  readonly slowdown?: number;
}

/** Inputs of {@link computeBaselines}. */
export interface BaselineInputs {
  readonly model: PlanModel;
  /** The ready nodes of the room. */
  readonly nodes: readonly BaselineNode[];
  /** The coordinator's own machine, when it has a benchmark and a profile. */
  readonly coordinator?: BaselineNode;
  /** The run's placement (adds `plan-predicted`). */
  readonly placement?: Placement;
  /** Tasks the paper's policy routes (default 50, the paper's run length). */
  readonly inferences?: number;
  /** Seed of the paper's tie-breaker (default 1). */
  readonly seed?: number;
  /** Measured links (coordinator links of the nodes), as the run's plan used them. */
  readonly links?: readonly PlanLink[];
}

/** What could not be computed, and why (shown instead of a figure). */
export interface BaselineGap {
  readonly key: string;
  readonly reason: string;
}

/** A baseline could not be computed from the given inputs. */
export class BaselineError extends Error {
  override name = 'BaselineError';
}

interface Whole {
  readonly who: BaselineNode;
  readonly latencyMs: number;
  readonly energyJoules: number;
  readonly gramsCo2: number;
}

/** `predicted (planner model); power estimated; intensity bundled-ember WORLD`. */
export function baselineProvenance(nodes: readonly BaselineNode[]): string {
  const uniq = (xs: string[]) => [...new Set(xs)].join(', ');
  return `predicted (planner model); power ${uniq(nodes.map((n) => n.powerLabel))}; intensity ${uniq(nodes.map((n) => n.node.intensitySource))}`;
}

function wholeOn(model: PlanModel, who: BaselineNode, local: boolean, links: readonly PlanLink[] = []): Whole {
  // The coordinator's own machine keeps inputs and outputs local: a link with no cost.
  const link = local ? { bandwidthBytesPerSecond: 1e18, latencyMs: 0 } : undefined;
  const measured = local ? [] : links.filter((l) => l.fromId === who.node.id || l.toId === who.node.id);
  const result = planPinned({ model, nodes: [who.node], ...(link ? { coordinatorLink: link } : {}), ...(measured.length ? { links: measured } : {}) }, [who.node.id]);
  if (!result.ok) throw new BaselineError(`whole model on ${who.name}: ${result.reason}`);
  const p = result.placement.prediction;
  return { who, latencyMs: p.latencyMs, energyJoules: p.energyJoules, gramsCo2: p.gramsCo2 };
}

const figure = (key: string, label: string, w: Pick<Whole, 'latencyMs' | 'energyJoules' | 'gramsCo2'>, provenance: string): BaselineFigure => ({
  key,
  label,
  energyJoulesPerInference: w.energyJoules,
  gramsCo2PerInference: w.gramsCo2,
  latencyMsPerInference: w.latencyMs,
  provenance,
});

/**
 * The baselines that can be computed, plus a reason for each that cannot (no nodes, no coordinator
 * benchmark). Throws {@link BaselineError} only on unusable input (a bad model or node figures).
 */
export function computeBaselines(inputs: BaselineInputs): { figures: BaselineFigure[]; gaps: BaselineGap[] } {
  const figures: BaselineFigure[] = [];
  const gaps: BaselineGap[] = [];
  const inferences = inputs.inferences ?? 50;
  if (!Number.isInteger(inferences) || inferences < 1) throw new BaselineError(`inferences must be a whole number >= 1, got ${inferences}`);
  const wholes = inputs.nodes.map((n) => wholeOn(inputs.model, n, false, inputs.links));
  if (wholes.length === 0) {
    gaps.push({ key: 'fastest-node', reason: 'no ready node' }, { key: 'paper-green', reason: 'no ready node' });
  } else {
    const fastest = wholes.reduce((a, b) => (b.latencyMs < a.latencyMs ? b : a));
    figures.push(figure('fastest-node', `whole model on the fastest node (${fastest.who.name})`, fastest, baselineProvenance([fastest.who])));
    const choice = paperChoice(
      'green',
      wholes.map((w) => ({
        name: w.who.node.id,
        slowdown: w.who.slowdown ?? 1,
        memoryMb: w.who.node.memoryBytes / 1e6,
        gramsCo2PerKwh: w.who.node.gramsCo2PerKwh,
        maxWatts: w.who.node.power.maxWatts,
        execMs: w.latencyMs,
      })),
      inferences,
      inputs.seed ?? 1,
    );
    const mix = { latencyMs: 0, energyJoules: 0, gramsCo2: 0 };
    const used: string[] = [];
    for (const w of wholes) {
      const share = choice.usage[w.who.node.id] ?? 0;
      if (share <= 0) continue;
      used.push(`${w.who.name} ${Math.round(share * 100)}%`);
      mix.latencyMs += share * w.latencyMs;
      mix.energyJoules += share * w.energyJoules;
      mix.gramsCo2 += share * w.gramsCo2;
    }
    figures.push(figure('paper-green', `the paper's Green policy (${used.join(', ')})`, mix, baselineProvenance(wholes.filter((w) => (choice.usage[w.who.node.id] ?? 0) > 0).map((w) => w.who))));
  }
  if (inputs.coordinator) {
    const own = wholeOn(inputs.model, inputs.coordinator, true);
    figures.push(figure('coordinator', `whole model on the coordinator's machine (${inputs.coordinator.name})`, own, baselineProvenance([inputs.coordinator])));
  } else {
    gaps.push({ key: 'coordinator', reason: "the coordinator's machine has no benchmark or carbon profile" });
  }
  if (inputs.placement) {
    const ids = new Set(inputs.placement.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId)));
    const involved = inputs.nodes.filter((n) => ids.has(n.node.id));
    const p = inputs.placement.prediction;
    figures.push(figure('plan-predicted', "this run's plan as predicted", p, baselineProvenance(involved.length ? involved : inputs.nodes)));
  }
  return { figures, gaps };
}

/** The run against one baseline, per inference. */
export interface Saving {
  readonly key: string;
  readonly label: string;
  /** baseline - run; positive = the run emitted less. */
  readonly gramsCo2SavedPerInference: number;
  readonly energyJoulesSavedPerInference: number;
  /** 1 - run / baseline; positive = less carbon than the baseline. */
  readonly carbonReduction: number;
  /** gCO2 saved over `inferences` completed inferences. */
  readonly gramsCo2Saved: number;
  readonly provenance: string;
}

/**
 * What the run saved against each baseline: per inference and over the `completed` inferences.
 * `run` figures are per completed inference (src/history/run-totals.ts).
 */
export function savings(run: { readonly gramsCo2PerInference: number; readonly energyJoulesPerInference: number; readonly completed: number }, baselines: readonly BaselineFigure[]): Saving[] {
  return baselines.map((b) => {
    const saved = b.gramsCo2PerInference - run.gramsCo2PerInference;
    return {
      key: b.key,
      label: b.label,
      gramsCo2SavedPerInference: saved,
      energyJoulesSavedPerInference: b.energyJoulesPerInference - run.energyJoulesPerInference,
      carbonReduction: b.gramsCo2PerInference > 0 ? 1 - run.gramsCo2PerInference / b.gramsCo2PerInference : NaN,
      gramsCo2Saved: saved * run.completed,
      provenance: b.provenance,
    };
  });
}
