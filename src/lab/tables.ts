/**
 * Terminal tables shaped like the paper's Table II (latency, req/s, gCO2 per inference, change vs
 * monolithic) and Table V (node usage per configuration), with our 95% intervals.
 */
import { budgetVerdicts, replicaVerdicts, type ConfigurationResult, type ExperimentResults } from './results';
import type { Estimate } from './stats';
import { median } from '../cost/robust-stats';

const pad = (text: string, width: number, left = false) => (left ? text.padEnd(width) : text.padStart(width));

/** `12.3 ±0.4` (half width of the 95% interval), or the mean alone with one repetition. */
export function formatEstimate(e: Estimate, digits: number, exponential = false): string {
  const f = (x: number) => (!Number.isFinite(x) ? '-' : exponential ? x.toExponential(digits) : x.toFixed(digits));
  if (e.low === null || e.high === null) return f(e.mean);
  return `${f(e.mean)} ±${f((e.high - e.low) / 2)}`;
}

/** Change vs monolithic as the paper prints it: `22.9% less` / `26.7% more`. */
export function formatChange(reduction: Estimate): string {
  if (!Number.isFinite(reduction.mean)) return '-';
  if (Math.abs(reduction.mean) < 5e-4) return '-';
  const half = reduction.low === null || reduction.high === null ? '' : ` ±${((reduction.high - reduction.low) * 50).toFixed(1)}`;
  return `${(Math.abs(reduction.mean) * 100).toFixed(1)}%${half} ${reduction.mean > 0 ? 'less' : 'more'}`;
}

/** Table II: one line per configuration. */
export function tableTwo(results: ExperimentResults): string[] {
  const head = `${pad('configuration', 26, true)} ${pad('latency ms', 16)} ${pad('req/s', 13)} ${pad('J/inf', 15)} ${pad('gCO2/inference', 22)} ${pad('inf/gCO2', 16)} ${pad('vs monolithic', 18)} ${pad('plan ms/req', 12)}`;
  const lines = [head, '-'.repeat(head.length)];
  for (const c of results.configurations) {
    if (c.errors.length && !Number.isFinite(c.latencyMs.mean)) {
      lines.push(`${pad(c.label, 26, true)} failed: ${c.errors[0]}`);
      continue;
    }
    lines.push(
      `${pad(c.label, 26, true)} ${pad(formatEstimate(c.latencyMs, 1), 16)} ${pad(formatEstimate(c.throughputPerSecond, 2), 13)} ${pad(formatEstimate(c.energyJoulesPerInference, 3), 15)} ${pad(formatEstimate(c.gramsCo2PerInference, 2, true), 22)} ${pad(formatEstimate(c.inferencesPerGramCo2, 0), 16)} ${pad(c.label === results.monolithic ? '(reference)' : formatChange(c.reductionVsMonolithic), 18)} ${pad(c.planningMsPerRequest.mean.toFixed(3), 12)}`,
    );
  }
  return lines;
}

/** Table V: share of busy time per node, plus the placement. Large swarms list only the nodes used. */
export function tableFive(results: ExperimentResults): string[] {
  const all = results.nodes.map((n) => n.name);
  const used = all.filter((n) => results.configurations.some((c) => (c.nodeUsage[n] ?? 0) > 0));
  const names = all.length > 12 ? used : all;
  const head = `${pad('configuration', 26, true)} ${names.map((n) => pad(n, Math.max(8, n.length))).join(' ')}  placement`;
  const lines = [head, '-'.repeat(head.length)];
  for (const c of results.configurations) {
    const cells = names.map((n) => pad(c.nodeUsage[n] ? `${(c.nodeUsage[n]! * 100).toFixed(0)}%` : '-', Math.max(8, n.length)));
    lines.push(`${pad(c.label, 26, true)} ${cells.join(' ')}  ${c.placement}${paperNote(c)}`);
  }
  return lines;
}

/**
 * Predicted vs measured latency per configuration (browser runs): the planner's figure before any
 * execution and after the warm-up calibrated it, at the run's requests in flight, with errors
 * (predicted / measured - 1) and the largest |error| after the warm-up (issue 11's goal: 15%).
 */
