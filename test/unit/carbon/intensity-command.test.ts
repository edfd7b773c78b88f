import { describe, expect, it } from 'vitest';
import { CliError } from '../../../src/cli/args';
import type { CliIo } from '../../../src/cli/command';
import { createIntensityCommand } from '../../../src/cli/commands/intensity';
import { jsonResponse, scriptedFetch, ukBody } from './fake-fetch';

function bufferIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
  return { io, out, err };
}

describe('carbonedge intensity', () => {
  it('prints value, unit, source, year, basis and kind for a bundled zone', async () => {
    const { io, out } = bufferIo();
    expect(await createIntensityCommand().run(['FR'], io)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('31 gCO2/kWh');
    expect(text).toMatch(/source\s+bundled-electricity-maps/);
    expect(text).toMatch(/kind\s+average/);
    expect(text).toMatch(/year\s+2025/);
    expect(text).toMatch(/basis\s+lifecycle emission factors, consumption mix/);
  });

  it('answers a sub-national zone with its name, source and year', async () => {
    const { io, out } = bufferIo();
    expect(await createIntensityCommand().run(['US-CAL-CISO'], io)).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/zone\s+US-CAL-CISO \(CAISO\)/);
    expect(text).toMatch(/intensity\s+208 gCO2\/kWh/);
    expect(text).toMatch(/source\s+bundled-electricity-maps/);
    expect(text).toMatch(/year\s+2025/);
  });

  it('answers --year from the Electricity Maps table of that year', async () => {
    const { io, out } = bufferIo();
    expect(await createIntensityCommand().run(['FR', '--year', '2023'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/intensity\s+49 gCO2\/kWh[\s\S]*year\s+2023/);
  });

  it('refuses a year the tables do not have, and a year for Ember, with exit 2', async () => {
    for (const argv of [['FR', '--year', '2019'], ['FR', '--dataset', 'ember', '--year', '2023'], ['FR', '--year', '2023', '--live']]) {
      const error = await createIntensityCommand().run(argv, bufferIo().io).catch((e: unknown) => e);
      expect(error, argv.join(' ')).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
    }
    const error = await createIntensityCommand().run(['FR', '--year', '2019'], bufferIo().io).catch((e: unknown) => e);
    expect((error as CliError).message).toBe('no 2019 figure for "FR": Electricity Maps yearly, lifecycle, consumption-based covers 2021, 2022, 2023, 2024, 2025');
  });

  it('prints JSON with --json', async () => {
    const { io, out } = bufferIo();
    await createIntensityCommand().run(['IND', '--json'], io);
    expect(JSON.parse(out.join(''))).toMatchObject({ gramsCo2PerKwh: 593, zone: 'IN', year: 2025, basis: 'lifecycle-consumption', unit: 'gCO2/kWh', kind: 'average' });
  });

  it('fails with a one-line CliError (exit 2) for an unknown zone', async () => {
    const error = await createIntensityCommand().run(['XX'], bufferIo().io).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).not.toContain('\n');
  });

  it('reads GB live through the UK API when asked', async () => {
    const { fetch } = scriptedFetch(jsonResponse(ukBody(140, 150)));
    const { io, out } = bufferIo();
    await createIntensityCommand({ fetch, env: {} }).run(['GB', '--live', '--json'], io);
    expect(JSON.parse(out.join(''))).toMatchObject({ gramsCo2PerKwh: 140, isLive: true, source: 'uk-carbon-intensity' });
  });

  it('falls back with a clear label when live fails or no provider exists', async () => {
    const { fetch } = scriptedFetch(new TypeError('fetch failed'));
    const gb = bufferIo();
    await createIntensityCommand({ fetch, env: {} }).run(['GB', '--live'], gb.io);
    expect(gb.out.join('\n')).toMatch(/FALLBACK\s+uk-carbon-intensity failed: network: fetch failed/);
    const fr = bufferIo();
    await createIntensityCommand({ fetch: scriptedFetch().fetch, env: {} }).run(['FR', '--live'], fr.io);
    expect(fr.out.join('\n')).toMatch(/FALLBACK.*ELECTRICITY_MAPS_TOKEN/);
  });
});
