/**
 * Replay a day faster than real time to measure what a schedule saves (issue 15, the lab study).
 *
 * Each block of a schedule is run for real through an injected runner, one inference after the
 * other, as fast as the runner goes; a virtual clock stamps the k-th inference of a block at
 * `block.startsAtMs + k / rate`, the time it would run in the day. Each execution is charged its
 * measured energy at the intensity the *actual* profile has at that virtual time (which may differ
 * from the forecast the schedule was planned on: forecast error shows up here), under each kind the
 * actual profile has. `measureTimeShiftSaving` replays run-now and the shifted schedule and reports
 * measured grams, the saving per kind, and the saving the plan expected.
 */
import type { IntensityKind } from './intensity';
import { seriesAt, seriesOf, type ZoneProfile } from './intensity-profile';
import { JOULES_PER_KWH } from './paper-accounting';
import type { ExpectedGrams, Saving, Schedule, ShiftWorker, TimeShiftPlan } from './time-shift';

/** Runs one inference of the job on a worker and says what it measured. */
export type ReplayRunner = (workerId: string, virtualAtMs: number, signal?: AbortSignal) => Promise<{ readonly energyJoules: number }>;

/** What a replay measured. */
export interface ReplayResult {
  readonly inferences: number;
  /** Sum of the runner's measured energies, J. */
  readonly energyJoules: number;
  /** Measured grams under the actual profile, per kind (null when a zone's actual profile lacks the kind or the time). */
  readonly grams: ExpectedGrams;
  /** Virtual time covered, first start to last end, ms. */
  readonly virtualSpanMs: number;
  /** Real time the replay took, ms. */
  readonly wallMs: number;
}

/** The saving measured by {@link measureTimeShiftSaving}. */
export interface MeasuredTimeShift {
  readonly runNow: ReplayResult;
  readonly shifted: ReplayResult;
  /** Measured saving per kind (null where the actual profile lacks the kind). */
  readonly measured: { readonly average: Saving | null; readonly marginal: Saving | null };
  /** What the plan expected from its forecast, for comparison. */
  readonly expected: TimeShiftPlan['saving'];
  /** Virtual day time replayed per real second (both schedules). */
  readonly speedup: number;
}

/** A replay could not run (runner failure, bad energy, abort). */
export class ReplayError extends Error {
  override name = 'ReplayError';
}

const MS_PER_HOUR = 3_600_000;
const KINDS: readonly IntensityKind[] = ['average', 'marginal'];

/** What a replay runs on: the workers, the intensity that actually happened, and who runs each inference. */
export interface ReplayInput {
  readonly workers: readonly ShiftWorker[];
  readonly actual: Readonly<Record<string, ZoneProfile>>;
  readonly runner: ReplayRunner;
  readonly signal?: AbortSignal;
  /** Real clock for wallMs (default performance.now). */
  readonly clock?: () => number;
}

/** Replay one schedule against the actual profiles (see the file comment). */
export async function replaySchedule(input: ReplayInput & { readonly schedule: Schedule }): Promise<ReplayResult> {
  const clock = input.clock ?? (() => performance.now());
  const byId = new Map(input.workers.map((w) => [w.workerId, w]));
  const grams: Record<IntensityKind, number | null> = { average: 0, marginal: 0 };
  let energyJoules = 0;
  let inferences = 0;
  const startedAt = clock();
  for (const block of input.schedule.blocks) {
    const worker = byId.get(block.workerId);
    if (!worker) throw new ReplayError(`schedule names worker ${block.workerId}, which is not in the list`);
    const profile = input.actual[block.zone];
    for (let k = 0; k < block.inferences; k++) {
      if (input.signal?.aborted) throw new ReplayError(`replay aborted after ${inferences} inferences`);
      const atMs = block.startsAtMs + (k / worker.inferencesPerHour) * MS_PER_HOUR;
      const { energyJoules: joules } = await input.runner(block.workerId, atMs, input.signal);
      if (!Number.isFinite(joules) || joules < 0) throw new ReplayError(`runner gave ${joules} J for ${block.workerId} at ${new Date(atMs).toISOString()}`);
      energyJoules += joules;
      inferences += 1;
      for (const kind of KINDS) {
        const series = profile ? seriesOf(profile, kind) : undefined;
        const intensity = series ? seriesAt(series, atMs) : undefined;
        const sofar = grams[kind];
        grams[kind] = sofar === null || intensity === undefined ? null : sofar + (joules / JOULES_PER_KWH) * intensity;
      }
    }
  }
  const blocks = input.schedule.blocks;
  return {
    inferences,
    energyJoules,
    grams,
    virtualSpanMs: blocks.length === 0 ? 0 : Math.max(...blocks.map((b) => b.endsAtMs)) - Math.min(...blocks.map((b) => b.startsAtMs)),
    wallMs: clock() - startedAt,
  };
}

function saving(before: number | null, after: number | null): Saving | null {
  if (before === null || after === null) return null;
  return { grams: before - after, fraction: before > 0 ? (before - after) / before : 0 };
}

/**
 * Replay run-now and the shifted schedule of a plan against the actual profiles (pass the
 * forecast itself to measure with no forecast error) and report measured grams and savings.
 */
export async function measureTimeShiftSaving(input: ReplayInput & { readonly plan: TimeShiftPlan }): Promise<MeasuredTimeShift> {
  const common = { workers: input.workers, actual: input.actual, runner: input.runner, ...(input.signal ? { signal: input.signal } : {}), ...(input.clock ? { clock: input.clock } : {}) };
  const runNow = await replaySchedule({ schedule: input.plan.runNow, ...common });
  const shifted = await replaySchedule({ schedule: input.plan.shifted, ...common });
  const wallMs = runNow.wallMs + shifted.wallMs;
  return {
    runNow,
    shifted,
    measured: { average: saving(runNow.grams.average, shifted.grams.average), marginal: saving(runNow.grams.marginal, shifted.grams.marginal) },
    expected: input.plan.saving,
    speedup: wallMs > 0 ? (runNow.virtualSpanMs + shifted.virtualSpanMs) / wallMs : Number.POSITIVE_INFINITY,
  };
}