export function predictionTable(results: ExperimentResults): string[] {
  const rows = results.configurations.filter((c) => c.predicted && Number.isFinite(c.latencyMs.mean));
  if (results.method !== 'browsers' || rows.length === 0) return [];
  const err = (p: number | undefined, m: number) => (p === undefined ? '-' : `${p / m - 1 >= 0 ? '+' : ''}${((p / m - 1) * 100).toFixed(1)}%`);
  const head = `${pad('configuration', 26, true)} ${pad('predicted ms', 13)} ${pad('after warm-up', 14)} ${pad('measured', 9)} ${pad('error', 8)} ${pad('after warm-up', 14)}`;
  const lines = [head, '-'.repeat(head.length)];
  let worst: { label: string; error: number } | undefined;
  for (const c of rows) {
    const m = c.latencyMs.mean;
    const after = c.predictedCalibrated?.latencyMs;
    lines.push(`${pad(c.label, 26, true)} ${pad(c.predicted!.latencyMs.toFixed(1), 13)} ${pad(after === undefined ? '-' : after.toFixed(1), 14)} ${pad(m.toFixed(1), 9)} ${pad(err(c.predicted!.latencyMs, m), 8)} ${pad(err(after, m), 14)}`);
    if (after !== undefined && (!worst || Math.abs(after / m - 1) > Math.abs(worst.error))) worst = { label: c.label, error: after / m - 1 };
  }
  if (worst) lines.push(`largest |error| after the warm-up: ${err(worst.error + 1, 1)} (${worst.label}; goal within 15%)`);
  // Per slice (each configuration's first repetition; report.html lists them).
  const slices = rows.flatMap((c) => c.slicePredictions ?? []).map((s) => Math.abs(s.calibratedMs / s.measuredMs - 1));
  if (slices.length) lines.push(`per slice after the warm-up: median |error| ${(median(slices) * 100).toFixed(1)}% over ${slices.length} slices, ${slices.filter((e) => e <= 0.1).length} within 10% (goal 10%; each in report.html)`);
  return lines;
}

function paperNote(c: ConfigurationResult): string {
  if (!c.paperUsage) return '';
  const split = Object.entries(c.paperUsage).filter(([, s]) => s > 0);
  return split.length > 1 ? `  (policy routing: ${split.map(([n, s]) => `${n} ${(s * 100).toFixed(0)}%`).join(', ')})` : '';
}

/**
 * The carbon headline for the terminal, honest about direction (issue 14: it once called a split
 * that emitted 161% more carbon "lowest-carbon"): first the lowest-carbon configuration of ALL,
 * then our best (planner, split, sweep) against monolithic and paper-green, saying `more` when it
 * emitted more and `same placement` when it ran the same work. Same rules as the HTML report's
 * carbonHeadline (src/lab/report-html.ts).
 */
export function headline(results: ExperimentResults): string[] {
  const ok = results.configurations.filter((c) => Number.isFinite(c.gramsCo2PerInference.mean));
  if (ok.length === 0) return [];
  const grams = (c: ConfigurationResult) => c.gramsCo2PerInference.mean;
  const lowest = [...ok].sort((a, b) => grams(a) - grams(b))[0]!;
  const ours = ok.filter((c) => c.kind === 'planner' || c.kind === 'split' || c.kind === 'sweep').sort((a, b) => grams(a) - grams(b))[0];
  const green = ok.find((c) => c.label === 'paper-green');
  const mono = ok.find((c) => c.label === results.monolithic);
  const vs = (a: ConfigurationResult, b: ConfigurationResult) => {
    const change = 1 - grams(a) / grams(b);
    const text = `${(Math.abs(change) * 100).toFixed(1)}% ${change >= 0 ? 'less' : 'more'} carbon, latency ${a.latencyMs.mean.toFixed(1)} vs ${b.latencyMs.mean.toFixed(1)} ms`;
    // Same placement = same work: any difference is run-to-run noise, and is labelled so.
    return a.placement === b.placement ? `same placement; ${text} is run-to-run noise` : text;
  };
  const warning = results.notes.find((n) => n.startsWith('WARNING: measured speed'));
  const lines = [
    ...(warning ? [warning, '(the comparison below is shown for the record only)'] : []),
    `lowest-carbon configuration: ${lowest.label} (${lowest.placement})`,
  ];
  lines.push(...budgetVerdicts(results.configurations), ...replicaVerdicts(results.configurations));
  if (!ours) return lines;
  if (ours !== lowest) lines.push(`our best: ${ours.label} (${ours.placement})`);
  if (mono && mono !== ours) lines.push(`  ${ours.label} vs monolithic (${mono.label}): ${vs(ours, mono)}`);
  if (green && green !== ours) lines.push(`  ${ours.label} vs paper-green (${green.placement}): ${vs(ours, green)}`);
  return lines;
}
