/**
 * Two or more kept runs side by side (issue 14, "compares any two or more side by side"): one row
 * per figure, one cell per run, the best cell marked where lower or higher is better. Figures come
 * from run-totals.ts (sums of the rows); text is formatted for people (src/ui/format.ts). A row
 * says when the runs differ by less than their latency intervals, so a class does not read noise as
 * a result: on one shared machine a single run's joules vary by +-50% (issue 14).
 */
import { formatDuration, formatGramsCo2, formatJoules, formatSignificant, MASS_UNITS, commonUnit, ENERGY_UNITS } from '../ui/format';
import { describePlan, nodeNames, runTitle, type RunRecord } from './run-record';
import { runTotals } from './run-totals';

/** One compared figure. */
export interface ComparisonRow {
  /** Stable key, e.g. `gramsCo2PerInference`. */
  readonly key: string;
  readonly label: string;
  /** Raw value per run (null for text rows or missing figures). */
  readonly values: readonly (number | null)[];
  /** Text per run, for the page. */
  readonly text: readonly string[];
  /** Index of the best run for this figure, when the figure has a direction and the runs differ. */
  readonly best: number | null;
}

/** The comparison of `runs` (at least two; throws RangeError otherwise). */
export function compareRuns(runs: readonly RunRecord[]): ComparisonRow[] {
  if (runs.length < 2) throw new RangeError(`comparing needs at least two runs, got ${runs.length}`);
  const totals = runs.map(runTotals);
  const textRow = (key: string, label: string, text: string[]): ComparisonRow => ({ key, label, values: runs.map(() => null), text, best: null });
  const numberRow = (key: string, label: string, values: number[], show: (v: number, i: number) => string, better: 'lower' | 'higher' | null): ComparisonRow => {
    const finite = values.map((v, i) => [v, i] as const).filter(([v]) => Number.isFinite(v));
    let best: number | null = null;
    if (better && finite.length >= 2 && new Set(finite.map(([v]) => v)).size > 1) {
      best = finite.reduce((a, b) => ((better === 'lower' ? b[0] < a[0] : b[0] > a[0]) ? b : a))[1];
    }
    return { key, label, values: values.map((v) => (Number.isFinite(v) ? v : null)), text: values.map(show), best };
  };
  const gramsUnit = commonUnit(totals.map((t) => t.gramsCo2PerInference), MASS_UNITS);
  const runGramsUnit = commonUnit(totals.map((t) => t.total.gramsCo2), MASS_UNITS);
  const joulesUnit = commonUnit(totals.map((t) => t.total.energyJoules), ENERGY_UNITS);
  const rows: ComparisonRow[] = [
    textRow('title', 'run', runs.map(runTitle)),
    textRow('startedAt', 'started', runs.map((r) => r.startedAt.replace('T', ' ').slice(0, 19))),
    textRow('nodes', 'nodes', runs.map((r) => r.nodes.map((n) => `${n.name} (${n.intensityConfigured ? 'configured ' : ''}${formatSignificant(n.gramsCo2PerKwh)} gCO2/kWh)`).join(', '))),
    textRow('placement', 'placement', runs.map((r) => describePlan(r.plan, nodeNames(r)) || '-')),
    numberRow('completed', 'inferences completed', totals.map((t) => t.completed), (v) => String(v), 'higher'),
    numberRow('failed', 'failed', totals.map((t) => t.failed), (v) => String(v), 'lower'),
    numberRow('latencyMs', 'latency per inference (mean, 95%)', totals.map((t) => t.latencyMs.mean), (_, i) => latencyText(totals[i]!.latencyMs), 'lower'),
    numberRow('energyJoules', 'energy, whole run', totals.map((t) => t.total.energyJoules), (v) => formatJoules(v, joulesUnit), 'lower'),
    numberRow('gramsCo2', 'gCO2, whole run', totals.map((t) => t.total.gramsCo2), (v) => formatGramsCo2(v, runGramsUnit), 'lower'),
    numberRow('energyJoulesPerInference', 'energy per inference', totals.map((t) => t.energyJoulesPerInference), (v) => formatJoules(v), 'lower'),
    numberRow('gramsCo2PerInference', 'gCO2 per inference', totals.map((t) => t.gramsCo2PerInference), (v) => formatGramsCo2(v, gramsUnit), 'lower'),
  ];
  // Baselines are predictions: against a run's own plan as predicted when it has one (like for
  // like), else against the measured run (the planner model's error then shows in the figure).
  const keys = [...new Set(runs.flatMap((r) => r.baselines.map((b) => b.key)))].filter((k) => k !== 'plan-predicted');
  const likeForLike = runs.some((r) => r.baselines.some((b) => b.key === 'plan-predicted'));
  for (const key of keys) {
    const label = runs.flatMap((r) => r.baselines).find((b) => b.key === key)!.label.replace(/ \(.*\)$/, '');
    rows.push(numberRow(`saved:${key}`, `gCO2 saved per inference vs ${label}${likeForLike ? ' (plan and baseline both predicted)' : ''}`, runs.map((r, i) => {
      const b = r.baselines.find((x) => x.key === key);
      const own = r.baselines.find((x) => x.key === 'plan-predicted');
      return !b ? NaN : own ? b.gramsCo2PerInference - own.gramsCo2PerInference : b.gramsCo2PerInference - totals[i]!.gramsCo2PerInference;
    }), (v) => formatGramsCo2(v, gramsUnit), 'higher'));
  }
  rows.push(textRow('certainty', 'how sure', runs.map((_, i) => certainty(totals, i))));
  return rows;
}

/** Whether run i's latency interval overlaps another run's; single runs have no interval. */
function certainty(totals: readonly ReturnType<typeof runTotals>[], i: number): string {
  const t = totals[i]!.latencyMs;
  if (t.low === null || t.high === null) return 'one request: no interval';
  const overlaps = totals.some((o, k) => k !== i && o.latencyMs.low !== null && o.latencyMs.high !== null && o.latencyMs.low <= t.high! && t.low! <= o.latencyMs.high);
  return `${t.n} requests; energy is one run (no repeat): differences under ~50% may be noise${overlaps ? '; latency intervals overlap another run' : ''}`;
}

function latencyText(e: ReturnType<typeof runTotals>['latencyMs']): string {
  return e.low === null || e.high === null ? formatDuration(e.mean) : `${formatDuration(e.mean)} (95%: ${formatDuration(e.low)} to ${formatDuration(e.high)})`;
}
