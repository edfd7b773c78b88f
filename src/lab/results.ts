/**
 * What an experiment measured, per repetition and per configuration. Per repetition of a
 * configuration (n = inferences completed):
 *
 *     latency ms           = mean over requests of (result time - send time)
 *     throughput /s        = n / (last result - deployment done) x 1000
 *     energy J / inference = ledger total J / n     (estimated power: P(u) x wall, u = busy / wall)
 *     gCO2 / inference     = ledger total gCO2 / n; inferences per gCO2 = 1 / that
 *     planning ms / request = (planner time of the run + paper policy decisions) / n
 *     node usage share     = busy ms of the node / busy ms of all nodes
 *
 * Per configuration: mean and 95% interval over repetitions (stats.ts); reduction vs monolithic =
 * 1 - gCO2(config) / mean gCO2(monolithic), per repetition.
 */
import type { LedgerRow } from '../carbon/ledger';
import type { Placement, PlanNode } from '../plan/plan-types';
import { latencyInFlightMs, throughputInFlight } from '../plan/queueing';
import type { LabAudits, LabNodeInfo, LabRunRecord } from './lab-api';
import type { ExpandedConfiguration } from './configurations';
import { estimate, mean, type Estimate } from './stats';
import { median } from '../cost/robust-stats';

/** Figures of one repetition of one configuration. */
export interface RepeatMeasure {
  readonly configuration: string;
  readonly repeat: number;
  readonly completed: number;
  readonly failed: number;
  readonly latencyMs: number;
  readonly throughputPerSecond: number;
  readonly energyJoulesPerInference: number;
  readonly gramsCo2PerInference: number;
  readonly planningMsPerRequest: number;
  /** Busy ms per node name. */
  readonly busyMsByNode: Readonly<Record<string, number>>;
  /** `[start,end)@name` per slice. */
  readonly placement: string;
  /** The planner's prediction for the placement, per inference. */
  readonly predicted?: { readonly latencyMs: number; readonly throughputPerSecond: number; readonly energyJoules: number; readonly gramsCo2: number };
  /** The same, predicted again after the warm-up calibrated the cost model (browser runs). */
  readonly predictedCalibrated?: RepeatMeasure['predicted'];
  /** Per-slice predictions after the warm-up vs the run's measured medians (browser runs). */
  readonly slicePredictions?: readonly { readonly node: string; readonly slice: string; readonly basePredictedMs: number; readonly calibratedMs: number; readonly measuredMs: number; readonly executions?: number; readonly calibratedFrom?: number }[];
  /** The latency budget the run was planned with, ms (relative budgets resolved). */
  readonly latencyBudgetMs?: number;
  /** What a relative budget was resolved from (browser runs). */
  readonly latencyBudgetBasis?: LabRunRecord['latencyBudgetBasis'];
  /** The budget check after the warm-up (browser runs planned with a budget): its outcome and why. */
  readonly budgetCheck?: LabRunRecord['budgetCheck'];
  /** What the run's audits found, when it audited. */
  readonly audits?: LabAudits;
  readonly error?: string;
}

/** One configuration over its repetitions. */
export interface ConfigurationResult {
  readonly label: string;
  readonly kind: ExpandedConfiguration['kind'];
  readonly carbonWeight?: number;
  readonly placement: string;
  /** Paper modes: the policy's routing shares (the whole model ran on the majority node). */
  readonly paperUsage?: Readonly<Record<string, number>>;
  readonly latencyMs: Estimate;
  readonly throughputPerSecond: Estimate;
  readonly energyJoulesPerInference: Estimate;
  readonly gramsCo2PerInference: Estimate;
  readonly inferencesPerGramCo2: Estimate;
  /** 1 - gCO2 / gCO2(monolithic); positive = less carbon. */
  readonly reductionVsMonolithic: Estimate;
  readonly planningMsPerRequest: Estimate;
  /** Mean share of busy time per node name. */
  readonly nodeUsage: Readonly<Record<string, number>>;
  /** Mean over the repetitions of their own predictions, before any execution. */
  readonly predicted?: RepeatMeasure['predicted'];
  /** Mean over the repetitions of their predictions after their own warm-up. */
  readonly predictedCalibrated?: RepeatMeasure['predicted'];
  readonly slicePredictions?: RepeatMeasure['slicePredictions'];
  /** The mean of the repetitions' latency budgets, ms (a relative budget differs between repetitions). */
  readonly latencyBudgetMs?: number;
  /** What the first repetition's relative budget was resolved from. */
  readonly latencyBudgetBasis?: RepeatMeasure['latencyBudgetBasis'];
  /** Re-plans over all repetitions after a warm-up measured the placement over its budget. */
  readonly budgetReplans?: number;
  /** Repetitions whose measured mean latency was over their own budget. */
  readonly overBudgetRepetitions?: number;
  /** Audits over all repetitions, when the runs audited. */
  readonly audits?: LabAudits;
  readonly failed: number;
  readonly errors: readonly string[];
}

