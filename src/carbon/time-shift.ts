/**
 * Time shifting a deferrable job (issue 15): "these 5,000 inferences by 18:00". Pure.
 *
 * A worker is whatever runs the job's inferences at a known rate on one grid: a node running the
 * whole model, or a pipeline planned onto nodes of one zone. Time is cut at the worker's profile
 * steps (intensity is constant inside a step) and at now and the deadline. Each (worker, step)
 * cell can run `floor(rate x length)` inferences at cost
 *
 *     grams per inference = joulesPerInference / 3.6e6 x intensity of the step
 *
 * Filling the cheapest cells first is optimal: one demand, independent capacities, linear costs
 * (a transport problem with one sink). Ties go to the earlier cell. "Run now" starts every worker
 * now at full rate until the job is done. Both schedules are costed with the same profiles under
 * the kind they were planned on, and under the other kind where every zone used has it: studies
 * find shifting gains depend on average vs marginal figures and on the grid (little in France).
 * Nothing here runs anything; see time-shift-replay.ts to measure a schedule.
 */
import { IntensityKindMixError, type IntensityKind } from './intensity';
import { seriesEndMs, seriesMeanOver, seriesOf, type ZoneProfile } from './intensity-profile';
import { JOULES_PER_KWH } from './paper-accounting';

/** Something that runs the job's inferences on one grid. */
export interface ShiftWorker {
  readonly workerId: string;
  /** Zone of its grid; must have a profile. */
  readonly zone: string;
  /** Sustained throughput, inferences per hour. */
  readonly inferencesPerHour: number;
  /** Energy per inference, J (from the power model or measured). */
  readonly joulesPerInference: number;
}

/** A deferrable job. */
export interface DeferrableJob {
  readonly inferences: number;
  /** Earliest start, ms since epoch (now). */
  readonly notBeforeMs: number;
  /** Every inference must end by this time, ms since epoch. */
  readonly deadlineMs: number;
}

/** One block of the schedule: a worker runs `inferences` back to back from `startsAtMs`. */
export interface ScheduleBlock {
  readonly workerId: string;
  readonly zone: string;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly inferences: number;
  /** Planned-kind intensity during the block, gCO2/kWh. */
  readonly gramsCo2PerKwh: number;
  /** Expected grams of the block under the planned kind. */
  readonly expectedGramsCo2: number;
}

/** Expected grams of a schedule under each kind the profiles have (null where a zone lacks it). */
export interface ExpectedGrams {
  readonly average: number | null;
  readonly marginal: number | null;
}

/** A schedule and its expected grams. */
export interface Schedule {
  readonly blocks: readonly ScheduleBlock[];
  /** When the last inference ends, ms since epoch. */
  readonly finishesAtMs: number;
  readonly expected: ExpectedGrams;
}

/** Saving of the shifted schedule against run-now, per kind. */
export interface Saving {
  readonly grams: number;
  /** grams / run-now grams. */
  readonly fraction: number;
}

/** The result of {@link planTimeShift}. */
export interface TimeShiftPlan {
  readonly job: DeferrableJob;
  readonly plannedOn: IntensityKind;
  /** Per zone: where its profile came from (`scenario-profile: scenario: NESO ...`). */
  readonly profiles: Readonly<Record<string, string>>;
  readonly shifted: Schedule;
  readonly runNow: Schedule;
  /**
   * Each worker runs the same number of inferences as in run-now, at its own cheapest times: the
   * saving due to time alone (the rest of `saving` comes from giving more work to workers with
   * fewer grams per inference).
   */
  readonly shiftedSameSplit: Schedule;
  readonly saving: { readonly average: Saving | null; readonly marginal: Saving | null };
  /** Saving of `shiftedSameSplit` against run-now: time shifting alone. */
  readonly timeOnlySaving: { readonly average: Saving | null; readonly marginal: Saving | null };
}

/** The job cannot be planned (no capacity before the deadline, missing profile...). */
export class TimeShiftError extends Error {
  override name = 'TimeShiftError';
}

interface Cell {
  readonly worker: ShiftWorker;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly capacity: number;
  readonly gramsCo2PerKwh: number;
}

