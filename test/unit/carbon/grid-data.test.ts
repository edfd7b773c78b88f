import { electricityMaps } from '@tgwf/co2/data';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GRID_YEAR,
  ELECTRICITY_MAPS_YEARS,
  UnknownYearError,
  electricityMapsHistory,
  gridReading,
  gridZones,
  lookupGridIntensity,
} from '../../../src/carbon/grid-data';
import { UnknownZoneError } from '../../../src/carbon/intensity';

describe('grid data (every table @tgwf/co2 ships)', () => {
  it('reads France per year from Electricity Maps, as the issue measured (49 / 33 / 31)', () => {
    expect(electricityMapsHistory('FR').map((h) => [h.year, h.gramsCo2PerKwh])).toEqual([[2021, 60], [2022, 91], [2023, 49], [2024, 33], [2025, 31]]);
    expect(gridReading('FRA', { year: 2023 })).toMatchObject({ zone: 'FR', gramsCo2PerKwh: 49, year: 2023, source: 'bundled-electricity-maps' });
  });

  it('has sub-national zones: US balancing authorities and Nordic bidding zones', () => {
    expect(lookupGridIntensity('us-cal-ciso')).toMatchObject({ zone: 'US-CAL-CISO', zoneName: 'CAISO', gramsCo2PerKwh: 208, year: 2025 });
    expect(gridReading('NO-NO1', { year: 2021 }).gramsCo2PerKwh).toBe(30);
    const zones = gridZones('electricity-maps');
    expect(zones.length).toBe(Object.keys(electricityMaps.yearly2025.data).length);
    expect(zones.filter((z) => z.includes('-')).length).toBeGreaterThan(100);
  });

  it('never mixes kinds or bases: each reading names its own', () => {
    expect(gridReading('FR')).toMatchObject({ kind: 'average', basis: 'lifecycle-consumption' });
    expect(gridReading('FR', { dataset: 'ember' })).toMatchObject({ kind: 'average', basis: 'lifecycle-production', year: null });
    expect(gridReading('FR', { kind: 'marginal' })).toMatchObject({ kind: 'marginal', basis: 'direct-production', year: 2021, gramsCo2PerKwh: 158 });
    expect(() => lookupGridIntensity('FR', { kind: 'marginal', dataset: 'ember' })).toThrow('the ember table gives average figures, not marginal');
  });

  it('defaults to the latest Electricity Maps year, and to Ember only for zones Electricity Maps lacks', () => {
    expect(DEFAULT_GRID_YEAR).toBe(ELECTRICITY_MAPS_YEARS.at(-1));
    expect(lookupGridIntensity('DE')).toMatchObject({ dataset: 'electricity-maps', year: 2025 });
    expect(lookupGridIntensity('WORLD')).toMatchObject({ dataset: 'ember', year: null, gramsCo2PerKwh: 472.94 });
    // A year asked means Electricity Maps only: no silent switch to a yearless table.
    expect(lookupGridIntensity('WORLD', { year: 2024 })).toBeUndefined();
  });

  it('refuses unknown zones and years with specific errors', () => {
    expect(() => gridReading('XX')).toThrow(UnknownZoneError);
    expect(() => gridReading('FR', { year: 2020 })).toThrow(UnknownYearError);
    expect(() => gridReading('FR', { year: 2020 })).toThrow('covers 2021, 2022, 2023, 2024, 2025');
    expect(() => gridReading('FR', { year: 2023.5 })).toThrow('whole number');
    expect(() => gridReading('FR', { dataset: 'ember', year: 2023 })).toThrow(/does not ship years/);
    expect(() => gridReading('FR', { kind: 'marginal', year: 2023 })).toThrow('covers 2021');
  });
});
