import { describe, expect, it } from 'vitest';
import {
  INTENSITY_SCENARIOS,
  configuredReading,
  createConfiguredIntensitySource,
  scenarioReading,
} from '../../../src/carbon/configured-intensity';
import { InvalidIntensityError, UnknownZoneError } from '../../../src/carbon/intensity';

describe('configured intensity and paper scenarios', () => {
  it('gives the paper node intensities 620 / 530 / 380', () => {
    expect(INTENSITY_SCENARIOS).toEqual({ 'node-high': 620, 'node-medium': 530, 'node-green': 380 });
    expect(scenarioReading('Node-Green')).toMatchObject({ gramsCo2PerKwh: 380, source: 'scenario:node-green', kind: 'average', isLive: false });
    expect(scenarioReading('node_high').gramsCo2PerKwh).toBe(620);
    expect(() => scenarioReading('node-purple')).toThrow(UnknownZoneError);
  });

  it('labels a configured value as configured', () => {
    expect(configuredReading({ gramsCo2PerKwh: 450, zone: 'lab' })).toMatchObject({ source: 'configured', period: 'fixed', kind: 'average' });
  });

  it('rejects NaN, negative and absurd values', () => {
    expect(() => configuredReading({ gramsCo2PerKwh: Number.NaN, zone: 'lab' })).toThrow(InvalidIntensityError);
    expect(() => configuredReading({ gramsCo2PerKwh: -1, zone: 'lab' })).toThrow(/outside/);
    expect(() => createConfiguredIntensitySource({ lab: 50_000 })).toThrow(/50000/);
  });

  it('answers configured zones and scenario names, and refuses others', async () => {
    const source = createConfiguredIntensitySource({ lab: 300 });
    await expect(source.read('LAB')).resolves.toMatchObject({ gramsCo2PerKwh: 300, zone: 'LAB' });
    await expect(source.read('node-medium')).resolves.toMatchObject({ gramsCo2PerKwh: 530 });
    await expect(source.read('FR')).rejects.toThrow(UnknownZoneError);
  });
});