const MS_PER_HOUR = 3_600_000;

function checkInputs(job: DeferrableJob, workers: readonly ShiftWorker[], profiles: Readonly<Record<string, ZoneProfile>>, kind: IntensityKind): void {
  if (!Number.isInteger(job.inferences) || job.inferences < 1) throw new TimeShiftError(`job needs a whole number of inferences >= 1, got ${job.inferences}`);
  if (!Number.isFinite(job.notBeforeMs) || !Number.isFinite(job.deadlineMs) || job.deadlineMs <= job.notBeforeMs) {
    throw new TimeShiftError(`deadline ${new Date(job.deadlineMs).toISOString?.() ?? job.deadlineMs} must be after the start ${new Date(job.notBeforeMs).toISOString?.() ?? job.notBeforeMs}`);
  }
  if (workers.length === 0) throw new TimeShiftError('no workers to run the job');
  const ids = new Set<string>();
  for (const w of workers) {
    if (ids.has(w.workerId)) throw new TimeShiftError(`worker ${w.workerId} listed twice`);
    ids.add(w.workerId);
    if (!(w.inferencesPerHour > 0) || !Number.isFinite(w.inferencesPerHour)) throw new TimeShiftError(`worker ${w.workerId}: inferencesPerHour must be > 0, got ${w.inferencesPerHour}`);
    if (!(w.joulesPerInference >= 0) || !Number.isFinite(w.joulesPerInference)) throw new TimeShiftError(`worker ${w.workerId}: joulesPerInference must be >= 0, got ${w.joulesPerInference}`);
    const profile = profiles[w.zone];
    if (!profile) throw new TimeShiftError(`no intensity profile for zone ${w.zone} (worker ${w.workerId}): give a provider forecast or a scenario profile; none is invented`);
    if (!seriesOf(profile, kind)) throw new IntensityKindMixError(`profile of ${w.zone} has no ${kind} series: cannot plan on ${kind} intensity`);
  }
}

/** The cells of one worker between start and deadline, cut at its profile steps. */
function cellsOf(worker: ShiftWorker, profile: ZoneProfile, kind: IntensityKind, job: DeferrableJob): Cell[] {
  const series = seriesOf(profile, kind)!;
  const from = Math.max(job.notBeforeMs, series.startsAtMs);
  const to = Math.min(job.deadlineMs, seriesEndMs(series));
  const cells: Cell[] = [];
  let t = from;
  while (t < to) {
    const index = Math.floor((t - series.startsAtMs) / series.stepMs);
    const stepEnd = Math.min(to, series.startsAtMs + (index + 1) * series.stepMs);
    const capacity = Math.floor((worker.inferencesPerHour * (stepEnd - t)) / MS_PER_HOUR + 1e-9);
    if (capacity > 0) cells.push({ worker, startsAtMs: t, endsAtMs: stepEnd, capacity, gramsCo2PerKwh: series.gramsCo2PerKwh[index]! });
    t = stepEnd;
  }
  return cells;
}

function block(cell: Cell, inferences: number): ScheduleBlock {
  const durationMs = (inferences / cell.worker.inferencesPerHour) * MS_PER_HOUR;
  return {
    workerId: cell.worker.workerId,
    zone: cell.worker.zone,
    startsAtMs: cell.startsAtMs,
    endsAtMs: Math.min(cell.endsAtMs, cell.startsAtMs + durationMs),
    inferences,
    gramsCo2PerKwh: cell.gramsCo2PerKwh,
    expectedGramsCo2: (inferences * cell.worker.joulesPerInference / JOULES_PER_KWH) * cell.gramsCo2PerKwh,
  };
}

/** Grams of blocks under `kind`, each block at the time-weighted intensity it spans; null if a zone lacks it. */
export function gramsUnder(blocks: readonly ScheduleBlock[], workers: readonly ShiftWorker[], profiles: Readonly<Record<string, ZoneProfile>>, kind: IntensityKind): number | null {
  const byId = new Map(workers.map((w) => [w.workerId, w]));
  let grams = 0;
  for (const b of blocks) {
    const series = seriesOf(profiles[b.zone]!, kind);
    const mean = series ? seriesMeanOver(series, b.startsAtMs, b.endsAtMs) : undefined;
    if (mean === undefined) return null;
    grams += (b.inferences * byId.get(b.workerId)!.joulesPerInference / JOULES_PER_KWH) * mean;
  }
  return grams;
}

