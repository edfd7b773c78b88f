import { describe, expect, it } from 'vitest';
import { BUNDLED_SOURCE_IDS, POWER_PRIORS, bundledReading, intensityProvenance } from '../../../src/carbon';
import { checkRunNodeMessage } from '../../../src/protocol/run-messages';
import {
  INTENSITY_OVERRIDE_NOTE,
  POWER_OVERRIDE_SOURCE,
  applyIntensityInput,
  applyPowerInput,
  applyZoneInput,
  browserHintsFrom,
  buildNodeCarbonProfile,
  formatFigure,
  parseCarbonChoices,
  type BrowserHints,
  type CarbonChoices,
  type ChoiceResult,
} from '../../../src/ui/node-carbon-profile';

const LINUX_LAPTOP: BrowserHints = {
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  platform: 'Linux x86_64',
  hardwareConcurrency: 8,
  deviceMemoryGb: 8,
  maxTouchPoints: 0,
  timeZone: 'Europe/Paris',
};
const ANDROID_PHONE: BrowserHints = {
  userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36',
  maxTouchPoints: 5,
  hardwareConcurrency: 8,
  timeZone: 'Europe/Warsaw',
};

function ok(result: ChoiceResult): CarbonChoices {
  if (!result.ok) throw new Error(`expected ok, got ${result.reason}`);
  return result.choices;
}

