/**
 * The plan's per-inference predictions next to what the run has measured so far (issue 11: "every
 * prediction the planner makes is shown next to what was then measured"), for the Run panel:
 * latency and throughput (at the run's requests in flight, src/plan/queueing.ts, when it runs as
 * fast as it can; throughput measured by {@link ResultPace}), energy and operational gCO2 per inference (from the ledger rows of the inferences that have
 * ended, {@link EndedRows}). The audits' re-runs on the referee are a row of their own: they are
 * charged, and no plan predicts them (docs/decisions.md, "The plan check keeps audits apart").
 * Pure rows plus a small template.
 *
 * The same rows once more for the prediction the calibrated cost model makes of the placement when
 * {@link CALIBRATED_CHECK_AFTER} results of its deployment are in, next to what was measured after
 * them (docs/decisions.md, "The Run panel checks the calibrated prediction too").
 * {@link SliceCheck} does the same per slice: each slice's calibrated prediction then, next to the
 * median wall of its executions since.
 */
import { html } from 'lit';
import type { Placement } from '../plan/plan-types';
import { latencyInFlightMs, throughputInFlight } from '../plan/queueing';
import { LedgerTally, type CarbonTotals, type LedgerRow, type LedgerSummary } from '../carbon/ledger';
import { AUDIT_SLICE_PREFIX } from '../swarm/run-types';
import { sliceKey } from '../plan/search-context';
import { LogHistogram } from '../cost/robust-stats';
import { formatDuration, formatError, formatGramsCo2 } from './format';

/** One figure: predicted (null: no plan predicts it), measured (null before any result) and predicted / measured - 1. */
export interface PlanCheckRow {
  readonly key: 'latency' | 'throughput' | 'energy' | 'grams' | 'audits';
  readonly label: string;
  readonly predicted: number | null;
  readonly measured: number | null;
  readonly error: number | null;
}

/** The audits' share of a summary: its rows of slices `audit:N` (the referee's re-runs). */
export function auditTotals(summary: LedgerSummary): CarbonTotals {
  let energyJoules = 0;
  let operationalGramsCo2 = 0;
  let embodiedGramsCo2 = 0;
  for (const [slice, t] of Object.entries(summary.bySlice)) {
    if (!slice.startsWith(AUDIT_SLICE_PREFIX)) continue;
    energyJoules += t.energyJoules;
    operationalGramsCo2 += t.operationalGramsCo2;
    embodiedGramsCo2 += t.embodiedGramsCo2;
  }
  return { energyJoules, operationalGramsCo2, embodiedGramsCo2, gramsCo2: operationalGramsCo2 + embodiedGramsCo2 };
}

/**
 * The rate results come in: from `sinceMs` (the calibrated check: the moment it was made), else
 * from the first result, to the last. Keeps three numbers, whatever the run's length.
 */
export class ResultPace {
  #count = 0;
  #firstMs: number | undefined;
  #lastMs: number | undefined;

  constructor(private readonly sinceMs?: number) {}

  /** A result came in at `atMs` (ignored unless finite and not before `sinceMs`). */
  note(atMs: number): void {
    if (!Number.isFinite(atMs) || (this.sinceMs !== undefined && atMs < this.sinceMs)) return;
    this.#count++;
    this.#firstMs ??= atMs;
    this.#lastMs = atMs;
  }

