import { describe, expect, it } from 'vitest';
import { IntensityKindMixError } from '../../../src/carbon/intensity';
import { IntensityProfileError, parseIntensityProfiles, profileFromForecast, seriesMeanOver, type ZoneProfile } from '../../../src/carbon/intensity-profile';
import { planTimeShift, scheduleChart, TimeShiftError, type ShiftWorker, type TimeShiftPlan } from '../../../src/carbon/time-shift';

const H = 3_600_000;
const DAY0 = Date.UTC(2026, 5, 1, 0, 0);
// A 24-hour average profile with a midday solar dip (10:00-14:00 at 100, else 300).
const dipHours = Array.from({ length: 24 }, (_, h) => (h >= 10 && h < 14 ? 100 : 300));

function profiles(raw: Record<string, unknown>): Record<string, ZoneProfile> {
  return parseIntensityProfiles(raw);
}

const dip = profiles({ GB: { source: 'test dip', startsAt: '2026-06-01T00:00Z', average: dipHours } });
// 36 J per inference = 1e-5 kWh: grams = 1e-5 x intensity per inference.
const laptop: ShiftWorker = { workerId: 'w1', zone: 'GB', inferencesPerHour: 200, joulesPerInference: 36 };

function checkDeadlinesAndCount(plan: TimeShiftPlan): void {
  for (const schedule of [plan.shifted, plan.runNow]) {
    expect(schedule.blocks.reduce((s, b) => s + b.inferences, 0)).toBe(plan.job.inferences);
    for (const b of schedule.blocks) {
      expect(b.startsAtMs).toBeGreaterThanOrEqual(plan.job.notBeforeMs);
      expect(b.endsAtMs).toBeLessThanOrEqual(plan.job.deadlineMs);
      expect(b.inferences).toBeGreaterThan(0);
    }
    expect(schedule.finishesAtMs).toBeLessThanOrEqual(plan.job.deadlineMs);
  }
}