/** A raw per-request row. */
export interface RequestRow {
  readonly configuration: string;
  readonly repeat: number;
  readonly requestId: number;
  readonly ok: boolean;
  readonly latencyMs: number | null;
  readonly attempts: number;
  readonly reason: string;
}

/** The ledger rows of one repetition. */
export interface RunRows {
  readonly configuration: string;
  readonly repeat: number;
  readonly rows: readonly LedgerRow[];
}

/** Everything an experiment writes (results.json). */
export interface ExperimentResults {
  readonly format: 'carbonedge-lab/1';
  readonly scenario: string;
  /** `browsers` = measured in headless Chromium; `simulate` = the planner's model, no browsers. */
  readonly method: 'browsers' | 'simulate';
  readonly model: string;
  readonly inferences: number;
  readonly repetitions: number;
  readonly monolithic: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly environment: Readonly<Record<string, string | number>>;
  readonly nodes: readonly LabNodeInfo[];
  readonly configurations: readonly ConfigurationResult[];
  readonly requests: readonly RequestRow[];
  readonly runs: readonly RunRows[];
  readonly notes: readonly string[];
}

/** Measured speed x configured slowdown must agree within this factor across a scenario's nodes. */
export const SPEED_AGREEMENT = 1.35;

/** What {@link speedAgreement} needs of a node. */
export interface SpeedSample {
  readonly name: string;
  readonly slowdown: number;
  /** The one-model self-benchmark's FLOP/s (best backend). */
  readonly flopsPerSecond: number;
  readonly planNode?: { readonly costByBackend?: PlanNode['costByBackend'] };
}

/** Geometric mean of a measured cost's per-operator-class FLOP/s (best backend), or undefined. */
function costSpeed(node: SpeedSample): number | undefined {
  const costs = Object.values(node.planNode?.costByBackend ?? {}).filter((c): c is NonNullable<typeof c> => c !== undefined);
  const speeds = costs.flatMap((c) => {
    const rates = Object.values(c.flopsPerSecondByOpClass).filter((r): r is number => typeof r === 'number' && r > 0);
    return rates.length ? [Math.exp(rates.reduce((a, r) => a + Math.log(r), 0) / rates.length)] : [];
  });
  return speeds.length ? Math.max(...speeds) : undefined;
}

/** What nodes are judged on: their cost models when every node has one, else the self-benchmark. */
export type SpeedBasis = 'cost model' | 'self-benchmark';

/** {@link SpeedBasis} of a set of nodes. */
export function speedBasis(all: readonly SpeedSample[]): SpeedBasis {
  return all.every((n) => costSpeed(n) !== undefined) ? 'cost model' : 'self-benchmark';
}

/**
 * The speed figure a node is judged on: the geometric mean of its measured per-operator-class rates
 * (the cost model the planner ranks nodes by) on the 'cost model' basis, else the one-model
 * self-benchmark's FLOP/s. The self-benchmark times one small model (paddle-cls) and moved 2-3x
 * between measurements of the same page in a quiet room, while the cost models of a run's pages
 * agreed within 1.00-1.11x in most lab runs (2026-12-04; docs/decisions.md).
 */
export function judgedSpeed(node: SpeedSample, basis: SpeedBasis): number {
  return (basis === 'cost model' ? costSpeed(node) : undefined) ?? node.flopsPerSecond;
}

/**
 * Whether the nodes' measured speeds match their configured slowdowns: speed x slowdown is the
 * speed each node would have unslowed, the same machine for every lab page. When the largest and
 * smallest differ by more than {@link SPEED_AGREEMENT}, the ranking a plan relies on may be wrong
 * and a comparison between configurations does not hold: the warning says so. Speeds are
 * {@link judgedSpeed}'s.
 */