function schedule(blocks: ScheduleBlock[], workers: readonly ShiftWorker[], profiles: Readonly<Record<string, ZoneProfile>>): Schedule {
  blocks.sort((a, b) => a.startsAtMs - b.startsAtMs || a.workerId.localeCompare(b.workerId));
  return {
    blocks,
    finishesAtMs: Math.max(...blocks.map((b) => b.endsAtMs)),
    expected: { average: gramsUnder(blocks, workers, profiles, 'average'), marginal: gramsUnder(blocks, workers, profiles, 'marginal') },
  };
}

function capacityError(job: DeferrableJob, cells: readonly Cell[]): TimeShiftError {
  const capacity = cells.reduce((s, c) => s + c.capacity, 0);
  return new TimeShiftError(
    `${job.inferences} inferences cannot finish by ${new Date(job.deadlineMs).toISOString()}: the workers can run ${capacity} in the time the profiles cover`,
  );
}

/** Cheapest cells first (ties: earlier, then worker id). */
function shiftedBlocks(job: DeferrableJob, cells: readonly Cell[]): ScheduleBlock[] {
  const perInference = (c: Cell) => c.worker.joulesPerInference * c.gramsCo2PerKwh;
  const order = [...cells].sort((a, b) => perInference(a) - perInference(b) || a.startsAtMs - b.startsAtMs || a.worker.workerId.localeCompare(b.worker.workerId));
  let left = job.inferences;
  const blocks: ScheduleBlock[] = [];
  for (const cell of order) {
    if (left === 0) break;
    const take = Math.min(left, cell.capacity);
    blocks.push(block(cell, take));
    left -= take;
  }
  return blocks;
}

/**
 * Every worker from now at full rate until the job is done: cells in time order; in the last
 * group of cells that starts together, the rest is split in proportion to capacity (largest
 * remainders), so the workers finish together, as soon as possible.
 */
function runNowBlocks(job: DeferrableJob, cellsByWorker: readonly Cell[][]): ScheduleBlock[] {
  const groups = new Map<number, Cell[]>();
  for (const cell of cellsByWorker.flat()) groups.set(cell.startsAtMs, [...(groups.get(cell.startsAtMs) ?? []), cell]);
  let left = job.inferences;
  const blocks: ScheduleBlock[] = [];
  for (const start of [...groups.keys()].sort((a, b) => a - b)) {
    if (left === 0) break;
    const group = groups.get(start)!.sort((a, b) => a.worker.workerId.localeCompare(b.worker.workerId));
    const capacity = group.reduce((s, c) => s + c.capacity, 0);
    if (left >= capacity) {
      for (const cell of group) blocks.push(block(cell, cell.capacity));
      left -= capacity;
      continue;
    }
    const exact = group.map((c) => (left * c.capacity) / capacity);
    const shares = exact.map(Math.floor);
    let rest = left - shares.reduce((s, n) => s + n, 0);
    const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, i] of byRemainder) {
      if (rest === 0) break;
      if (shares[i]! < group[i]!.capacity) {
        shares[i]! += 1;
        rest -= 1;
      }
    }
    group.forEach((cell, i) => {
      if (shares[i]! > 0) blocks.push(block(cell, shares[i]!));
    });
    left = 0;
  }
  return blocks;
}

/**
 * Plan a deferrable job: the cheapest schedule under `plannedOn` intensity (default average) that
 * meets the deadline, beside running now. Throws TimeShiftError when the job cannot fit before the
 * deadline inside the profiles, or a zone has no profile.
 */