describe('planTimeShift', () => {
  it('moves work into the dip and beats running now, meeting the deadline (hand calculation)', () => {
    const job = { inferences: 1000, notBeforeMs: DAY0 + 6 * H, deadlineMs: DAY0 + 20 * H };
    const plan = planTimeShift({ job, workers: [laptop], profiles: dip });
    checkDeadlinesAndCount(plan);
    // Dip: 4 h x 200 = 800 inferences at 100 g/kWh; the other 200 at 300 (earliest: 06:00).
    expect(plan.shifted.blocks.map((b) => [new Date(b.startsAtMs).toISOString().slice(11, 16), b.inferences, b.gramsCo2PerKwh])).toEqual([
      ['06:00', 200, 300], ['10:00', 200, 100], ['11:00', 200, 100], ['12:00', 200, 100], ['13:00', 200, 100],
    ]);
    expect(plan.shifted.expected.average).toBeCloseTo(800 * 1e-5 * 100 + 200 * 1e-5 * 300, 12); // 1.4 g
    // Run now: 06:00-11:00, 800 at 300 and 200 at 100.
    expect(plan.runNow.expected.average).toBeCloseTo(800 * 1e-5 * 300 + 200 * 1e-5 * 100, 12); // 2.6 g
    expect(plan.runNow.finishesAtMs).toBe(DAY0 + 11 * H);
    expect(plan.saving.average).toEqual({ grams: expect.closeTo(1.2, 12), fraction: expect.closeTo(1.2 / 2.6, 12) });
    expect(plan.saving.marginal).toBeNull(); // the profile has no marginal series
    expect(plan.profiles).toEqual({ GB: 'scenario-profile: scenario: test dip' });
  });

  it('draws the schedule and run-now as hourly bars that add up to the plan', () => {
    const job = { inferences: 1000, notBeforeMs: DAY0 + 6 * H + 30 * 60_000, deadlineMs: DAY0 + 20 * H };
    const plan = planTimeShift({ job, workers: [laptop], profiles: dip });
    const bars = scheduleChart(plan);
    expect(bars).toHaveLength(14); // 06:00 .. 19:00
    expect(bars[0]!.startsAtMs).toBe(DAY0 + 6 * H);
    const sum = (k: 'shiftedInferences' | 'runNowInferences' | 'shiftedGramsCo2' | 'runNowGramsCo2') => bars.reduce((s, b) => s + b[k], 0);
    expect(sum('shiftedInferences')).toBeCloseTo(1000, 9);
    expect(sum('runNowInferences')).toBeCloseTo(1000, 9);
    expect(sum('shiftedGramsCo2')).toBeCloseTo(plan.shifted.expected.average!, 12);
    expect(sum('runNowGramsCo2')).toBeCloseTo(plan.runNow.expected.average!, 12);
    expect(bars.slice(4, 8).map((b) => b.shiftedInferences)).toEqual([200, 200, 200, 200]); // the dip, 10:00-14:00
    expect(bars[0]!.runNowInferences).toBeCloseTo(100, 9); // half an hour at 200/h
  });

  it('saves nothing on a flat grid, and says so', () => {
    const flat = profiles({ FR: { source: 'flat', startsAt: '2026-06-01T00:00Z', average: Array(24).fill(31) } });
    const plan = planTimeShift({ job: { inferences: 500, notBeforeMs: DAY0, deadlineMs: DAY0 + 24 * H }, workers: [{ ...laptop, zone: 'FR' }], profiles: flat });
    checkDeadlinesAndCount(plan);
    expect(plan.saving.average?.grams).toBeCloseTo(0, 15);
    expect(plan.shifted.expected.average).toBeCloseTo(plan.runNow.expected.average!, 15);
  });

  it('reports the saving under marginal intensity too, where the profile has it', () => {
    // Average dips at midday, the marginal plant stays gas all day: shifting saves on average only.
    const both = profiles({ GB: { source: 'both', startsAt: '2026-06-01T00:00Z', average: dipHours, marginal: Array(24).fill(450) } });
    const plan = planTimeShift({ job: { inferences: 400, notBeforeMs: DAY0 + 6 * H, deadlineMs: DAY0 + 18 * H }, workers: [laptop], profiles: both });
    expect(plan.saving.average!.fraction).toBeCloseTo(2 / 3, 12);
    expect(plan.saving.marginal!.grams).toBeCloseTo(0, 15);
    const onMarginal = planTimeShift({ job: plan.job, workers: [laptop], profiles: both, plannedOn: 'marginal' });
    expect(onMarginal.plannedOn).toBe('marginal');
    expect(() => planTimeShift({ job: plan.job, workers: [laptop], profiles: dip, plannedOn: 'marginal' })).toThrow(IntensityKindMixError);
  });

  it('uses the cleaner zone and time across workers, running them in parallel', () => {
    const two = profiles({
      GB: { source: 'gb', startsAt: '2026-06-01T00:00Z', average: dipHours },
      NO: { source: 'no', startsAt: '2026-06-01T00:00Z', average: Array(24).fill(30) },
    });
    const phone: ShiftWorker = { workerId: 'p1', zone: 'NO', inferencesPerHour: 50, joulesPerInference: 36 };
    const plan = planTimeShift({ job: { inferences: 300, notBeforeMs: DAY0 + 8 * H, deadlineMs: DAY0 + 12 * H }, workers: [laptop, phone], profiles: two });
    checkDeadlinesAndCount(plan);
    const byWorker = (p: TimeShiftPlan['shifted'], id: string) => p.blocks.filter((b) => b.workerId === id).reduce((s, b) => s + b.inferences, 0);
    expect(byWorker(plan.shifted, 'p1')).toBe(200); // all four hours of the Norwegian phone first
    expect(byWorker(plan.shifted, 'w1')).toBe(100); // then the GB dip at 10:00
    expect(plan.shifted.blocks.find((b) => b.workerId === 'w1')?.startsAtMs).toBe(DAY0 + 10 * H);
    // Run now: both from 08:00 in proportion to capacity (200 : 50), finishing together at 09:12.
    expect(byWorker(plan.runNow, 'w1')).toBe(240);
    expect(byWorker(plan.runNow, 'p1')).toBe(60);
    expect(plan.runNow.finishesAtMs).toBe(DAY0 + 9 * H + 12 * 60_000);
    expect(plan.saving.average!.grams).toBeGreaterThan(0);
    // Time alone: each worker keeps its run-now share (240 / 60) but runs it at its cheapest hours.
    const split = plan.shiftedSameSplit.blocks;
    expect(split.filter((b) => b.workerId === 'w1').reduce((n, b) => n + b.inferences, 0)).toBe(240);
    expect(split.filter((b) => b.workerId === 'w1').every((b) => b.gramsCo2PerKwh === 100 || b.startsAtMs < DAY0 + 10 * H)).toBe(true);
    expect(plan.timeOnlySaving.average!.grams).toBeCloseTo(1e-5 * 240 * (300 - 100), 12); // all 240 move into the dip; the phone's NO grid is flat
    expect(plan.timeOnlySaving.average!.grams).toBeLessThan(plan.saving.average!.grams);
  });

  it('meets every deadline and never does worse than running now on seeded random profiles', () => {
    let seed = 7;
    let planned = 0;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const zones = ['A', 'B', 'C'];
      const raw = Object.fromEntries(zones.map((z) => [z, { source: `seeded ${trial}`, startsAt: '2026-06-01T00:00Z', stepMinutes: random() < 0.5 ? 60 : 30, average: Array.from({ length: 96 }, () => Math.round(20 + random() * 700)) }]));
      const workers: ShiftWorker[] = zones.map((zone, i) => ({ workerId: `w${i}`, zone, inferencesPerHour: 10 + Math.floor(random() * 300), joulesPerInference: 1 + random() * 50 }));
      const notBeforeMs = DAY0 + Math.floor(random() * 10 * 60) * 60_000;
      const deadlineMs = notBeforeMs + (1 + Math.floor(random() * 20)) * H + Math.floor(random() * 60) * 60_000;
      const capacityHint = workers.reduce((s, w) => s + w.inferencesPerHour, 0) * ((deadlineMs - notBeforeMs) / H);
      const inferences = 1 + Math.floor(random() * capacityHint * 0.9);
      let plan: TimeShiftPlan;
      try {
        plan = planTimeShift({ job: { inferences, notBeforeMs, deadlineMs }, workers, profiles: profiles(raw) });
      } catch (error) {
        expect(error, `seed trial ${trial}`).toBeInstanceOf(TimeShiftError); // floor() of partial steps can lose a few
        continue;
      }
      checkDeadlinesAndCount(plan);
      expect(plan.shifted.expected.average!, `trial ${trial}`).toBeLessThanOrEqual(plan.runNow.expected.average! * (1 + 1e-12));
      planned += 1;
    }
    expect(planned).toBeGreaterThan(180); // the property was checked, not skipped
  });

  it('refuses what it cannot plan, with the numbers', () => {
    const job = { inferences: 5000, notBeforeMs: DAY0 + 6 * H, deadlineMs: DAY0 + 18 * H };
    expect(() => planTimeShift({ job, workers: [laptop], profiles: dip })).toThrow('5000 inferences cannot finish by 2026-06-01T18:00:00.000Z: the workers can run 2400 in the time the profiles cover');
    expect(() => planTimeShift({ job: { ...job, inferences: 10 }, workers: [{ ...laptop, zone: 'FR' }], profiles: dip })).toThrow(/no intensity profile for zone FR.*none is invented/);
    expect(() => planTimeShift({ job: { ...job, deadlineMs: job.notBeforeMs }, workers: [laptop], profiles: dip })).toThrow(TimeShiftError);
    expect(() => planTimeShift({ job: { ...job, inferences: 1.5 }, workers: [laptop], profiles: dip })).toThrow(/whole number/);
    expect(() => planTimeShift({ job: { ...job, inferences: 10 }, workers: [{ ...laptop, inferencesPerHour: 0 }], profiles: dip })).toThrow(/inferencesPerHour/);
  });
});

