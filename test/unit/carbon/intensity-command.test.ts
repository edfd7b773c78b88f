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
  it('prints value, unit, source, year and kind for a bundled zone', async () => {
    const { io, out } = bufferIo();
    expect(await createIntensityCommand().run(['FR'], io)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('44.18 gCO2/kWh');
    expect(text).toContain('bundled-ember');
    expect(text).toMatch(/kind\s+average/);
    expect(text).toMatch(/year\s+Ember yearly/);
  });

  it('prints JSON with --json', async () => {
    const { io, out } = bufferIo();
    await createIntensityCommand().run(['IND', '--json'], io);
    expect(JSON.parse(out.join(''))).toMatchObject({ gramsCo2PerKwh: 708.96, zone: 'IN', unit: 'gCO2/kWh', kind: 'average' });
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
