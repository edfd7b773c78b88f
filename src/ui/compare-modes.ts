/**
 * The figures of "compare modes" (issue 14), pure: per configuration the mean and 95% interval over
 * its repeats (src/lab/stats.ts: Student t; no interval with one repeat), which configurations are on
 * the Pareto front of (latency, gCO2 per inference) - both minimised, src/plan/plan-sweep.ts - and
 * whether an axis should be logarithmic (positive values spanning a decade or more: a linear axis
 * would squash the green configurations onto 0, issue 14). Beside them, what each configuration's
 * first plan predicted per inference and what was measured of the same figures, as the Run panel's
 * plan check reads them (plan-vs-run.ts `planCheckRows`): every prediction shown next to what was
 * then measured.
 */
import { summariseRows } from '../carbon/ledger';
import { estimate, type Estimate } from '../lab/stats';
import { paretoFront } from '../plan/plan-sweep';
import { describePlan, nodeNames, runTitle, type RunRecord } from '../history/run-record';
import { runTotals } from '../history/run-totals';
import { planCheckRows } from './plan-vs-run';

/** One figure per inference as a plan predicted it and as the run measured it. */
export interface PlannedPair {
  readonly predicted: number;
  readonly measured: number;
}

/** What one repeat's first plan predicted next to what it measured (absent: not measured). */
export interface PlannedRepeat {
  /** At the run's requests in flight (src/plan/queueing.ts), against the mean latency. */
  readonly latencyMs?: PlannedPair;
  readonly energyJoules?: PlannedPair;
  /** Operational gCO2 (what a plan predicts; embodied carbon is the ledger's alone). */
  readonly gramsCo2?: PlannedPair;
}

/** A figure over a configuration's repeats: the means of the predicted and measured, and predicted / measured - 1. */
export interface PlannedFigure extends PlannedPair {
  readonly error: number;
  /** Repeats behind it. */
  readonly repeats: number;
}

/** One configuration's repeats, as measured (per repeat: figures per completed inference). */
export interface CompareInput {
  /** e.g. `performance`, `green`, `split3-green`, `paper-green`. */
  readonly label: string;
  /** Mean latency of each repeat, ms. */
  readonly latencyMs: readonly number[];
  readonly gramsCo2PerInference: readonly number[];
  readonly energyJoulesPerInference: readonly number[];
  /** `[0,50)@A > [50,100)@B` (history/run-record.ts describePlan). */
  readonly placement: string;
  /** History ids of the runs behind the repeats. */
  readonly runIds?: readonly string[];
  /** Per repeat, what its first plan predicted next to what it measured; null for a run without a plan. */
  readonly planned?: readonly (PlannedRepeat | null)[];
}

/** One row of the comparison. */
export interface CompareRow {
  readonly label: string;
  readonly placement: string;
  readonly repeats: number;
  readonly latencyMs: Estimate;
  readonly gramsCo2PerInference: Estimate;
  readonly energyJoulesPerInference: Estimate;
  /** On the Pareto front of mean latency and mean gCO2 per inference. */
  readonly onFront: boolean;
  readonly runIds: readonly string[];
  /** The first plans' predictions against the measured figures, over the repeats that have both. */
  readonly planned: { readonly latencyMs?: PlannedFigure; readonly energyJoules?: PlannedFigure; readonly gramsCo2?: PlannedFigure };
}

/** Means over the repeats that have the figure; undefined when none has it. */
function plannedFigure(repeats: readonly (PlannedRepeat | null)[], key: keyof PlannedRepeat): PlannedFigure | undefined {
  const pairs = repeats.flatMap((r) => (r?.[key] ? [r[key]] : []));
  if (pairs.length === 0) return undefined;
  const predicted = pairs.reduce((a, p) => a + p.predicted, 0) / pairs.length;
  const measured = pairs.reduce((a, p) => a + p.measured, 0) / pairs.length;
  return { predicted, measured, error: predicted / measured - 1, repeats: pairs.length };
}

