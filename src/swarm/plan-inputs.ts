/**
 * Turn what the coordinator knows about its nodes (benchmarks, carbon profiles) into the planner's
 * node list. Pure. Figures a node has not reported get documented, labelled defaults.
 */
import { bundledReading } from '../carbon/bundled-intensity';
import { estimatedPowerModel } from '../carbon/power-model';
import type { IntensityReading } from '../carbon/intensity';
import type { PowerModel } from '../carbon/power-model';
import type { BackendCost, HostGroup, PlanNode } from '../plan/plan-types';
import type { NodeRecord } from './coordinator';

/** Memory offered to slices when the browser does not tell (navigator.deviceMemory): 1 GB. */
export const DEFAULT_NODE_MEMORY_BYTES = 1e9;
/** Share of navigator.deviceMemory we assume a tab may use for slices. */
export const MEMORY_SHARE_FOR_SLICES = 0.25;
/** Fixed cost of dispatching one slice run in onnxruntime-web (measured ~0.8 ms under Node, src/graph README). */
export const SLICE_OVERHEAD_MS = 1;

/** Intensity and power in force for a node, with the fallbacks labelled. */
export function carbonOf(record: NodeRecord): { intensity: IntensityReading; power: PowerModel } {
  if (record.profile) return { intensity: record.profile.intensity, power: record.profile.power };
  const deviceClass = record.deviceClass === 'unknown' ? 'laptop' : record.deviceClass;
  return {
    intensity: bundledReading('WORLD'),
    power: estimatedPowerModel({ deviceClass, ramGb: record.deviceMemoryGb }),
  };
}

/** Whether the planner can use a node: ready, with a measured compute rate. */
export function isPlannable(record: NodeRecord): boolean {
  return record.state === 'ready' && (record.benchmark?.backends.some((b) => b.available && (b.flopsPerSecond ?? 0) > 0) ?? false);
}

/**
 * The host group of nodes known to share this machine's processor: simulated nodes (workers of the
 * coordinator's tab) and lab pages (headless pages on one machine) all say `simulated`. Real nodes
 * are planned as having a processor each (tabs of one browser cannot be told apart from a page).
 */
export const SIMULATED_HOST_GROUP = 'this-machine';

/**
 * Host groups of `records` with their cores (the largest core count their members report). The
 * simulated nodes' host is the coordinator's machine (nodes in its tab, lab pages it opened).
 */
export function hostGroupsOf(records: readonly NodeRecord[]): HostGroup[] {
  const simulated = records.filter((r) => r.simulated);
  if (simulated.length < 2) return [];
  return [{ id: SIMULATED_HOST_GROUP, cores: Math.max(1, ...simulated.map((r) => r.hardwareConcurrency || 1)), withCoordinator: true }];
}

/** The planner's view of one node. */
export function toPlanNode(record: NodeRecord): PlanNode {
  const rates: Record<string, number> = {};
  const costs: Record<string, BackendCost> = {};
  for (const b of record.benchmark?.backends ?? []) {
    if (b.available && b.flopsPerSecond && b.flopsPerSecond > 0) rates[b.backend] = b.flopsPerSecond;
    if (b.available && b.cost) costs[b.backend] = { ...b.cost, label: 'measured' };
  }
  const { intensity, power } = carbonOf(record);
  const ramWatts = power.ramGb === null ? 0 : power.ramGb * power.ramWattsPerGb;
  return {
    id: record.nodeId,
    flopsPerSecondByBackend: rates,
    memoryBytes: record.deviceMemoryGb ? record.deviceMemoryGb * 1e9 * MEMORY_SHARE_FOR_SLICES : DEFAULT_NODE_MEMORY_BYTES,
    power: { idleWatts: power.idleWatts + ramWatts, maxWatts: power.maxWatts + ramWatts },
    gramsCo2PerKwh: intensity.gramsCo2PerKwh,
    intensitySource: `${intensity.source} ${intensity.zone}`,
    sliceOverheadMs: SLICE_OVERHEAD_MS,
    ...(Object.keys(costs).length ? { costByBackend: costs } : {}),
    // A duty-cycled node computes 1/slowdown of its wall time: the ledger charges P(u) x wall.
    utilisation: 1 / Math.max(1, record.profile?.slowdown ?? 1),
    ...(record.simulated ? { hostGroup: SIMULATED_HOST_GROUP } : {}),
  };
}
