import { describe, expect, it } from 'vitest';
import {
  POWER_PRIORS,
  PowerModelError,
  configuredPowerModel,
  estimatedPowerModel,
  measuredPowerModel,
  powerAt,
  utilisationFrom,
} from '../../../src/carbon/power-model';

describe('power model P = P_idle + u (P_max - P_idle) + RAM', () => {
  const laptop = estimatedPowerModel({ deviceClass: 'laptop', arch: 'x86' });

  it('gives idle, midpoint and max at u = 0, 0.5, 1 (laptop/x86 prior 5.6-28 W)', () => {
    expect(powerAt(laptop, 0).watts).toBeCloseTo(5.6, 10);
    expect(powerAt(laptop, 0.5).watts).toBeCloseTo(16.8, 10);
    expect(powerAt(laptop, 1).watts).toBeCloseTo(28, 10);
    expect(powerAt(laptop, 1)).toMatchObject({ label: 'estimated', ramWatts: 0 });
  });

  it('adds RAM at 0.375 W/GB when memory size is known', () => {
    const withRam = estimatedPowerModel({ deviceClass: 'laptop', arch: 'x86', ramGb: 8 });
    expect(powerAt(withRam, 0.5).ramWatts).toBe(3);
    expect(powerAt(withRam, 0.5).cpuWatts).toBeCloseTo(16.8, 10);
    expect(powerAt(withRam, 0.5).watts).toBeCloseTo(19.8, 10);
  });

  it('uses the x86 prior for a computer of unknown family and ARM for mobiles', () => {
    expect(estimatedPowerModel({ deviceClass: 'desktop' }).maxWatts).toBe(POWER_PRIORS['desktop/x86'].maxWatts);
    expect(estimatedPowerModel({ deviceClass: 'phone' }).maxWatts).toBe(POWER_PRIORS['phone/arm'].maxWatts);
    expect(estimatedPowerModel({ deviceClass: 'laptop', arch: 'apple-silicon' }).maxWatts).toBe(20);
  });

  it('labels overrides configured and keeps the class idle ratio when idle is not given', () => {
    const model = configuredPowerModel({ deviceClass: 'laptop', arch: 'x86', maxWatts: 45 });
    expect(model).toMatchObject({ label: 'configured', maxWatts: 45 });
    expect(model.idleWatts).toBeCloseTo(9, 10);
    expect(powerAt(measuredPowerModel({ deviceClass: 'laptop', watts: 31, source: 'USB-C meter' }), 0.2)).toMatchObject({ watts: 31, label: 'measured' });
  });

  it('rejects negative, NaN and absurd watts with the numbers in the message', () => {
    expect(() => configuredPowerModel({ deviceClass: 'phone', maxWatts: 5000 })).toThrow('max power of 5000 W is not plausible for a phone (max 25 W)');
    expect(() => configuredPowerModel({ deviceClass: 'laptop', maxWatts: -3 })).toThrow(PowerModelError);
    expect(() => configuredPowerModel({ deviceClass: 'laptop', maxWatts: Number.NaN })).toThrow(PowerModelError);
    expect(() => configuredPowerModel({ deviceClass: 'laptop', maxWatts: 20, idleWatts: 30 })).toThrow(/idle power/);
    expect(() => estimatedPowerModel({ deviceClass: 'laptop', ramGb: -1 })).toThrow(/RAM/);
  });

  it('validates utilisation: NaN, out of range, busy > wall', () => {
    expect(() => powerAt(laptop, Number.NaN)).toThrow('utilisation must be in [0, 1], got NaN');
    expect(() => powerAt(laptop, 1.2)).toThrow(PowerModelError);
    expect(utilisationFrom(30, 120)).toBe(0.25);
    expect(() => utilisationFrom(200, 100)).toThrow('busy time 200 ms exceeds wall time 100 ms');
    expect(() => utilisationFrom(10, 0)).toThrow(/wallMs/);
    expect(() => utilisationFrom(Number.NaN, 10)).toThrow(/busyMs/);
  });
});
