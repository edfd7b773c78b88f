/**
 * The audits of a run as the coordinator page shows them (issue 13): how many requests were
 * re-checked, how many slices compared with the referee, mismatches, the nodes quarantined (by name)
 * and the referee's compute time on this machine. Pure: built from RunController.auditStats.
 */
import type { RunController } from '../swarm/run-controller';

export interface AuditView {
  /** Share of requests audited, 0..1. */
  readonly rate: number;
  readonly requestsAudited: number;
  readonly slicesJudged: number;
  readonly mismatches: number;
  /** Node names, in the order they were quarantined. */
  readonly quarantined: readonly string[];
  /** Their node ids, in the same order. */
  readonly quarantinedIds: readonly string[];
  /** Results delivered before their node was quarantined, now marked suspect. */
  readonly suspectResults: number;
  /** Audits that could not be judged (a tap missing, the referee failed). */
  readonly unjudged: number;
  /** Time the referee on the coordinator's machine took (slice loads included), ms; its compute is in the ledger as node `coordinator`. */
  readonly refereeMs: number;
}

/** The view of `stats` (undefined = nothing audited yet); `nameOf` turns node ids into names. */
export function auditView(stats: RunController['auditStats'] | undefined, rate: number, nameOf: (nodeId: string) => string): AuditView {
  return {
    rate,
    requestsAudited: stats?.requestsAudited ?? 0,
    slicesJudged: stats?.slicesJudged ?? 0,
    mismatches: stats?.mismatches ?? 0,
    quarantined: (stats?.quarantinedNodes ?? []).map(nameOf),
    quarantinedIds: [...(stats?.quarantinedNodes ?? [])],
    suspectResults: stats?.suspectResults ?? 0,
    unjudged: (stats?.incomplete ?? 0) + (stats?.errors ?? 0),
    refereeMs: stats?.refereeMs ?? 0,
  };
}