export function speedAgreement(nodes: readonly SpeedSample[]): { ratio: number; basis: SpeedBasis; warning?: string } {
  const basis = speedBasis(nodes);
  const unslowed = nodes.map((n) => ({ name: n.name, v: judgedSpeed(n, basis) * n.slowdown })).filter((n) => n.v > 0);
  if (unslowed.length < 2) return { ratio: 1, basis };
  const lo = unslowed.reduce((a, b) => (b.v < a.v ? b : a));
  const hi = unslowed.reduce((a, b) => (b.v > a.v ? b : a));
  const ratio = hi.v / lo.v;
  if (ratio <= SPEED_AGREEMENT) return { ratio, basis };
  return {
    ratio,
    basis,
    warning: `WARNING: measured speed (${basis}) x configured slowdown differs ${ratio.toFixed(2)}x between ${hi.name} and ${lo.name} (allowed ${SPEED_AGREEMENT}x): the machine was busy while the nodes benchmarked, so the nodes' ranking and any comparison between configurations may not hold`,
  };
}

/** `[start,end)@name` per slice of the first pipeline (names from `names`). */
export function describePlacement(placement: Placement | undefined, names: Readonly<Record<string, string>>): string {
  if (!placement) return '';
  return placement.pipelines
    .map((p) => p.slices.map((s) => `[${s.sliceRange[0]},${s.sliceRange[1]})@${names[s.nodeId] ?? s.nodeId}`).join(' > '))
    .join(' | ');
}

/** Figures of one browser run. `extraPlanningMs` adds the paper policy's decisions. */
export function measureRun(label: string, repeat: number, record: LabRunRecord, extraPlanningMs = 0): RepeatMeasure {
  const ok = record.outcomes.filter((o) => o.ok);
  const n = ok.length;
  const busy: Record<string, number> = {};
  for (const row of record.rows) {
    if (row.type !== 'execution') continue;
    const name = record.nodeNames[row.nodeId] ?? row.nodeId;
    busy[name] = (busy[name] ?? 0) + (row.busyMs ?? 0);
  }
  const total = record.summary?.total;
  const p = record.placement?.prediction;
  const pipelines = Math.max(1, record.placement?.pipelines.length ?? 1);
  return {
    configuration: label,
    repeat,
    completed: n,
    failed: record.outcomes.length - n,
    latencyMs: mean(ok.map((o) => o.latencyMs ?? NaN)),
    throughputPerSecond: record.runWallMs > 0 ? (n / record.runWallMs) * 1000 : NaN,
    energyJoulesPerInference: total && n ? total.energyJoules / n : NaN,
    // Operational grams: what the planner predicts and the paper reports (embodied is shown apart).
    gramsCo2PerInference: total && n ? total.operationalGramsCo2 / n : NaN,
    planningMsPerRequest: (record.planningMs + extraPlanningMs) / Math.max(1, record.settings.inferences),
    busyMsByNode: busy,
    placement: describePlacement(record.placement, record.nodeNames),
    // Latency and throughput as the run sees them: with `window` requests in flight per pipeline (src/plan/queueing.ts).
    ...(p ? { predicted: pick4(p, record.settings.window, pipelines) } : {}),
    ...(record.calibratedPrediction ? { predictedCalibrated: pick4(record.calibratedPrediction, record.settings.window, pipelines) } : {}),
    ...(record.predictionsAfterWarmup?.length ? { slicePredictions: slicePredictions(record) } : {}),
    ...(record.latencyBudgetMs !== undefined ? { latencyBudgetMs: record.latencyBudgetMs } : {}),
    ...(record.latencyBudgetBasis ? { latencyBudgetBasis: record.latencyBudgetBasis } : {}),
    ...(record.budgetCheck ? { budgetCheck: record.budgetCheck } : {}),
    ...(record.audits ? { audits: record.audits } : {}),
    ...(record.error ? { error: record.error } : {}),
  };
}