describe('intensity profiles', () => {
  it('parses scenario profiles with their source, and refuses unsourced or malformed ones', () => {
    const parsed = parseIntensityProfiles({ GB: { source: 'NESO actuals 2025-06-01', startsAt: '2026-06-01T00:00Z', stepMinutes: 30, average: [100, 200], marginal: [400, 410] } });
    expect(parsed.GB).toMatchObject({ origin: 'scenario-profile', source: 'scenario: NESO actuals 2025-06-01', average: { startsAtMs: DAY0, stepMs: 30 * 60_000, gramsCo2PerKwh: [100, 200] } });
    expect(() => parseIntensityProfiles({ GB: { startsAt: '2026-06-01T00:00Z', average: [1] } })).toThrow('intensityProfiles.GB.source must say where the figures come from');
    expect(() => parseIntensityProfiles({ GB: { source: 's', startsAt: 'noon', average: [1] } })).toThrow(/startsAt must be an ISO 8601 time/);
    expect(() => parseIntensityProfiles({ GB: { source: 's', startsAt: '2026-06-01T00:00Z', average: [1, -5] } })).toThrow(/average\[1\].*-5/);
    expect(() => parseIntensityProfiles({ GB: { source: 's', startsAt: '2026-06-01T00:00Z' } })).toThrow(/needs an "average" or a "marginal"/);
    expect(() => parseIntensityProfiles({ GB: { source: 's', startsAt: '2026-06-01T00:00Z', average: [1, 2], marginal: [1] } })).toThrow(IntensityProfileError);
  });

  it('turns a provider forecast into a labelled profile and averages over intervals by time', () => {
    const profile = profileFromForecast({ zone: 'GB', source: 'uk-carbon-intensity', kind: 'average', points: [
      { startsAt: '2026-06-01T00:00:00.000Z', gramsCo2PerKwh: 100 }, { startsAt: '2026-06-01T01:00:00.000Z', gramsCo2PerKwh: 300 },
    ] });
    expect(profile).toMatchObject({ origin: 'provider-forecast', source: 'uk-carbon-intensity forecast', average: { stepMs: H } });
    expect(seriesMeanOver(profile.average!, DAY0 + 0.5 * H, DAY0 + 1.5 * H)).toBe(200);
    expect(seriesMeanOver(profile.average!, DAY0 + 1.5 * H, DAY0 + 2.5 * H)).toBeUndefined(); // beyond the forecast: unknown, not invented
    expect(() => profileFromForecast({ zone: 'GB', source: 'x', kind: 'average', points: [
      { startsAt: '2026-06-01T00:00:00.000Z', gramsCo2PerKwh: 1 }, { startsAt: '2026-06-01T01:00:00.000Z', gramsCo2PerKwh: 1 }, { startsAt: '2026-06-01T03:00:00.000Z', gramsCo2PerKwh: 1 },
    ] })).toThrow(/not evenly spaced/);
  });
});
