/**
 * The figures of a kept run, always computed from its rows (never stored beside them), so the page,
 * the history list and every export agree to the last digit:
 *
 *     energy J, gCO2           = sums over every ledger row (executions and hops; abandoned
 *                                attempts included - their energy was spent)
 *     per inference            = run total / completed requests (as the lab: src/lab/results.ts)
 *     latency                  = mean and 95% interval over the completed requests (src/lab/stats.ts)
 *     share of work per node   = busy ms of the node / busy ms of all nodes
 */
import { summariseRows, type CarbonTotals } from '../carbon/ledger';
import { estimate, type Estimate } from '../lab/stats';
import { nodeNames, type RunRecord } from './run-record';

/** What a run cost and did. */
export interface RunTotals {
  readonly completed: number;
  readonly failed: number;
  /** Distinct inferences the ledger has rows for (failed ones that ran a slice included). */
  readonly ledgerInferences: number;
  readonly ledgerRows: number;
  readonly total: CarbonTotals;
  /** total / completed; NaN when nothing completed. */
  readonly energyJoulesPerInference: number;
  readonly gramsCo2PerInference: number;
  readonly latencyMs: Estimate;
  /** Per node NAME: executions' totals, busy ms and share of all busy ms. */
  readonly byNode: Readonly<Record<string, CarbonTotals & { readonly busyMs: number; readonly share: number; readonly slicesRun: number }>>;
  /** Bytes sent between nodes and with the coordinator, as recorded by the ledger's hop rows. */
  readonly hopBytes: number;
}

/** Totals of a run from its ledger rows and requests (see the file comment for the formulas). */
export function runTotals(record: Pick<RunRecord, 'ledger' | 'requests' | 'nodes'>): RunTotals {
  const rows = record.ledger.rows;
  const summary = summariseRows(rows);
  const ok = record.requests.filter((r) => r.ok);
  const names = nodeNames(record);
  const busy: Record<string, number> = {};
  const runs: Record<string, number> = {};
  let hopBytes = 0;
  for (const row of rows) {
    if (row.type === 'hop') {
      hopBytes += row.bytes ?? 0;
      continue;
    }
    const name = names[row.nodeId] ?? row.nodeId;
    busy[name] = (busy[name] ?? 0) + (row.busyMs ?? 0);
    runs[name] = (runs[name] ?? 0) + 1;
  }
  const busyTotal = Object.values(busy).reduce((a, b) => a + b, 0);
  const byNode: Record<string, RunTotals['byNode'][string]> = {};
  for (const [id, totals] of Object.entries(summary.byNode)) {
    const name = names[id] ?? id;
    const prev = byNode[name];
    const b = busy[name] ?? 0;
    byNode[name] = {
      energyJoules: (prev?.energyJoules ?? 0) + totals.energyJoules,
      operationalGramsCo2: (prev?.operationalGramsCo2 ?? 0) + totals.operationalGramsCo2,
      embodiedGramsCo2: (prev?.embodiedGramsCo2 ?? 0) + totals.embodiedGramsCo2,
      gramsCo2: (prev?.gramsCo2 ?? 0) + totals.gramsCo2,
      busyMs: b,
      share: busyTotal > 0 ? b / busyTotal : 0,
      slicesRun: runs[name] ?? 0,
    };
  }
  const completed = ok.length;
  return {
    completed,
    failed: record.requests.length - completed,
    ledgerInferences: summary.inferences,
    ledgerRows: rows.length,
    total: summary.total,
    energyJoulesPerInference: completed > 0 ? summary.total.energyJoules / completed : NaN,
    gramsCo2PerInference: completed > 0 ? summary.total.gramsCo2 / completed : NaN,
    latencyMs: estimate(ok.map((r) => r.latencyMs ?? NaN)),
    byNode,
    hopBytes,
  };
}