  /** Results per second, or null before there are enough to tell (2 results, or 1 after `sinceMs`). */
  perSecond(): number | null {
    if (this.#lastMs === undefined || this.#firstMs === undefined) return null;
    const [counted, fromMs] = this.sinceMs !== undefined ? [this.#count, this.sinceMs] : [this.#count - 1, this.#firstMs];
    const spanMs = this.#lastMs - fromMs;
    return counted >= 1 && spanMs > 0 ? (counted * 1000) / spanMs : null;
  }
}

/**
 * Rows for a run of `placement` with `window` requests in flight per pipeline (rate 0 = as fast as
 * it goes). Throughput is predicted at the run's requests in flight (and rate, when given) and
 * measured by `pace`. Energy and grams are the pipeline's (the summary less its audits), which is
 * what the plan predicts; an `audits` row follows with what the audits cost per inference when
 * they cost anything.
 */
export function planCheckRows(placement: Placement, run: { window: number; ratePerSecond: number }, latenciesMs: readonly number[], summary: LedgerSummary | undefined, pace?: ResultPace): PlanCheckRow[] {
  const p = placement.prediction;
  const saturated = run.ratePerSecond === 0;
  const inFlight = [Math.max(1, run.window), Math.max(1, placement.pipelines.length)] as const;
  const latency = saturated ? latencyInFlightMs(p, ...inFlight) : p.latencyMs;
  const throughput = saturated ? throughputInFlight(p, ...inFlight) : Math.min(run.ratePerSecond, throughputInFlight(p, ...inFlight));
  const mean = latenciesMs.length ? latenciesMs.reduce((a, b) => a + b, 0) / latenciesMs.length : null;
  const audits = summary ? auditTotals(summary) : undefined;
  const per = (x: number | undefined) => (summary && summary.inferences > 0 && x !== undefined ? x / summary.inferences : null);
  const pipeline = summary && audits ? { energyJoules: summary.total.energyJoules - audits.energyJoules, gramsCo2: summary.total.operationalGramsCo2 - audits.operationalGramsCo2 } : undefined;
  const row = (key: PlanCheckRow['key'], label: string, predicted: number | null, measured: number | null): PlanCheckRow => ({
    key, label, predicted, measured, error: predicted !== null && measured !== null && measured > 0 ? predicted / measured - 1 : null,
  });
  const rows = [
    row('latency', saturated ? `latency (${run.window} in flight per pipeline)` : 'latency', latency, mean),
    row('throughput', saturated ? `throughput (${run.window} in flight per pipeline)` : `throughput (at ${run.ratePerSecond}/s)`, throughput, pace?.perSecond() ?? null),
    row('energy', 'energy per inference', p.energyJoules, per(pipeline?.energyJoules)),
    row('grams', 'operational CO2 per inference', p.gramsCo2, per(pipeline?.gramsCo2)),
  ];
  if (audits && audits.energyJoules > 0) rows.push(row('audits', 'audits\' re-runs per inference (no plan predicts them)', null, per(audits.energyJoules)));
  return rows;
}

/** Where an {@link EndedRows} reads the ledger (a CarbonLedger): rows from a position on. */
export interface LedgerReader {
  rowsFrom(start: number): readonly LedgerRow[];
}

/**
 * The ledger rows of the inferences that have ended, counted as they come, for a plan check: its
 * figures per inference are over whole inferences, never over one still in flight with only some
 * of its slices charged yet. Rows recorded after an inference ended (its audits) count when read.
 * Inferences in `skip` never count. Each {@link update} reads only the rows recorded since the last.
 */
export class EndedRows {
  readonly #tally = new LedgerTally();
  readonly #ended = new Set<string>();
  /** Rows of inferences still in flight, by inference id. */
  readonly #pending = new Map<string, LedgerRow[]>();
  #cursor = 0;

  constructor(private readonly skip: ReadonlySet<string> = new Set()) {}

  /** Read the rows recorded since the last call, then, if given, count `endedId` (a ledger inference id) as ended. */
  update(ledger: LedgerReader, endedId?: string): void {
    const rows = ledger.rowsFrom(this.#cursor);
    this.#cursor += rows.length;
    for (const row of rows) {
      if (this.skip.has(row.inferenceId)) continue;
      if (this.#ended.has(row.inferenceId)) this.#tally.add(row);
      else {
        const own = this.#pending.get(row.inferenceId);
        if (own) own.push(row);
        else this.#pending.set(row.inferenceId, [row]);
      }
    }
    if (endedId === undefined || this.skip.has(endedId) || this.#ended.has(endedId)) return;
    this.#ended.add(endedId);
    for (const row of this.#pending.get(endedId) ?? []) this.#tally.add(row);
    this.#pending.delete(endedId);
  }

  /** The ended inferences' summary; undefined before any has rows. */
  summary(): LedgerSummary | undefined {
    return this.#tally.inferences > 0 ? this.#tally.summary() : undefined;
  }
}

/** One slice of the calibrated check: its prediction then, and the walls measured since. */
export interface SliceCheckRow {
  /** The calibration's key of the slice (src/plan/search-context.ts sliceKey: node|backend|start|end). */
  readonly key: string;
  readonly predictedMs: number;
  /** Median wall of its executions booked since the check (undefined before any). */
  readonly measuredMs: number | undefined;
  readonly executions: number;
  /** predicted / measured - 1 (undefined before any execution). */
  readonly error: number | undefined;
}

/**
 * Each slice's prediction of the calibrated check next to the median wall of the executions the
 * ledger booked after it (the swarm bench's per-slice figure, live): the calibration's own rows
 * compare its prediction with the walls it was fitted to, which says nothing. The executions are
 * matched by node and slice id (`slice<i>`, the placement's slices in order, as
 * src/swarm/run-controller.ts books them); rows booked before the check never count, nor those of
 * other nodes or ids (an audit's, an earlier deployment's). Memory is bounded per slice
 * (robust-stats.ts LogHistogram), whatever the run's length.
 */
export class SliceCheck {
  /** The calibration key of each (node, slice id) of the placement. */
  readonly #keys = new Map<string, string>();
  readonly #slices = new Map<string, { readonly predictedMs: number; readonly walls: LogHistogram }>();
  /** Whether the placement is one pipeline (its slices' sum is a figure of the run). */
  readonly #onePipeline: boolean;
  #cursor: number;

  /**
   * `deployed`: the placement that runs (its slices' backends key the rows, as the calibration's);
   * `predicted`: the same placement as predicted at the check (src/plan/planner.ts
   * evaluatePlacement keeps the order of pipelines and slices); `fromRow`: the ledger's row count
   * then.
   */
  constructor(deployed: Placement, predicted: Placement, fromRow: number) {
    this.#cursor = Math.max(0, fromRow);
    this.#onePipeline = deployed.pipelines.length === 1;
    const ms = predicted.pipelines.flatMap((p) => p.slices.map((s) => s.computeMs));
    let index = 0;
    for (const p of deployed.pipelines) {
      for (const s of p.slices) {
        const key = sliceKey(s.nodeId, s.backend, s.sliceRange[0], s.sliceRange[1]);
        this.#keys.set(`${s.nodeId}\u0000slice${index}`, key);
        // Replicas of one slice on one node share a key, a prediction and their walls.
        const predictedMs = ms[index];
        if (!this.#slices.has(key) && predictedMs !== undefined) this.#slices.set(key, { predictedMs, walls: new LogHistogram() });
        index++;
      }
    }
  }

  /** Read the rows booked since the last call. */
  update(ledger: LedgerReader): void {
    const rows = ledger.rowsFrom(this.#cursor);
    this.#cursor += rows.length;
    for (const row of rows) {
      if (row.type !== 'execution' || row.wallMs === null) continue;
      const key = this.#keys.get(`${row.nodeId}\u0000${row.sliceId ?? ''}`);
      if (key !== undefined) this.#slices.get(key)?.walls.add(row.wallMs);
    }
  }

  /**
   * The slices of a one-pipeline placement together: the sum of their predictions against the sum
   * of their measured medians, once each has an execution since the check (`executions`: the
   * fewest of any). On one shared host the load moves between the slices during a run and their
   * sum holds better than each (docs/decisions.md, "Checked per thread"). Undefined for replicated
   * pipelines, a single slice, or before then. `rows`: this check's {@link rows}, when the caller
   * has them already.
   */
  together(byKey: ReadonlyMap<string, SliceCheckRow> = this.rows()): Omit<SliceCheckRow, 'key'> | undefined {
    const rows = [...byKey.values()];
    if (!this.#onePipeline || rows.length < 2 || rows.some((r) => r.measuredMs === undefined)) return undefined;
    const predictedMs = rows.reduce((a, r) => a + r.predictedMs, 0);
    const measuredMs = rows.reduce((a, r) => a + r.measuredMs!, 0);
    return { predictedMs, measuredMs, executions: Math.min(...rows.map((r) => r.executions)), error: predictedMs / measuredMs - 1 };
  }

  /** By the calibration's slice key. */
  rows(): Map<string, SliceCheckRow> {
    return new Map([...this.#slices].map(([key, s]) => {
      const measuredMs = s.walls.median();
      return [key, { key, predictedMs: s.predictedMs, measuredMs, executions: s.walls.count, error: measuredMs ? s.predictedMs / measuredMs - 1 : undefined }];
    }));
  }
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

const show = (row: PlanCheckRow, x: number | null) =>
  x === null ? '-' : row.key === 'latency' ? formatDuration(x) : row.key === 'throughput' ? `${x.toPrecision(3)} inferences/s` : row.key === 'grams' ? formatGramsCo2(x) : `${x.toPrecision(3)} J`;

/** The rows as a table (`data-testid="plan-check"` unless labelled otherwise, one `tr[data-key]` per figure). */
export function renderPlanCheck(rows: readonly PlanCheckRow[], labels: PlanCheckLabels = PLAN_LABELS) {
  return html`<table data-testid=${labels.testId}>
    <thead><tr><th>figure (per inference unless said)</th><th>${labels.predicted}</th><th>${labels.measured}</th><th>error</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr data-key=${r.key} data-predicted=${r.predicted ?? ''} data-measured=${r.measured ?? ''}>
      <td>${r.label}</td><td>${show(r, r.predicted)}</td><td>${show(r, r.measured)}</td>
      <td>${r.error === null ? '-' : formatError(r.error)}</td></tr>`)}</tbody>
  </table>`;
}