/** Field-wise mean of the repetitions' predictions that exist, or undefined when none does. */
function meanPrediction(all: readonly RepeatMeasure['predicted'][]): RepeatMeasure['predicted'] {
  const ps = all.filter((p): p is NonNullable<RepeatMeasure['predicted']> => p !== undefined);
  if (!ps.length) return undefined;
  const avg = (f: (p: NonNullable<RepeatMeasure['predicted']>) => number) => mean(ps.map(f));
  return { latencyMs: avg((p) => p.latencyMs), throughputPerSecond: avg((p) => p.throughputPerSecond), energyJoules: avg((p) => p.energyJoules), gramsCo2: avg((p) => p.gramsCo2) };
}

function pick4(p: NonNullable<LabRunRecord['calibratedPrediction']>, window: number, pipelines: number): NonNullable<RepeatMeasure['predicted']> {
  const latencyMs = window >= 1 ? latencyInFlightMs(p, window, pipelines) : p.latencyMs;
  const throughputPerSecond = window >= 1 ? throughputInFlight(p, window, pipelines) : p.throughputPerSecond;
  return { latencyMs, throughputPerSecond, energyJoules: p.energyJoules, gramsCo2: p.gramsCo2 };
}

/**
 * Per slice: the prediction before the run, after the warm-up (calibrated, from `calibratedFrom`
 * executions: a slice's first on a node and those of the burst that fills the pipeline are not fed
 * to the calibration), and the measured median wall ms of all the run's executions of that slice
 * (its ledger rows; the warm-up's are left out).
 * Not the calibration's window of the last 9: those are the run's tail, where the pipeline drains
 * and executions overlap less, and 9 samples of walls that vary 3x on a shared host are too few.
 */
function slicePredictions(record: LabRunRecord): NonNullable<RepeatMeasure['slicePredictions']> {
  const end = new Map((record.predictions ?? []).map((r) => [`${r.nodeId}|${r.sliceKey}`, r]));
  return (record.predictionsAfterWarmup ?? []).flatMap((r) => {
    const last = end.get(`${r.nodeId}|${r.sliceKey}`);
    if (!last) return [];
    const [, , start, stop] = r.sliceKey.split('|');
    const walls = sliceWalls(record, r.nodeId, Number(start), Number(stop));
    // A slice of a placement the run left before measuring (a budget re-plan) was not measured.
    if (!walls) return [];
    const measuredMs = walls.length ? median(walls) : last.measuredWallMs;
    return [{ node: record.nodeNames[r.nodeId] ?? r.nodeId, slice: `[${start},${stop})@${r.backend}`, basePredictedMs: r.basePredictedMs, calibratedMs: r.predictedMs, measuredMs, executions: walls.length, calibratedFrom: r.executions }];
  });
}

/** A run's slices together: the sums of their predictions before and after the warm-up and of their measured medians. */
export function slicesTogether(slices: NonNullable<RepeatMeasure['slicePredictions']>): { readonly basePredictedMs: number; readonly calibratedMs: number; readonly measuredMs: number } {
  const sum = (key: 'basePredictedMs' | 'calibratedMs' | 'measuredMs') => slices.reduce((a, s) => a + s[key], 0);
  return { basePredictedMs: sum('basePredictedMs'), calibratedMs: sum('calibratedMs'), measuredMs: sum('measuredMs') };
}

/** Wall ms of every execution in the run's ledger of the slice [start, stop) on `nodeId`; undefined when the run's placement has no such slice. */
function sliceWalls(record: LabRunRecord, nodeId: string, start: number, stop: number): number[] | undefined {
  // Slice ids number the slices of all pipelines in order (src/swarm/deployment.ts: a replica's
  // first slice is not slice0).
  const ids = new Set<string>();
  let index = 0;
  for (const p of record.placement?.pipelines ?? []) {
    for (const s of p.slices) {
      if (s.nodeId === nodeId && s.sliceRange[0] === start && s.sliceRange[1] === stop) ids.add(`slice${index}`);
      index++;
    }
  }
  if (record.placement && ids.size === 0) return undefined;
  return record.rows.flatMap((row) => (row.type === 'execution' && row.nodeId === nodeId && ids.has(row.sliceId ?? '') && row.wallMs !== null ? [row.wallMs] : []));
}

/** Per-request rows of one browser run. */
export function requestRows(label: string, repeat: number, record: LabRunRecord): RequestRow[] {
  return record.outcomes.map((o) => ({ configuration: label, repeat, requestId: o.requestId, ok: o.ok, latencyMs: o.latencyMs ?? null, attempts: o.attempts, reason: o.reason ?? '' }));
}

