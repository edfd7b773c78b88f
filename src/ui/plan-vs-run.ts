/**
 * The plan's per-inference predictions next to what the run has measured so far (issue 11: "every
 * prediction the planner makes is shown next to what was then measured"), for the Run panel:
 * latency (at the run's requests in flight, src/plan/queueing.ts, when it runs as fast as it can),
 * energy and operational gCO2 per inference (from the ledger). Pure rows plus a small template.
 *
 * The same rows once more for the prediction the calibrated cost model makes of the placement when
 * {@link CALIBRATED_CHECK_AFTER} results of its deployment are in, next to what was measured after
 * them (docs/decisions.md, "The Run panel checks the calibrated prediction too").
 */
import { html } from 'lit';
import type { Placement } from '../plan/plan-types';
import { latencyInFlightMs } from '../plan/queueing';
import type { LedgerSummary } from '../carbon/ledger';
import { formatDuration, formatGramsCo2 } from './format';

/** One figure: predicted, measured (null before any result) and predicted / measured - 1. */
export interface PlanCheckRow {
  readonly key: 'latency' | 'energy' | 'grams';
  readonly label: string;
  readonly predicted: number;
  readonly measured: number | null;
  readonly error: number | null;
}

/** Rows for a run of `placement` with `window` requests in flight per pipeline (rate 0 = as fast as it goes). */
export function planCheckRows(placement: Placement, run: { window: number; ratePerSecond: number }, latenciesMs: readonly number[], summary: LedgerSummary | undefined): PlanCheckRow[] {
  const p = placement.prediction;
  const saturated = run.ratePerSecond === 0;
  const latency = saturated ? latencyInFlightMs(p, Math.max(1, run.window), Math.max(1, placement.pipelines.length)) : p.latencyMs;
  const mean = latenciesMs.length ? latenciesMs.reduce((a, b) => a + b, 0) / latenciesMs.length : null;
  const per = (x: number | undefined) => (summary && summary.inferences > 0 && x !== undefined ? x / summary.inferences : null);
  const row = (key: PlanCheckRow['key'], label: string, predicted: number, measured: number | null): PlanCheckRow => ({
    key, label, predicted, measured, error: measured !== null && measured > 0 ? predicted / measured - 1 : null,
  });
  return [
    row('latency', saturated ? `latency (${run.window} in flight per pipeline)` : 'latency', latency, mean),
    row('energy', 'energy per inference', p.energyJoules, per(summary?.total.energyJoules)),
    row('grams', 'operational CO2 per inference', p.gramsCo2, per(summary?.total.operationalGramsCo2)),
  ];
}

/** Results of a deployment after which the Run panel predicts its placement again, calibrated (issue 11: "the first 10 inferences"). */
export const CALIBRATED_CHECK_AFTER = 10;

/** Headers and test id of a {@link renderPlanCheck} table. */
export interface PlanCheckLabels {
  readonly testId: string;
  readonly predicted: string;
  readonly measured: string;
}

const PLAN_LABELS: PlanCheckLabels = { testId: 'plan-check', predicted: 'plan predicted', measured: 'measured so far' };

/** Labels of the calibrated check: predicted after CALIBRATED_CHECK_AFTER results, measured since. */
export const CALIBRATED_LABELS: PlanCheckLabels = { testId: 'plan-check-calibrated', predicted: `predicted after ${CALIBRATED_CHECK_AFTER} results (calibrated)`, measured: 'measured since' };

const show = (row: PlanCheckRow, x: number) => (row.key === 'latency' ? formatDuration(x) : row.key === 'energy' ? `${x.toPrecision(3)} J` : formatGramsCo2(x));

/** The rows as a table (`data-testid="plan-check"` unless labelled otherwise, one `tr[data-key]` per figure). */
export function renderPlanCheck(rows: readonly PlanCheckRow[], labels: PlanCheckLabels = PLAN_LABELS) {
  return html`<table data-testid=${labels.testId}>
    <thead><tr><th>per inference</th><th>${labels.predicted}</th><th>${labels.measured}</th><th>error</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr data-key=${r.key} data-predicted=${r.predicted} data-measured=${r.measured ?? ''}>
      <td>${r.label}</td><td>${show(r, r.predicted)}</td><td>${r.measured === null ? '-' : show(r, r.measured)}</td>
      <td>${r.error === null ? '-' : `${r.error >= 0 ? '+' : ''}${(r.error * 100).toFixed(1)}%`}</td></tr>`)}</tbody>
  </table>`;
}
