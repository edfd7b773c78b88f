/**
 * The time-shift study (issue 15): a scenario with a deferrable job and a 24-hour intensity profile
 * per zone; plan the job (src/carbon/time-shift.ts), then replay run-now and the shifted schedule
 * faster than real time (src/carbon/time-shift-replay.ts) and report grams and the saving.
 *
 * Scenario sections read here (beside the usual `nodes`):
 *
 *     "timeShift": { "inferences": 2000, "startsAt": "2020-05-21T20:30Z", "deadline": "2020-05-22T20:30Z",
 *                    "plannedOn": "average" },
 *     "intensityProfiles": { "GB": { "source": "...", "startsAt": "...", "stepMinutes": 30, "average": [...] } }
 *
 * Workers: each scenario node runs the whole model (rate = 3600 s / latency, energy = P_max x
 * latency from the planner's model of the node, as `--simulate` does). The runner is injectable: the
 * simulated one returns that modelled energy (labelled `simulated`); a browser run passes a runner
 * that runs a real inference on the node and returns the ledger's energy for it.
 */
import { parseIntensityProfiles, type ZoneProfile } from '../carbon/intensity-profile';
import type { IntensityKind } from '../carbon/intensity';
import { planTimeShift, type DeferrableJob, type ShiftWorker, type TimeShiftPlan } from '../carbon/time-shift';
import { measureTimeShiftSaving, type MeasuredTimeShift, type ReplayRunner } from '../carbon/time-shift-replay';
import { LabScenarioError, type LabNode } from './scenario';
import { toSimulatedPlanNode } from './simulate';

/** The study's settings, parsed from a scenario file. */
export interface TimeShiftStudySpec {
  readonly job: DeferrableJob;
  readonly plannedOn: IntensityKind;
  readonly profiles: Readonly<Record<string, ZoneProfile>>;
}

/** What the study found. */
export interface TimeShiftStudyResult {
  readonly method: 'simulate' | 'measured';
  readonly plan: TimeShiftPlan;
  readonly replay: MeasuredTimeShift;
  readonly workers: readonly ShiftWorker[];
}

function fail(path: string, message: string): never {
  throw new LabScenarioError(`scenario ${path}: ${message}`);
}

function time(value: unknown, path: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) fail(path, `must be an ISO 8601 time, got ${JSON.stringify(value)}`);
  return ms;
}

/**
 * Read `timeShift` and `intensityProfiles` from a raw scenario object; undefined when the scenario
 * has no `timeShift`. Throws LabScenarioError naming the field.
 */
export function parseTimeShiftStudy(raw: Record<string, unknown>): TimeShiftStudySpec | undefined {
  if (raw.timeShift === undefined) return undefined;
  const section = raw.timeShift;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) fail('timeShift', 'must be an object');
  const s = section as Record<string, unknown>;
  for (const key of Object.keys(s)) if (!['inferences', 'startsAt', 'deadline', 'plannedOn'].includes(key)) fail('timeShift', `unknown field "${key}"`);
  const inferences = s.inferences;
  if (typeof inferences !== 'number' || !Number.isInteger(inferences) || inferences < 1 || inferences > 1_000_000) fail('timeShift.inferences', `must be a whole number in 1..1000000, got ${JSON.stringify(inferences)}`);
  const plannedOn = s.plannedOn ?? 'average';
  if (plannedOn !== 'average' && plannedOn !== 'marginal') fail('timeShift.plannedOn', `must be average or marginal, got ${JSON.stringify(plannedOn)}`);
  const notBeforeMs = time(s.startsAt, 'timeShift.startsAt');
  const deadlineMs = time(s.deadline, 'timeShift.deadline');
  if (deadlineMs <= notBeforeMs) fail('timeShift.deadline', 'must be after timeShift.startsAt');
  if (raw.intensityProfiles === undefined) fail('intensityProfiles', 'a time-shift study needs a profile per zone (never invented)');
  let profiles: Record<string, ZoneProfile>;
  try {
    profiles = parseIntensityProfiles(raw.intensityProfiles);
  } catch (error) {
    throw new LabScenarioError(`scenario ${(error as Error).message}`);
  }
  return { job: { inferences, notBeforeMs, deadlineMs }, plannedOn, profiles };
}

