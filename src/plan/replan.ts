/**
 * Re-planning as profiles change. State changes only by applying events: each {@link PlanChange}
 * maps inputs to new inputs (pure), and {@link replan} plans again on the result. A node that left
 * is removed from the inputs, so no slice can be placed on it.
 */
import type { BackendCost, LinkEstimate, PlanInputs, PlanLink, PlanNode } from './plan-types';
import type { PlanResult } from './plan-types';
import { plan } from './planner';

/** Something that changed since the last plan. */
export type PlanChange =
  | { readonly kind: 'node-left'; readonly nodeId: string }
  | { readonly kind: 'node-joined'; readonly node: PlanNode }
  | { readonly kind: 'node-speed'; readonly nodeId: string; readonly flopsPerSecondByBackend: Readonly<Record<string, number>> }
  | { readonly kind: 'node-intensity'; readonly nodeId: string; readonly gramsCo2PerKwh: number; readonly intensitySource: string }
  | { readonly kind: 'link'; readonly link: PlanLink }
  | { readonly kind: 'link-defaults'; readonly linkDefaults: LinkEstimate }
  | { readonly kind: 'node-cost'; readonly nodeId: string; readonly costByBackend: Readonly<Record<string, BackendCost>> }
  | { readonly kind: 'slice-corrections'; readonly sliceCorrections: ReadonlyMap<string, number> }
  | { readonly kind: 'request-rate'; readonly requestsPerSecond: number | 'max' };

function mapNode(inputs: PlanInputs, nodeId: string, f: (node: PlanNode) => PlanNode): PlanInputs {
  return { ...inputs, nodes: inputs.nodes.map((n) => (n.id === nodeId ? f(n) : n)) };
}

/** Apply one change to inputs (pure; unknown node ids leave the inputs unchanged). */
export function applyPlanChange(inputs: PlanInputs, change: PlanChange): PlanInputs {
  switch (change.kind) {
    case 'node-left':
      return {
        ...inputs,
        nodes: inputs.nodes.filter((n) => n.id !== change.nodeId),
        links: (inputs.links ?? []).filter((l) => l.fromId !== change.nodeId && l.toId !== change.nodeId),
      };
    case 'node-joined':
      return { ...inputs, nodes: [...inputs.nodes.filter((n) => n.id !== change.node.id), change.node] };
    case 'node-speed':
      return mapNode(inputs, change.nodeId, (n) => ({ ...n, flopsPerSecondByBackend: change.flopsPerSecondByBackend }));
    case 'node-intensity':
      return mapNode(inputs, change.nodeId, (n) => ({ ...n, gramsCo2PerKwh: change.gramsCo2PerKwh, intensitySource: change.intensitySource }));
    case 'node-cost':
      return mapNode(inputs, change.nodeId, (n) => ({ ...n, costByBackend: change.costByBackend }));
    case 'slice-corrections':
      return { ...inputs, sliceCorrections: change.sliceCorrections };
    case 'link': {
      const same = (l: PlanLink) =>
        (l.fromId === change.link.fromId && l.toId === change.link.toId) || (l.fromId === change.link.toId && l.toId === change.link.fromId);
      return { ...inputs, links: [...(inputs.links ?? []).filter((l) => !same(l)), change.link] };
    }
    case 'link-defaults':
      return { ...inputs, linkDefaults: change.linkDefaults };
    case 'request-rate':
      return { ...inputs, requestsPerSecond: change.requestsPerSecond };
    default: {
      const never: never = change;
      return never;
    }
  }
}

/** Apply `changes` in order and plan again; returns the new inputs with the new result. */
export function replan(previous: PlanInputs, changes: readonly PlanChange[]): { inputs: PlanInputs; result: PlanResult } {
  const inputs = changes.reduce(applyPlanChange, previous);
  return { inputs, result: plan(inputs) };
}
