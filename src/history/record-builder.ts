/**
 * From what the coordinator page holds during a run (its node records, the run settings, the
 * controller's outcomes and ledger) to a {@link RunRecord}, so the page saves one call per update:
 *
 *     history.save(buildRunRecord({ id, startedAt, status, settings, placement, nodes, outcomes, ledger, ... }))
 *
 * Pure: no DOM, no storage. Node names and profiles are copied at the time of the call, so a node
 * that leaves keeps its name in the record.
 */
import type { CarbonLedger, LedgerRow } from '../carbon/ledger';
import type { Placement } from '../plan/plan-types';
import type { NodeRecord } from '../swarm/coordinator';
import { carbonOf } from '../swarm/plan-inputs';
import type { RequestOutcome } from '../swarm/run-types';
import { RUN_RECORD_FORMAT, type BaselineFigure, type RunConfiguration, type RunEventEntry, type RunNode, type RunRecord, type RunRequest } from './run-record';

/** A node as the history keeps it: name, device, fastest measured speed, power and intensity with provenance. */
export function runNodeFrom(record: NodeRecord): RunNode {
  const { intensity, power } = carbonOf(record);
  const rates = (record.benchmark?.backends ?? []).map((b) => (b.available ? b.flopsPerSecond ?? 0 : 0));
  return {
    nodeId: record.nodeId,
    name: record.name,
    deviceClass: record.deviceClass,
    simulated: record.simulated,
    flopsPerSecond: Math.max(0, ...rates),
    idleWatts: power.idleWatts,
    maxWatts: power.maxWatts,
    powerLabel: power.label,
    gramsCo2PerKwh: intensity.gramsCo2PerKwh,
    intensityZone: intensity.zone,
    intensitySource: intensity.source,
    intensityConfigured: intensity.source === 'configured',
  };
}

/** A request outcome without its output tensors. */
export function runRequestFrom(outcome: RequestOutcome): RunRequest {
  return outcome.ok
    ? { requestId: outcome.requestId, ok: true, latencyMs: outcome.latencyMs, attempts: outcome.attempts, pipeline: outcome.pipeline, reason: null, ...(outcome.suspect ? { suspect: true as const } : {}) }
    : { requestId: outcome.requestId, ok: false, latencyMs: null, attempts: outcome.attempts, pipeline: null, reason: outcome.reason };
}

/** Everything {@link buildRunRecord} needs. */
export interface RunSnapshot {
  readonly id: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /** ISO 8601, or null while running. */
  readonly finishedAt: string | null;
  readonly status: RunRecord['status'];
  readonly error?: string | null;
  readonly configuration: RunConfiguration;
  readonly placement: Placement | null;
  readonly replans?: RunRecord['replans'];
  /**
   * Every node that took part, present or gone; records of the same node id later in the list win
   * (pass earlier snapshots first so a node that left keeps its last known profile).
   */
  readonly nodes: readonly NodeRecord[];
  readonly outcomes: readonly RequestOutcome[];
  /** The run's ledger (or its rows, e.g. without warm-up requests). */
  readonly ledger: CarbonLedger | { readonly networkJoulesPerByte: number; readonly embodiedEnabled: boolean; readonly rows: readonly LedgerRow[] };
  readonly baselines?: readonly BaselineFigure[];
  readonly events?: readonly RunEventEntry[];
}

/** The record of a run as it stands (call again as it goes; save under the same id). */
export function buildRunRecord(s: RunSnapshot): RunRecord {
  const byId = new Map<string, RunNode>();
  for (const n of s.nodes) byId.set(n.nodeId, runNodeFrom(n));
  const source = s.ledger;
  const rows: readonly LedgerRow[] = typeof source.rows === 'function' ? (source as CarbonLedger).rows() : (source as { readonly rows: readonly LedgerRow[] }).rows;
  return {
    format: RUN_RECORD_FORMAT,
    id: s.id,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    status: s.status,
    error: s.error ?? null,
    configuration: s.configuration,
    plan: s.placement,
    replans: s.replans ?? [],
    nodes: [...byId.values()],
    requests: s.outcomes.map(runRequestFrom),
    ledger: { networkJoulesPerByte: s.ledger.networkJoulesPerByte, embodiedEnabled: s.ledger.embodiedEnabled, rows: [...rows] },
    baselines: s.baselines ?? [],
    events: s.events ?? [],
  };
}
