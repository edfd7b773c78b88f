/**
 * Turn what the coordinator knows about its nodes (benchmarks, carbon profiles) into the planner's
 * node list. Pure. Figures a node has not reported get documented, labelled defaults.
 */
import { bundledReading } from '../carbon/bundled-intensity';
import { estimatedPowerModel } from '../carbon/power-model';
import type { IntensityReading } from '../carbon/intensity';
import type { PowerModel } from '../carbon/power-model';
import type { BackendCost, HostGroup, PlanNode } from '../plan/plan-types';
import { COORDINATOR_MACHINE, type NodeRecord } from './coordinator';

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
 * The host group of nodes known to share the coordinator's machine: simulated nodes (workers of the
 * coordinator's tab), lab pages (headless pages on one machine; both say `simulated`) and node
 * pages the signaling server saw connect from the coordinator's machine (`machine` 'coordinator',
 * signaling/hosts.ts). Other nodes the server saw connect from one machine form a group of their
 * own (`machine` is its id); the rest are planned as having a processor each.
 */
export const SIMULATED_HOST_GROUP = 'this-machine';

/** The host group a node belongs to (see {@link SIMULATED_HOST_GROUP}), or undefined when it has a processor of its own. */
export function hostGroupOf(record: Pick<NodeRecord, 'simulated' | 'machine'>): string | undefined {
  if (record.simulated || record.machine === COORDINATOR_MACHINE) return SIMULATED_HOST_GROUP;
  return record.machine;
}

/** `{ hostGroup }` for a node of a host group, `{}` for one with a processor of its own (to spread into a plan node or an execution record). */
export function hostGroupField(record: Pick<NodeRecord, 'simulated' | 'machine'>): { hostGroup?: string } {
  const hostGroup = hostGroupOf(record);
  return hostGroup !== undefined ? { hostGroup } : {};
}

/** `records` by their host group ({@link hostGroupOf}), in order of first appearance; nodes of no group left out. */
export function membersByHostGroup<R extends Pick<NodeRecord, 'simulated' | 'machine'>>(records: readonly R[]): Map<string, R[]> {
  const members = new Map<string, R[]>();
  for (const r of records) {
    const group = hostGroupOf(r);
    if (group !== undefined) members.set(group, [...(members.get(group) ?? []), r]);
  }
  return members;
}

/**
 * Host groups of `records` with their cores (the largest core count their members report), each
 * with at least two members. The coordinator's machine is the simulated nodes' host (nodes in its
 * tab, lab pages it opened, node pages opened on it).
 */
export function hostGroupsOf(records: readonly NodeRecord[]): HostGroup[] {
  const out: HostGroup[] = [];
  for (const [id, list] of membersByHostGroup(records)) {
    if (list.length < 2) continue;
    out.push({ id, cores: Math.max(1, ...list.map((r) => r.hardwareConcurrency || 1)), ...(id === SIMULATED_HOST_GROUP ? { withCoordinator: true } : {}) });
  }
  return out;
}

/**
 * {@link hostGroupsOf} with what moving a byte costs the coordinator's machine (`hostCpuMsPerByte`,
 * LinkSource.hostTransferCpuMsPerByte) on its group, when known: what the run plans with before
 * it has measured anything, and what explanations of its plan must use too.
 */
export function plannedHostGroups(records: readonly NodeRecord[], hostCpuMsPerByte: number | undefined): HostGroup[] {
  return hostGroupsOf(records).map((g) => (g.withCoordinator && hostCpuMsPerByte !== undefined ? { ...g, transferCpuMsPerByte: hostCpuMsPerByte } : g));
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
    ...hostGroupField(record),
  };
}
