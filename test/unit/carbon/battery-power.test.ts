import { describe, expect, it } from 'vitest';
import { measureBatteryPower, type BatterySample } from '../../../src/carbon/battery-power';
import { estimatedPowerModel, powerAt } from '../../../src/carbon/power-model';

const T0 = Date.UTC(2026, 2, 1, 12);
const phone = estimatedPowerModel({ deviceClass: 'phone', arch: 'arm' });

/**
 * Samples every 10 s of a battery drawing `watts` from `wattHours`, quantised to 1% as Chrome
 * reports it, starting at `level0` (mid-step, so the first and last samples hold partial steps).
 */
function drain(phase: 'idle' | 'busy', startMs: number, minutes: number, watts: number, wattHours: number, level0: number): BatterySample[] {
  const perMs = watts / wattHours / 3_600_000;
  return Array.from({ length: minutes * 6 + 1 }, (_, i) => ({
    atMs: startMs + i * 10_000,
    level: Math.floor((level0 - perMs * i * 10_000) * 100) / 100,
    charging: false,
    phase,
  }));
}

describe('measureBatteryPower', () => {
  it('recovers idle and busy draw from quantised levels (configured capacity)', () => {
    // 15 Wh phone: idle 1.5 W = 10 %/h, busy 4.5 W = 30 %/h; 20 minutes each.
    const samples = [...drain('idle', T0, 20, 1.5, 15, 0.805), ...drain('busy', T0 + 21 * 60_000, 20, 4.5, 15, 0.765)];
    const result = measureBatteryPower(samples, { deviceClass: 'phone', estimate: phone, capacity: { wattHours: 15, source: 'spec sheet: 15 Wh' } });
    if (!result.ok) throw new Error(result.reason);
    // Step edges are found within one 10 s sample: the estimate is within a few % of the truth.
    expect(Math.abs(result.idle.watts / 1.5 - 1)).toBeLessThan(0.05);
    expect(Math.abs(result.busy.watts / 4.5 - 1)).toBeLessThan(0.05);
    expect(result.idle.levelDrop).toBeCloseTo(0.02, 9); // 3 changes in 20 min at 10 %/h
    expect(result.busyExtraWatts).toBeGreaterThan(2.7);
    expect(result.busyExtraWatts).toBeLessThan(3.3);
    expect(result.measured).toMatchObject({ label: 'measured', deviceClass: 'phone', ramGb: null });
    expect(result.measured.idleWatts).toBe(result.idle.watts);
    expect(result.measured.maxWatts).toBe(result.busy.watts);
    expect(result.measured.source).toMatch(/^battery drain: idle \d+\.\d %\/h, busy \d+\.\d %\/h x 15 Wh \(spec sheet: 15 Wh\); whole device$/);
    expect(result.estimate).toBe(phone); // the estimate stays beside it
    expect(powerAt(result.measured, 1).watts).toBe(result.busy.watts); // RAM is in the measurement
  });

  it('uses the class capacity prior when none is configured, and says so', () => {
    const samples = [...drain('idle', T0, 20, 1.5, 15, 0.905), ...drain('busy', T0 + 21 * 60_000, 20, 4.5, 15, 0.865)];
    const result = measureBatteryPower(samples, { deviceClass: 'phone', estimate: phone });
    expect(result.ok && result.measured.source).toContain('estimated capacity: 15 Wh phone');
  });

  it('refuses too short, charging, flat or inconsistent readings with the reason', () => {
    const short = [...drain('idle', T0, 2, 1.5, 15, 0.805), ...drain('busy', T0 + 3 * 60_000, 2, 4.5, 15, 0.8)];
    expect(measureBatteryPower(short, { deviceClass: 'phone', estimate: phone })).toEqual({ ok: false, reason: expect.stringMatching(/^idle: the level changed 0 time\(s\) in 2\.0 min; measure longer/) });
    const charging = drain('idle', T0, 12, 1.5, 15, 0.8).map((s) => ({ ...s, charging: true }));
    expect(measureBatteryPower([...charging, ...drain('busy', T0 + 13 * 60_000, 12, 4.5, 15, 0.785)], { deviceClass: 'phone', estimate: phone })).toMatchObject({ ok: false, reason: 'idle: the device was charging; unplug it to measure' });
    const swapped = [...drain('idle', T0, 20, 4.5, 15, 0.805), ...drain('busy', T0 + 21 * 60_000, 20, 1.5, 15, 0.695)];
    expect(measureBatteryPower(swapped, { deviceClass: 'phone', estimate: phone })).toMatchObject({ ok: false, reason: expect.stringMatching(/busy draw .* is below idle/) });
    expect(measureBatteryPower([{ atMs: T0, level: 1.5, charging: false, phase: 'idle' }], { deviceClass: 'phone', estimate: phone })).toMatchObject({ ok: false, reason: expect.stringMatching(/level must be in 0..1/) });
    expect(measureBatteryPower([], { deviceClass: 'desktop', estimate: estimatedPowerModel({ deviceClass: 'desktop' }) })).toEqual({ ok: false, reason: 'a desktop has no battery to measure from' });
  });
});