/** Rows in input order with their estimates and front flags; rows without a finite mean are never on the front. */
export function compareRows(inputs: readonly CompareInput[]): CompareRow[] {
  const labels = new Set<string>();
  for (const input of inputs) {
    if (labels.has(input.label)) throw new RangeError(`configuration "${input.label}" is listed twice`);
    labels.add(input.label);
    if (input.latencyMs.length !== input.gramsCo2PerInference.length || input.latencyMs.length !== input.energyJoulesPerInference.length) {
      throw new RangeError(`configuration "${input.label}": ${input.latencyMs.length} latencies, ${input.gramsCo2PerInference.length} gram figures and ${input.energyJoulesPerInference.length} energy figures; one of each per repeat`);
    }
  }
  const rows = inputs.map((c) => ({
    label: c.label,
    placement: c.placement,
    repeats: c.latencyMs.length,
    latencyMs: estimate(c.latencyMs),
    gramsCo2PerInference: estimate(c.gramsCo2PerInference),
    energyJoulesPerInference: estimate(c.energyJoulesPerInference),
    runIds: c.runIds ?? [],
    planned: Object.fromEntries((['latencyMs', 'energyJoules', 'gramsCo2'] as const).flatMap((k) => {
      const f = plannedFigure(c.planned ?? [], k);
      return f ? [[k, f]] : [];
    })),
  }));
  const points = rows.filter((r) => Number.isFinite(r.latencyMs.mean) && Number.isFinite(r.gramsCo2PerInference.mean)).map((r) => ({ label: r.label, latencyMs: r.latencyMs.mean, gramsCo2: r.gramsCo2PerInference.mean }));
  const front = new Set(paretoFront(points).map((p) => p.label));
  return rows.map((r) => ({ ...r, onFront: front.has(r.label) }));
}

/** `logarithmic` when every value is > 0 and max / min >= 10, else `linear`. */
export function axisScale(values: readonly number[]): 'linear' | 'logarithmic' {
  const xs = values.filter(Number.isFinite);
  if (xs.length < 2 || xs.some((v) => v <= 0)) return 'linear';
  return Math.max(...xs) / Math.min(...xs) >= 10 ? 'logarithmic' : 'linear';
}

/**
 * Axis bounds that show every mean, padded 10% (linear) or a factor 1.25 (log). Interval ends are
 * NOT included: a wide whisker would stretch the axis until every point piles up (issue 14); the
 * chart clips whiskers at the bounds instead. Linear axes of non-negative data start at >= 0.
 */
export function axisBounds(means: readonly number[], scale: 'linear' | 'logarithmic'): { min: number; max: number } {
  const xs = means.filter(Number.isFinite);
  if (xs.length === 0) return { min: 0, max: 1 };
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (scale === 'logarithmic') return { min: lo / 1.25, max: hi * 1.25 };
  const span = hi - lo || Math.abs(hi) || 1;
  return { min: lo >= 0 ? Math.max(0, lo - span * 0.1) : lo - span * 0.1, max: hi + span * 0.1 };
}

/**
 * Compare inputs from kept runs: runs with the same configuration label (`configuration.label`, else
 * `runTitle`) are repeats of one configuration, in the order given; each repeat's figures come from
 * its own ledger rows (src/history/run-totals.ts), so the chart's points match the ledger.
 */
export function compareInputsFromRuns(runs: readonly RunRecord[]): CompareInput[] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const label = run.configuration.label ?? runTitle(run);
    groups.set(label, [...(groups.get(label) ?? []), run]);
  }
  return [...groups.entries()].map(([label, group]) => {
    const totals = group.map(runTotals);
    const placements = [...new Set(group.map((r) => describePlan(r.plan, nodeNames(r))))];
    return {
      label,
      latencyMs: totals.map((t) => t.latencyMs.mean),
      gramsCo2PerInference: totals.map((t) => t.gramsCo2PerInference),
      energyJoulesPerInference: totals.map((t) => t.energyJoulesPerInference),
      placement: placements.join(' / '),
      runIds: group.map((r) => r.id),
      planned: group.map(plannedRepeat),
    };
  });
}

/**
 * What a kept run's first plan predicted per inference next to what the run measured, read as the
 * Run panel's plan check reads them (plan-vs-run.ts `planCheckRows`: latency at the run's requests
 * in flight against the mean latency of its completed requests; energy and operational gCO2 of its
 * ledger rows per inference, less audits); null without a plan.
 */
export function plannedRepeat(run: Pick<RunRecord, 'plan' | 'configuration' | 'requests' | 'ledger'>): PlannedRepeat | null {
  if (!run.plan) return null;
  const latencies = run.requests.flatMap((r) => (r.ok && r.latencyMs !== null ? [r.latencyMs] : []));
  const summary = run.ledger.rows.length ? summariseRows(run.ledger.rows) : undefined;
  const rows = planCheckRows(run.plan, { window: run.configuration.window ?? 3, ratePerSecond: run.configuration.ratePerSecond }, latencies, summary);
  const pair = (key: 'latency' | 'energy' | 'grams'): PlannedPair | undefined => {
    const row = rows.find((r) => r.key === key);
    return row && row.predicted !== null && row.measured !== null && row.measured > 0 ? { predicted: row.predicted, measured: row.measured } : undefined;
  };
  const latencyMs = pair('latency'), energyJoules = pair('energy'), gramsCo2 = pair('grams');
  return { ...(latencyMs ? { latencyMs } : {}), ...(energyJoules ? { energyJoules } : {}), ...(gramsCo2 ? { gramsCo2 } : {}) };
}
