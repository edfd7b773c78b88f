import { readFileSync } from 'node:fs';
import { averageIntensity } from '@tgwf/co2/data';
import { describe, expect, it } from 'vitest';
import {
  TGWF_CO2_VERSION,
  bundledReading,
  bundledZones,
  createBundledIntensitySource,
  lookupBundledIntensity,
} from '../../../src/carbon/bundled-intensity';
import { alpha2FromAlpha3, alpha3FromAlpha2, canonicalCountryCode, knownAlpha2Codes } from '../../../src/carbon/country-codes';
import { UnknownZoneError } from '../../../src/carbon/intensity';

describe('bundled intensity (default: Electricity Maps 2025, else Ember, via @tgwf/co2)', () => {
  it('pins France, Poland and India from the installed Electricity Maps 2025 table', () => {
    expect(bundledReading('FR').gramsCo2PerKwh).toBe(31);
    expect(bundledReading('PL').gramsCo2PerKwh).toBe(565);
    expect(bundledReading('IN').gramsCo2PerKwh).toBe(593);
    expect(bundledReading('FR', 'average', { dataset: 'ember' }).gramsCo2PerKwh).toBe(44.18);
  });

  it('accepts alpha-2, alpha-3, lower case and aliases, reporting the alpha-2 zone', () => {
    for (const zone of ['FR', 'FRA', 'fr', ' fra ']) expect(bundledReading(zone).zone).toBe('FR');
    expect(bundledReading('UK').zone).toBe('GB');
    expect(bundledReading('WORLD')).toMatchObject({ zone: 'WORLD', gramsCo2PerKwh: 472.94 });
  });

  it('labels the reading as bundled, annual, average, with year and basis, and not live', () => {
    expect(bundledReading('PL')).toMatchObject({
      source: 'bundled-electricity-maps', kind: 'average', period: 'annual', isLive: false, observedAt: null,
      year: 2025, basis: 'lifecycle-consumption',
    });
    expect(bundledReading('PL').vintage).toContain('@tgwf/co2 0.19.0');
    expect(bundledReading('PL').vintage).toContain('2025');
  });

  it('answers regions only Ember has from Ember, labelled with its basis and no year', () => {
    expect(bundledReading('WORLD')).toMatchObject({ source: 'bundled-ember', basis: 'lifecycle-production', year: null });
    expect(bundledReading('WORLD').vintage).toMatch(/Ember yearly \(latest year per country; year not shipped\)/);
  });

  it('serves the marginal UNFCCC table separately and labelled marginal', async () => {
    const source = createBundledIntensitySource('marginal');
    await expect(source.read('FR')).resolves.toMatchObject({ gramsCo2PerKwh: 158, kind: 'marginal' });
    expect(bundledReading('POL', 'marginal').gramsCo2PerKwh).toBe(828);
    expect(bundledReading('IND', 'marginal').gramsCo2PerKwh).toBe(951);
  });

  it('rejects unknown zones with a one-line UnknownZoneError; sub-national zones only in Electricity Maps', async () => {
    expect(() => bundledReading('XX')).toThrow(UnknownZoneError);
    expect(bundledReading('US-CAL-CISO').gramsCo2PerKwh).toBe(208);
    expect(() => bundledReading('US-CAL-CISO', 'average', { dataset: 'ember' })).toThrow(/sub-national zones are in Electricity Maps/);
    expect(() => bundledReading('US-CAL-CISO', 'marginal')).toThrow(UnknownZoneError);
    await expect(createBundledIntensitySource().read('Atlantis')).rejects.toThrow(/unknown zone "Atlantis"/);
    expect(lookupBundledIntensity('')).toBeUndefined();
  });

  it('has no day profile', async () => {
    await expect(createBundledIntensitySource().dayProfile?.('FR')).resolves.toBeNull();
  });

  it('states the installed @tgwf/co2 version', () => {
    const pkg = JSON.parse(readFileSync('node_modules/@tgwf/co2/package.json', 'utf8')) as { version: string };
    expect(pkg.version).toBe(TGWF_CO2_VERSION);
  });
});

describe('country codes', () => {
  it('maps every alpha-3 country of the Ember table to alpha-2 and back', () => {
    const countries = Object.keys(averageIntensity.data).filter((key) => key.length === 3 && key !== 'G20');
    for (const alpha3 of countries) {
      const alpha2 = alpha2FromAlpha3(alpha3);
      expect(alpha2, alpha3).toBeDefined();
      expect(alpha3FromAlpha2(alpha2!)).toBe(alpha3);
    }
    expect(bundledZones()).toContain('FR');
  });

  it('only holds alpha-2 codes that Intl knows as regions', () => {
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of knownAlpha2Codes()) expect(names.of(code), code).not.toBe(code);
    expect(names.of('PL')).toBe('Poland');
    expect(canonicalCountryCode('POL')).toBe('PL');
    expect(canonicalCountryCode('ZZ')).toBeUndefined();
  });
});
