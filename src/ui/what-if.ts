/**
 * What-if zones for one room (issue 14): a classroom sits on one grid, so every node reports the
 * same zone and every mode picks the same plan. The coordinator can give nodes other zones or
 * intensities for a demonstration. The override lives on the coordinator side only: a map
 * nodeId -> configured intensity, applied to the node records before anything reads them
 * (planning through `toPlanNode`, the ledger rows through `carbonOf`, the swarm picture, baselines
 * and the history), and labelled `configured` (IntensityReading.source) everywhere it appears.
 *
 * Pure, plus {@link configuredCoordinator}, a view of a Coordinator whose `nodes()` carry the
 * overrides, so the run loop (src/swarm, unchanged) plans and books with them.
 */
import { bundledReading } from '../carbon/bundled-intensity';
import type { IntensityReading } from '../carbon/intensity';
import type { Coordinator, NodeRecord } from '../swarm/coordinator';
import { carbonOf } from '../swarm/plan-inputs';

/** A configured intensity for one node. */
export interface WhatIf {
  /** Zone shown beside the figure (a bundled zone such as `FR`, or `what-if` for a bare number). */
  readonly zone: string;
  readonly gramsCo2PerKwh: number;
}

/** Source id of every what-if reading (the same label the Carbon card uses for hand-set values). */
export const WHAT_IF_SOURCE = 'configured';

/** Zones offered in one click, cleanest first: real annual averages from the bundled Ember table. */
export const WHAT_IF_ZONES = ['SE', 'FR', 'GB', 'US', 'DE', 'IN', 'PL'] as const;

/** A what-if for a bundled zone (its annual average); throws UnknownZoneError (src/carbon) for a zone not in the table. */
export function whatIfForZone(zone: string): WhatIf {
  const reading = bundledReading(zone);
  return { zone: reading.zone, gramsCo2PerKwh: reading.gramsCo2PerKwh };
}

/** A what-if from a typed intensity; throws RangeError for anything but a finite number in [0, 2000]. */
export function whatIfForIntensity(gramsCo2PerKwh: number): WhatIf {
  if (!Number.isFinite(gramsCo2PerKwh) || gramsCo2PerKwh < 0 || gramsCo2PerKwh > 2000) {
    throw new RangeError(`a what-if intensity must be between 0 and 2000 gCO2/kWh, got ${gramsCo2PerKwh}`);
  }
  return { zone: 'what-if', gramsCo2PerKwh };
}

/**
 * "Spread the room" in one click: the ready nodes (in the order given) get zones from the cleanest
 * to the most carbon-intensive of {@link WHAT_IF_ZONES}, spaced evenly, so modes pick different plans.
 */
export function spreadZones(nodeIds: readonly string[]): Map<string, WhatIf> {
  const out = new Map<string, WhatIf>();
  const n = nodeIds.length;
  nodeIds.forEach((id, i) => {
    const at = n === 1 ? 0 : Math.round((i * (WHAT_IF_ZONES.length - 1)) / (n - 1));
    out.set(id, whatIfForZone(WHAT_IF_ZONES[at]!));
  });
  return out;
}

/** Whether a reading was set on the coordinator as a what-if (not by the node's own user). */
export function isWhatIf(reading: IntensityReading): boolean {
  return reading.source === WHAT_IF_SOURCE && reading.vintage.startsWith('what-if');
}

/** The reading a what-if stands for: the node's own reading with the figure and zone replaced, labelled configured. */
export function configuredReading(base: IntensityReading, whatIf: WhatIf): IntensityReading {
  return {
    gramsCo2PerKwh: whatIf.gramsCo2PerKwh,
    zone: whatIf.zone,
    source: WHAT_IF_SOURCE,
    kind: base.kind,
    observedAt: null,
    period: base.period,
    isLive: false,
    vintage: `what-if set on the coordinator for a demonstration (the node reported ${base.zone} ${Math.round(base.gramsCo2PerKwh)} gCO2/kWh, ${base.source})`,
  };
}

/** The record with its intensity replaced by the what-if, if it has one; otherwise the record itself. */
export function applyWhatIf(record: NodeRecord, overrides: ReadonlyMap<string, WhatIf>): NodeRecord {
  const whatIf = overrides.get(record.nodeId);
  if (!whatIf) return record;
  const { intensity, power } = carbonOf(record);
  return { ...record, profile: { intensity: configuredReading(intensity, whatIf), power, slowdown: record.profile?.slowdown ?? 1 } };
}

/**
 * A view of `coordinator` whose `nodes()` carry the current overrides (read on every call, so a
 * change applies to the next ledger row and the next plan). Every other member is the coordinator's
 * own, bound to it.
 */
export function configuredCoordinator(coordinator: Coordinator, overrides: () => ReadonlyMap<string, WhatIf>): Coordinator {
  return new Proxy(coordinator, {
    get(target, key) {
      if (key === 'nodes') return () => target.nodes().map((r) => applyWhatIf(r, overrides()));
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