/** The audits of several repetitions together (quarantined names once each). */
export function sumAudits(audits: readonly LabAudits[]): LabAudits {
  return {
    requestsAudited: audits.reduce((a, x) => a + x.requestsAudited, 0),
    slicesJudged: audits.reduce((a, x) => a + x.slicesJudged, 0),
    mismatches: audits.reduce((a, x) => a + x.mismatches, 0),
    quarantined: [...new Set(audits.flatMap((x) => x.quarantined))],
    refereeMs: audits.reduce((a, x) => a + x.refereeMs, 0),
  };
}

/** Aggregate repetitions per configuration, in `configs` order; `monolithic` is the reference label. */
export function aggregate(
  configs: readonly ExpandedConfiguration[],
  measures: readonly RepeatMeasure[],
  monolithic: string,
  paperUsage: Readonly<Record<string, Readonly<Record<string, number>>>> = {},
): ConfigurationResult[] {
  const of = (label: string) => measures.filter((m) => m.configuration === label && !m.error);
  const monoGrams = mean(of(monolithic).map((m) => m.gramsCo2PerInference));
  return configs.map((c) => {
    const ms = of(c.label);
    const all = measures.filter((m) => m.configuration === c.label);
    const usage: Record<string, number> = {};
    for (const m of ms) {
      const total = Object.values(m.busyMsByNode).reduce((a, b) => a + b, 0);
      for (const [name, busy] of Object.entries(m.busyMsByNode)) usage[name] = (usage[name] ?? 0) + (total > 0 ? busy / total / ms.length : 0);
    }
    const predicted = meanPrediction(ms.map((m) => m.predicted));
    const predictedCalibrated = meanPrediction(ms.map((m) => m.predictedCalibrated));
    return {
      label: c.label,
      kind: c.kind,
      ...(c.carbonWeight !== undefined ? { carbonWeight: c.carbonWeight } : {}),
      placement: ms[0]?.placement ?? '',
      ...(paperUsage[c.label] ? { paperUsage: paperUsage[c.label] } : {}),
      latencyMs: estimate(ms.map((m) => m.latencyMs)),
      throughputPerSecond: estimate(ms.map((m) => m.throughputPerSecond)),
      energyJoulesPerInference: estimate(ms.map((m) => m.energyJoulesPerInference)),
      gramsCo2PerInference: estimate(ms.map((m) => m.gramsCo2PerInference)),
      inferencesPerGramCo2: estimate(ms.map((m) => 1 / m.gramsCo2PerInference)),
      reductionVsMonolithic: estimate(ms.map((m) => 1 - m.gramsCo2PerInference / monoGrams)),
      planningMsPerRequest: estimate(ms.map((m) => m.planningMsPerRequest)),
      nodeUsage: usage,
      // Each repetition is predicted (before it ran, and after its own warm-up): the mean of those
      // predictions is what the mean measured is compared with, not the first repetition's alone.
      ...(predicted ? { predicted } : {}),
      ...(predictedCalibrated ? { predictedCalibrated } : {}),
      ...(ms[0]?.slicePredictions ? { slicePredictions: ms[0].slicePredictions } : {}),
      // Relative budgets differ between repetitions (each scales what its own repetition measured):
      // the mean budget is what the mean latency is held to, and each repetition to its own below.
      ...(ms.some((m) => m.latencyBudgetMs !== undefined) ? { latencyBudgetMs: mean(ms.flatMap((m) => (m.latencyBudgetMs !== undefined ? [m.latencyBudgetMs] : []))) } : {}),
      ...(ms[0]?.latencyBudgetBasis ? { latencyBudgetBasis: ms[0].latencyBudgetBasis } : {}),
      ...(ms.some((m) => m.budgetCheck) ? { budgetReplans: ms.reduce((a, m) => a + (m.budgetCheck?.replans ?? 0), 0) } : {}),
      ...(ms.some((m) => m.latencyBudgetMs !== undefined) ? { overBudgetRepetitions: ms.filter((m) => m.latencyBudgetMs !== undefined && m.latencyMs > m.latencyBudgetMs).length } : {}),
      ...(all.some((m) => m.audits) ? { audits: sumAudits(all.flatMap((m) => (m.audits ? [m.audits] : []))) } : {}),
      failed: all.reduce((a, m) => a + m.failed, 0),
      errors: all.flatMap((m) => (m.error ? [`repeat ${m.repeat}: ${m.error}`] : [])),
    };
  });
}

