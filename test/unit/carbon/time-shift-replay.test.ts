import { describe, expect, it } from 'vitest';
import { parseIntensityProfiles } from '../../../src/carbon/intensity-profile';
import { planTimeShift, type ShiftWorker } from '../../../src/carbon/time-shift';
import { measureTimeShiftSaving, replaySchedule, ReplayError, type ReplayRunner } from '../../../src/carbon/time-shift-replay';

const H = 3_600_000;
const DAY0 = Date.UTC(2026, 5, 1);
const dipHours = Array.from({ length: 24 }, (_, h) => (h >= 10 && h < 14 ? 100 : 300));
const forecast = parseIntensityProfiles({ GB: { source: 'forecast', startsAt: '2026-06-01T00:00Z', average: dipHours, marginal: Array(24).fill(450) } });
const worker: ShiftWorker = { workerId: 'w1', zone: 'GB', inferencesPerHour: 200, joulesPerInference: 36 };
const job = { inferences: 1000, notBeforeMs: DAY0 + 6 * H, deadlineMs: DAY0 + 20 * H };

/** A runner whose measured energy varies +-10% around 36 J (seeded), recording the virtual times. */
function seededRunner() {
  let seed = 42;
  const times: number[] = [];
  const runner: ReplayRunner = async (_id, atMs) => {
    times.push(atMs);
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return { energyJoules: 36 * (0.9 + 0.2 * (seed / 2 ** 31)) };
  };
  return { runner, times };
}

/** A fake real clock: 1 ms per reading, so the speed-up is deterministic. */
function tickingClock() {
  let t = 0;
  return () => (t += 1);
}

describe('time-shift replay', () => {
  it('runs every scheduled inference at its virtual time and charges measured energy at the actual intensity', async () => {
    const plan = planTimeShift({ job, workers: [worker], profiles: forecast });
    const { runner, times } = seededRunner();
    const result = await replaySchedule({ schedule: plan.shifted, workers: [worker], actual: forecast, runner, clock: tickingClock() });
    expect(result.inferences).toBe(1000);
    expect(times).toHaveLength(1000);
    expect(Math.min(...times)).toBe(DAY0 + 6 * H);
    expect(Math.max(...times)).toBeLessThan(job.deadlineMs);
    // 800 in the dip at 100, 200 at 300, energy ~36 J each (measured, +-10%).
    expect(result.energyJoules).toBeGreaterThan(1000 * 36 * 0.9);
    expect(result.grams.average!).toBeGreaterThan(0.9 * 1.4);
    expect(result.grams.average!).toBeLessThan(1.1 * 1.4);
    expect(result.grams.marginal!).toBeCloseTo((result.energyJoules / 3.6e6) * 450, 12);
    expect(result.virtualSpanMs).toBe(8 * H); // 06:00 to 14:00
  });

  it('measures the saving of a schedule against run-now, beside what the plan expected', async () => {
    const plan = planTimeShift({ job, workers: [worker], profiles: forecast });
    const measured = await measureTimeShiftSaving({ plan, workers: [worker], actual: forecast, runner: seededRunner().runner, clock: tickingClock() });
    expect(measured.expected.average!.fraction).toBeCloseTo(1.2 / 2.6, 12);
    expect(measured.measured.average!.fraction).toBeGreaterThan(0.35);
    expect(measured.measured.average!.fraction).toBeLessThan(0.55);
    expect(measured.measured.marginal!.fraction).toBeLessThan(0.05); // flat marginal: little to gain
    expect(measured.measured.marginal!.fraction).toBeGreaterThan(-0.05);

    expect(measured.speedup).toBe((13 * H) / 2); // 5 h + 8 h of day in 2 fake-clock ms
  });

  it('shows forecast error: a dip that arrives two hours late eats the saving', async () => {
    const plan = planTimeShift({ job, workers: [worker], profiles: forecast });
    const late = parseIntensityProfiles({ GB: { source: 'what happened', startsAt: '2026-06-01T00:00Z', average: Array.from({ length: 24 }, (_, h) => (h >= 12 && h < 16 ? 100 : 300)) } });
    const measured = await measureTimeShiftSaving({ plan, workers: [worker], actual: late, runner: async () => ({ energyJoules: 36 }), clock: tickingClock() });
    // Shifted: 10-12 at 300 (400 inf), 12-14 at 100 (400), 06:00 hour at 300 (200) -> 2.2 g; run now 06-11 all at 300 -> 3.0 g.
    expect(measured.shifted.grams.average).toBeCloseTo(1e-5 * (600 * 300 + 400 * 100), 12);
    expect(measured.runNow.grams.average).toBeCloseTo(1e-5 * 1000 * 300, 12);
    expect(measured.measured.average!.fraction).toBeCloseTo(0.8 / 3, 12);
    expect(measured.measured.average!.fraction).toBeLessThan(measured.expected.average!.fraction);
    expect(measured.measured.marginal).toBeNull(); // the actual profile has no marginal series
  });

  it('stops with a clear error on a bad measurement or an abort', async () => {
    const plan = planTimeShift({ job, workers: [worker], profiles: forecast });
    await expect(replaySchedule({ schedule: plan.shifted, workers: [worker], actual: forecast, runner: async () => ({ energyJoules: Number.NaN }) })).rejects.toThrow(ReplayError);
    const controller = new AbortController();
    let n = 0;
    const runner: ReplayRunner = async () => {
      if (++n === 10) controller.abort();
      return { energyJoules: 1 };
    };
    await expect(replaySchedule({ schedule: plan.shifted, workers: [worker], actual: forecast, runner, signal: controller.signal })).rejects.toThrow('replay aborted after 10 inferences');
  });
});