/** Each node runs the whole model: its rate and energy per inference from the planner's model of it. */
export function timeShiftWorkers(nodes: readonly LabNode[], modelFlops: number, referenceFlopsPerSecond: number): ShiftWorker[] {
  if (!(modelFlops > 0)) throw new LabScenarioError(`model FLOPs must be > 0, got ${modelFlops}`);
  return nodes.map((node) => {
    if (!node.zone) fail(`nodes.${node.name}.zone`, 'a time-shift study needs each node\'s zone (its profile is looked up by zone)');
    const plan = toSimulatedPlanNode(node, referenceFlopsPerSecond);
    const latencySeconds = modelFlops / plan.flopsPerSecondByBackend.wasm!;
    return { workerId: node.name, zone: node.zone, inferencesPerHour: 3600 / latencySeconds, joulesPerInference: plan.power.maxWatts * latencySeconds };
  });
}

/** The simulated runner: each inference costs its worker's modelled energy. */
export function simulatedRunner(workers: readonly ShiftWorker[]): ReplayRunner {
  const joules = new Map(workers.map((w) => [w.workerId, w.joulesPerInference]));
  return (workerId) => Promise.resolve({ energyJoules: joules.get(workerId) ?? NaN });
}

/** Plan and replay (see the file comment). `actual` defaults to the profiles planned on. */
export async function runTimeShiftStudy(input: {
  readonly spec: TimeShiftStudySpec;
  readonly workers: readonly ShiftWorker[];
  readonly runner?: ReplayRunner;
  readonly actual?: Readonly<Record<string, ZoneProfile>>;
  readonly signal?: AbortSignal;
}): Promise<TimeShiftStudyResult> {
  const plan = planTimeShift({ job: input.spec.job, workers: input.workers, profiles: input.spec.profiles, plannedOn: input.spec.plannedOn });
  const replay = await measureTimeShiftSaving({
    plan,
    workers: input.workers,
    actual: input.actual ?? input.spec.profiles,
    runner: input.runner ?? simulatedRunner(input.workers),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  return { method: input.runner ? 'measured' : 'simulate', plan, replay, workers: input.workers };
}

function grams(value: number | null): string {
  return value === null ? 'n/a' : value.toPrecision(4);
}

function pct(fraction: number | undefined): string {
  return fraction === undefined ? 'n/a' : `${(fraction * 100).toFixed(1)}%`;
}

/** The study as printable lines (what `carbonedge experiment` shows). */
export function formatTimeShiftStudy(result: TimeShiftStudyResult): string[] {
  const { plan, replay } = result;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16) + 'Z';
  const lines = [
    `time shift: ${plan.job.inferences} inferences from ${iso(plan.job.notBeforeMs)} by ${iso(plan.job.deadlineMs)}, planned on ${plan.plannedOn} intensity (${result.method})`,
    ...Object.entries(plan.profiles).map(([zone, source]) => `  profile ${zone}: ${source}`),
    `  run now : ${grams(replay.runNow.grams.average)} gCO2 average, ${grams(replay.runNow.grams.marginal)} gCO2 marginal, done ${iso(plan.runNow.finishesAtMs)}`,
    `  shifted : ${grams(replay.shifted.grams.average)} gCO2 average, ${grams(replay.shifted.grams.marginal)} gCO2 marginal, done ${iso(plan.shifted.finishesAtMs)}`,
    `  saving  : ${pct(replay.measured.average?.fraction)} average (expected ${pct(plan.saving.average?.fraction)}), ${pct(replay.measured.marginal?.fraction)} marginal (expected ${pct(plan.saving.marginal?.fraction)})`,
    `  of which time alone (same split of work across devices as run-now, expected): ${pct(plan.timeOnlySaving.average?.fraction)} average, ${pct(plan.timeOnlySaving.marginal?.fraction)} marginal`,
    `  replay  : ${((replay.runNow.virtualSpanMs + replay.shifted.virtualSpanMs) / 3_600_000).toFixed(1)} h of day in ${(replay.runNow.wallMs + replay.shifted.wallMs).toFixed(0)} ms (${replay.speedup.toExponential(2)}x real time)`,
  ];
  return lines;
}