/** Whether a placement (as `describePlacement` writes it) is the whole model on one node: one slice, one pipeline. */
export function isWholeModel(placement: string): boolean {
  return placement !== '' && !placement.includes('>') && !placement.includes('|');
}

/**
 * For each configuration planned with a latency budget: did it meet the budget, and did it emit
 * less than every whole-model placement (monolithic or paper configurations: one node, one slice)
 * that met the same budget? Measured means only; one line each (issue 12: "a split beats every
 * whole-model placement on grams within its latency budget").
 */
export function budgetVerdicts(configurations: readonly ConfigurationResult[]): string[] {
  const whole = configurations.filter((c) => (c.kind === 'monolithic' || c.kind === 'paper') && Number.isFinite(c.gramsCo2PerInference.mean) && isWholeModel(c.placement));
  return configurations.flatMap((c) => {
    const budget = c.latencyBudgetMs;
    if (budget === undefined || !Number.isFinite(c.gramsCo2PerInference.mean)) return [];
    const ms = c.latencyMs.mean;
    const split = c.placement.includes('>') ? 'a split' : c.placement.includes('|') ? 'replicated' : 'the whole model';
    const replanned = c.budgetReplans ? ` (re-planned ${c.budgetReplans} time${c.budgetReplans === 1 ? '' : 's'} after a warm-up measured it over the budget)` : '';
    const reps = c.latencyMs.n;
    const overReps = c.overBudgetRepetitions ? `; ${c.overBudgetRepetitions} of ${reps} repetition${reps === 1 ? '' : 's'} over its own budget` : '';
    const basis = c.latencyBudgetBasis ? ` (from the fastest whole model ${c.latencyBudgetBasis})` : '';
    const head = `${c.label} (${split}, ${c.placement})${replanned}: budget ${budget.toFixed(1)} ms${basis}, measured ${ms.toFixed(1)} ms`;
    if (ms > budget) return [`${head}: over its budget${overReps}`];
    const within = whole.filter((w) => w.latencyMs.mean <= budget);
    if (within.length === 0) return [`${head}: no whole-model placement met the budget${overReps}`];
    const best = within.reduce((a, b) => (b.gramsCo2PerInference.mean < a.gramsCo2PerInference.mean ? b : a));
    const change = 1 - c.gramsCo2PerInference.mean / best.gramsCo2PerInference.mean;
    return [`${head}: ${(Math.abs(change) * 100).toFixed(1)}% ${change >= 0 ? 'less' : 'more'} carbon than the cleanest whole model within it (${best.label}, ${best.latencyMs.mean.toFixed(1)} ms)${overReps}`];
  });
}

/**
 * For each replicated configuration (pipelines side by side): its measured throughput against the
 * sum of what each node it used did alone (the monolithic configurations on those nodes), one line
 * each (issue 12: "replicated pipelines reach >= 0.9x the summed capacity of the pages used").
 */
export function replicaVerdicts(configurations: readonly ConfigurationResult[]): string[] {
  const alone = new Map(configurations.filter((c) => c.kind === 'monolithic' && Number.isFinite(c.throughputPerSecond.mean)).map((c) => [c.placement.replace(/^\[\d+,\d+\)@/, ''), c]));
  return configurations.flatMap((c) => {
    if (!c.placement.includes('|') || !Number.isFinite(c.throughputPerSecond.mean)) return [];
    const nodes = [...new Set(c.placement.split(' | ').flatMap((p) => p.split(' > ').map((s) => s.replace(/^\[\d+,\d+\)@/, ''))))];
    const missing = nodes.filter((n) => !alone.has(n));
    if (missing.length) return [`${c.label} (${c.placement}): ${c.throughputPerSecond.mean.toFixed(2)}/s; no run alone on ${missing.join(', ')} to compare with`];
    const sum = nodes.reduce((a, n) => a + alone.get(n)!.throughputPerSecond.mean, 0);
    return [`${c.label} (${nodes.length} nodes, ${c.placement.split(' | ').length} pipelines): ${c.throughputPerSecond.mean.toFixed(2)}/s = ${(c.throughputPerSecond.mean / sum).toFixed(2)}x the ${sum.toFixed(2)}/s its nodes reached alone`];
  });
}
