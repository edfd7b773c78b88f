import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LabScenarioError, type LabNode } from '../../../src/lab/scenario';
import { formatTimeShiftStudy, parseTimeShiftStudy, runTimeShiftStudy, timeShiftWorkers } from '../../../src/lab/time-shift-study';

const recorded = JSON.parse(readFileSync(new URL('./fixtures/uk-fw24h-2020-05-21.json', import.meta.url), 'utf8')) as { intensityProfiles: unknown };
const nodes: LabNode[] = [
  { name: 'Laptop-GB', slowdown: 1, memoryMb: 4096, zone: 'GB', power: { idleWatts: 5.6, maxWatts: 28 } },
  { name: 'Phone-GB', slowdown: 3, memoryMb: 1024, zone: 'GB', power: { idleWatts: 1, maxWatts: 5 } },
];
// 0.3 GFLOP per inference at 3 GFLOP/s: the laptop takes 100 ms (28 W -> 2.8 J), the phone 300 ms (5 W -> 1.5 J).
const workers = timeShiftWorkers(nodes, 0.3e9, 3e9);

describe('time-shift study (lab)', () => {
  it('derives each node\'s rate and energy from the planner\'s model of it', () => {
    expect(workers.map((w) => [w.workerId, Math.round(w.inferencesPerHour), w.joulesPerInference])).toEqual([
      ['Laptop-GB', 36_000, expect.closeTo(2.8, 12)], ['Phone-GB', 12_000, expect.closeTo(1.5, 12)],
    ]);
  });

  it('reports run-now vs shifted grams and the saving on a recorded 24-hour GB forecast', async () => {
    const spec = parseTimeShiftStudy({ timeShift: { inferences: 200_000, startsAt: '2020-05-21T20:30Z', deadline: '2020-05-22T20:30Z' }, intensityProfiles: recorded.intensityProfiles })!;
    const result = await runTimeShiftStudy({ spec, workers });
    expect(result.method).toBe('simulate');
    // Run now: both nodes from 20:30 (190, 177, 161... gCO2/kWh); shifted: the 60-65 gCO2/kWh afternoon.
    expect(result.replay.runNow.inferences).toBe(200_000);
    expect(result.replay.shifted.inferences).toBe(200_000);
    expect(result.plan.shifted.finishesAtMs).toBeLessThanOrEqual(spec.job.deadlineMs);
    expect(result.replay.measured.average!.fraction).toBeGreaterThan(0.5);
    expect(result.replay.measured.average!.fraction).toBeCloseTo(result.plan.saving.average!.fraction, 9); // no forecast error in this replay
    expect(result.replay.measured.marginal).toBeNull(); // UK Carbon Intensity publishes averages only
    const text = formatTimeShiftStudy(result).join('\n');
    expect(text).toContain('profile GB: scenario-profile: scenario: UK Carbon Intensity API forecast');
    expect(text).toMatch(/saving {2}: \d+\.\d% average \(expected \d+\.\d%\), n\/a marginal/);
    console.log(text);
  });

  it('refuses a study without a sourced profile, or with a bad section, naming the field', () => {
    const job = { inferences: 10, startsAt: '2020-05-21T20:30Z', deadline: '2020-05-22T20:30Z' };
    expect(parseTimeShiftStudy({})).toBeUndefined();
    expect(() => parseTimeShiftStudy({ timeShift: job })).toThrow('scenario intensityProfiles: a time-shift study needs a profile per zone (never invented)');
    expect(() => parseTimeShiftStudy({ timeShift: { ...job, deadline: job.startsAt }, intensityProfiles: recorded.intensityProfiles })).toThrow(/deadline: must be after/);
    expect(() => parseTimeShiftStudy({ timeShift: { ...job, inferences: 0 }, intensityProfiles: recorded.intensityProfiles })).toThrow(LabScenarioError);
    expect(() => parseTimeShiftStudy({ timeShift: job, intensityProfiles: { GB: { startsAt: '2020-05-21T20:30Z', average: [1] } } })).toThrow(/source must say where/);
    expect(() => timeShiftWorkers([{ name: 'X', slowdown: 1, memoryMb: 1024, gramsCo2PerKwh: 100 }], 1e9, 3e9)).toThrow(/needs each node's zone/);
  });
});

describe('time-shift study on the example scenario file (the lab path, --simulate)', () => {
  it('plans 5,000 MobileNetV2 inferences by 18:00 on the recorded GB forecast and reports the saving', async () => {
    const { parseLabScenario } = await import('../../../src/lab/scenario');
    const { loadPlanModel } = await import('../../../src/lab/simulate');
    const raw = JSON.parse(readFileSync(new URL('./fixtures/time-shift-gb.scenario.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const { timeShift, intensityProfiles, ...base } = raw;
    const scenario = parseLabScenario(base); // the rest is an ordinary lab scenario
    const spec = parseTimeShiftStudy({ timeShift, intensityProfiles })!;
    const model = await loadPlanModel(scenario.model);
    const modelFlops = Array.from(model.nodeFlops).reduce((a, b) => a + b, 0);
    const result = await runTimeShiftStudy({ spec, workers: timeShiftWorkers(scenario.nodes, modelFlops, 3e9) });
    console.log(formatTimeShiftStudy(result).join('\n'));
    expect(result.plan.shifted.finishesAtMs).toBeLessThanOrEqual(Date.parse('2020-05-22T18:00Z'));
    expect(result.replay.shifted.inferences).toBe(5000);
    expect(result.replay.measured.average!.fraction).toBeGreaterThan(0.3);
  }, 60_000);
});