export function planTimeShift(input: {
  readonly job: DeferrableJob;
  readonly workers: readonly ShiftWorker[];
  readonly profiles: Readonly<Record<string, ZoneProfile>>;
  readonly plannedOn?: IntensityKind;
}): TimeShiftPlan {
  const { job, workers, profiles } = input;
  const kind = input.plannedOn ?? 'average';
  checkInputs(job, workers, profiles, kind);
  const cellsByWorker = workers.map((w) => cellsOf(w, profiles[w.zone]!, kind, job));
  const cells = cellsByWorker.flat();
  if (cells.reduce((s, c) => s + c.capacity, 0) < job.inferences) throw capacityError(job, cells);
  const shifted = schedule(shiftedBlocks(job, cells), workers, profiles);
  const runNowList = runNowBlocks(job, cellsByWorker);
  const runNow = schedule([...runNowList], workers, profiles);
  const sameSplit = schedule(
    workers.flatMap((w, i) => {
      const count = runNowList.filter((b) => b.workerId === w.workerId).reduce((n, b) => n + b.inferences, 0);
      return count === 0 ? [] : shiftedBlocks({ ...job, inferences: count }, cellsByWorker[i]!);
    }),
    workers,
    profiles,
  );
  const savingOf = (after: Schedule) => (k: IntensityKind): Saving | null => {
    const now = runNow.expected[k];
    const then = after.expected[k];
    if (now === null || then === null) return null;
    return { grams: now - then, fraction: now > 0 ? (now - then) / now : 0 };
  };
  const saving = savingOf(shifted);
  const timeOnly = savingOf(sameSplit);
  const used = [...new Set(workers.map((w) => w.zone))];
  return {
    job,
    plannedOn: kind,
    profiles: Object.fromEntries(used.map((z) => [z, `${profiles[z]!.origin}: ${profiles[z]!.source}`])),
    shifted,
    runNow,
    shiftedSameSplit: sameSplit,
    saving: { average: saving('average'), marginal: saving('marginal') },
    timeOnlySaving: { average: timeOnly('average'), marginal: timeOnly('marginal') },
  };
}

/** One bar of the schedule chart: inferences and expected grams of both schedules in a time step. */
export interface ScheduleChartStep {
  readonly startsAtMs: number;
  readonly shiftedInferences: number;
  readonly runNowInferences: number;
  /** Expected grams under the planned kind. */
  readonly shiftedGramsCo2: number;
  readonly runNowGramsCo2: number;
}

/**
 * The plan as chart bars of `stepMs` (default 1 h) from the job's start to its deadline: what the
 * coordinator page draws as "schedule vs run now". A block spanning steps is split in proportion
 * to time.
 */
export function scheduleChart(plan: TimeShiftPlan, stepMs = MS_PER_HOUR): ScheduleChartStep[] {
  if (!(stepMs >= 60_000)) throw new TimeShiftError(`chart step must be at least one minute, got ${stepMs} ms`);
  const { notBeforeMs, deadlineMs } = plan.job;
  const first = Math.floor(notBeforeMs / stepMs) * stepMs;
  const steps: Array<{ startsAtMs: number; shiftedInferences: number; runNowInferences: number; shiftedGramsCo2: number; runNowGramsCo2: number }> = [];
  for (let t = first; t < deadlineMs; t += stepMs) steps.push({ startsAtMs: t, shiftedInferences: 0, runNowInferences: 0, shiftedGramsCo2: 0, runNowGramsCo2: 0 });
  const spread = (blocks: readonly ScheduleBlock[], key: 'shifted' | 'runNow') => {
    for (const b of blocks) {
      const length = Math.max(1, b.endsAtMs - b.startsAtMs);
      for (let i = Math.floor((b.startsAtMs - first) / stepMs); i < steps.length; i++) {
        const step = steps[i]!;
        const overlap = Math.min(b.endsAtMs, step.startsAtMs + stepMs) - Math.max(b.startsAtMs, step.startsAtMs);
        if (step.startsAtMs >= b.endsAtMs && b.endsAtMs > b.startsAtMs) break;
        const share = b.endsAtMs === b.startsAtMs ? 1 : Math.max(0, overlap) / length;
        step[`${key}Inferences`] += b.inferences * share;
        step[`${key}GramsCo2`] += b.expectedGramsCo2 * share;
        if (b.endsAtMs === b.startsAtMs) break;
      }
    }
  };
  spread(plan.shifted.blocks, 'shifted');
  spread(plan.runNow.blocks, 'runNow');
  return steps;
}