function refused(result: ChoiceResult): string {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.choices)}`);
  return result.reason;
}

describe('buildNodeCarbonProfile', () => {
  it('guesses the zone from the time zone and uses the bundled intensity and the estimated power', () => {
    const profile = buildNodeCarbonProfile(LINUX_LAPTOP);
    expect(profile.zone).toEqual({ zone: 'FR', basis: 'time-zone', label: 'guessed from time zone Europe/Paris' });
    expect(profile.intensity).toEqual(bundledReading('FR'));
    expect(profile.intensity.source).toBe(BUNDLED_SOURCE_IDS.average);
    expect(profile.device).toMatchObject({ deviceClass: 'laptop', arch: 'x86' });
    expect(profile.power).toMatchObject({
      label: 'estimated',
      idleWatts: POWER_PRIORS['laptop/x86'].idleWatts,
      maxWatts: POWER_PRIORS['laptop/x86'].maxWatts,
      ramGb: 8,
      source: POWER_PRIORS['laptop/x86'].source,
    });
    expect(profile.problems).toEqual([]);
  });

  it('builds a profile message the protocol accepts, with slowdown 1', () => {
    const { message, intensity, power } = buildNodeCarbonProfile(LINUX_LAPTOP, { intensity: { kind: 'scenario', name: 'node-green' } });
    expect(message).toEqual({ kind: 'profile', intensity, power, slowdown: 1 });
    const wire = JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
    expect(checkRunNodeMessage(wire)).toEqual(message);
  });

  it('falls back to the world average, labelled, when the time zone names no country', () => {
    const profile = buildNodeCarbonProfile({ ...LINUX_LAPTOP, timeZone: 'UTC' });
    expect(profile.zone).toMatchObject({ zone: 'WORLD', basis: 'fallback' });
    expect(profile.zone.label).toContain('using the world average');
    expect(profile.intensity.gramsCo2PerKwh).toBe(bundledReading('WORLD').gramsCo2PerKwh);
  });

  it('uses a chosen zone, a configured intensity and configured watts, each labelled', () => {
    const profile = buildNodeCarbonProfile(LINUX_LAPTOP, { zone: 'PL', intensity: { kind: 'configured', gramsCo2PerKwh: 380 }, maxWatts: 100 });
    expect(profile.zone).toEqual({ zone: 'PL', basis: 'chosen', label: 'chosen on this page' });
    expect(profile.intensity).toMatchObject({ gramsCo2PerKwh: 380, zone: 'PL', source: 'configured', kind: 'average', vintage: INTENSITY_OVERRIDE_NOTE });
    // Idle follows the laptop/x86 prior's ratio 5.6 / 28 = 0.2; the user's watts include RAM.
    expect(profile.power).toMatchObject({ label: 'configured', maxWatts: 100, ramGb: null, source: POWER_OVERRIDE_SOURCE });
    expect(profile.power.idleWatts).toBeCloseTo(20, 10);
  });

  it('labels a paper scenario with its name', () => {
    const profile = buildNodeCarbonProfile(LINUX_LAPTOP, { intensity: { kind: 'scenario', name: 'node-high' } });
    expect(profile.intensity).toMatchObject({ gramsCo2PerKwh: 620, source: 'scenario:node-high' });
    expect(intensityProvenance(profile.intensity)).toContain('scenario:node-high');
  });

  it('ignores stored choices that no longer hold and says so', () => {
    // 100 W was fine for a laptop; the same stored value on a phone is above its 25 W bound.
    const profile = buildNodeCarbonProfile(ANDROID_PHONE, { zone: 'XX', maxWatts: 100, intensity: { kind: 'configured', gramsCo2PerKwh: Number.NaN } });
    expect(profile.zone).toMatchObject({ zone: 'PL', basis: 'time-zone' });
    expect(profile.intensity.source).toBe(BUNDLED_SOURCE_IDS.average);
    expect(profile.power).toMatchObject({ label: 'estimated', deviceClass: 'phone' });
    expect(profile.problems).toHaveLength(3);
    expect(profile.problems.join('\n')).toMatch(/"XX" is unknown[\s\S]*NaN[\s\S]*100 W is not plausible for a phone/);
  });
});

describe('applyZoneInput', () => {
  it('accepts alpha-2, alpha-3 and regions, canonicalised, and resets on empty text', () => {
    expect(ok(applyZoneInput({}, ' fra '))).toEqual({ zone: 'FR' });
    expect(ok(applyZoneInput({}, 'world'))).toEqual({ zone: 'WORLD' });
    expect(ok(applyZoneInput({ zone: 'PL', maxWatts: 50 }, ''))).toEqual({ maxWatts: 50 });
  });

  it('refuses an unknown zone with a reason naming it, and takes a sub-national grid zone', () => {
    const result = applyZoneInput({ zone: 'PL' }, 'Atlantis');
    expect(result).toMatchObject({ ok: false, field: 'zone' });
    expect(refused(result)).toContain('unknown zone "Atlantis"');
    expect(refused(result)).toContain('US-CAL-CISO');
    expect(ok(applyZoneInput({}, 'US-CAL-CISO'))).toEqual({ zone: 'US-CAL-CISO' });
  });
});

describe('applyIntensityInput', () => {
  it('takes a number as a configured value and a scenario name in either spelling', () => {
    expect(ok(applyIntensityInput({ zone: 'FR' }, '380'))).toEqual({ zone: 'FR', intensity: { kind: 'configured', gramsCo2PerKwh: 380 } });
    expect(ok(applyIntensityInput({}, 'scenario:node-green'))).toEqual({ intensity: { kind: 'scenario', name: 'node-green' } });
    expect(ok(applyIntensityInput({}, 'Node_Medium'))).toEqual({ intensity: { kind: 'scenario', name: 'node-medium' } });
  });

  it('resets to the bundled figure on empty text or "bundled"', () => {
    const set: CarbonChoices = { intensity: { kind: 'configured', gramsCo2PerKwh: 380 } };
    expect(ok(applyIntensityInput(set, ''))).toEqual({});
    expect(ok(applyIntensityInput(set, 'bundled'))).toEqual({});
  });

  it('refuses NaN, text, negative and absurd values with the number that failed', () => {
    expect(refused(applyIntensityInput({}, 'NaN'))).toContain('"NaN" is not a number of gCO2/kWh');
    expect(refused(applyIntensityInput({}, 'lots'))).toContain('scenario:node-green');
    expect(refused(applyIntensityInput({}, '-5'))).toContain('-5 gCO2/kWh is outside 0..2000');
    expect(refused(applyIntensityInput({}, '1e6'))).toContain('1000000 gCO2/kWh is outside 0..2000');
    expect(applyIntensityInput({}, 'scenario:node-purple')).toMatchObject({ ok: false, field: 'intensity' });
  });
});

describe('applyPowerInput', () => {
  it('accepts plausible watts for the device class and resets on empty text', () => {
    expect(ok(applyPowerInput({ zone: 'FR' }, '100', LINUX_LAPTOP))).toEqual({ zone: 'FR', maxWatts: 100 });
    expect(ok(applyPowerInput({ maxWatts: 100 }, ' ', LINUX_LAPTOP))).toEqual({});
    expect(ok(applyPowerInput({}, '4.5', ANDROID_PHONE))).toEqual({ maxWatts: 4.5 });
  });

  it('refuses absurd, zero, negative and non-numeric watts with the figures', () => {
    expect(refused(applyPowerInput({}, '5000', ANDROID_PHONE))).toBe('max power of 5000 W is not plausible for a phone (max 25 W)');
    expect(refused(applyPowerInput({}, '0', LINUX_LAPTOP))).toContain('positive number of watts, got 0');
    expect(refused(applyPowerInput({}, '-3', LINUX_LAPTOP))).toContain('got -3');
    expect(refused(applyPowerInput({}, 'abc', LINUX_LAPTOP))).toBe('"abc" is not a number of watts');
    expect(refused(applyPowerInput({}, 'Infinity', LINUX_LAPTOP))).toContain('is not a number of watts');
  });
});

describe('parseCarbonChoices', () => {
  it('keeps well-formed stored fields and drops the rest', () => {
    expect(parseCarbonChoices({ zone: 'FR', maxWatts: 100, intensity: { kind: 'configured', gramsCo2PerKwh: 380 } }))
      .toEqual({ zone: 'FR', maxWatts: 100, intensity: { kind: 'configured', gramsCo2PerKwh: 380 } });
    expect(parseCarbonChoices({ intensity: { kind: 'scenario', name: 'NODE_GREEN' } })).toEqual({ intensity: { kind: 'scenario', name: 'node-green' } });
    expect(parseCarbonChoices({ zone: 7, maxWatts: 'x', intensity: { kind: 'scenario', name: 'nope' } })).toEqual({});
    expect(parseCarbonChoices(null)).toEqual({});
    expect(parseCarbonChoices('FR')).toEqual({});
  });
});

describe('browserHintsFrom and formatFigure', () => {
  it('maps navigator fields and the time zone to hints', () => {
    const nav = { userAgent: 'UA', platform: 'Win32', hardwareConcurrency: 4, deviceMemory: 8, maxTouchPoints: 0 };
    expect(browserHintsFrom(nav, 'Europe/Warsaw')).toEqual({
      userAgent: 'UA', platform: 'Win32', hardwareConcurrency: 4, deviceMemoryGb: 8, maxTouchPoints: 0, timeZone: 'Europe/Warsaw',
    });
  });

  it('renders figures with at most one decimal', () => {
    expect([formatFigure(380), formatFigure(44.23), formatFigure(5.6), formatFigure(20.00000001)]).toEqual(['380', '44.2', '5.6', '20']);
  });
});
