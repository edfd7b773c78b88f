import { CliError, flagBool, flagNumber, flagString, helpText, parseArgs, type FlagSpec } from '../args';
import type { CliCommand } from '../command';
import { bundledReading } from '../../carbon/bundled-intensity';
import { isScenarioName, scenarioReading } from '../../carbon/configured-intensity';
import { canonicalCountryCode } from '../../carbon/country-codes';
import { intensityProvenance } from '../../carbon/format';
import { UnknownZoneError, type IntensityKind, type IntensityReading, type IntensitySource } from '../../carbon/intensity';
import { globalFetch, type FetchLike } from '../../carbon/live-fetch';
import { createElectricityMapsSource, createUkCarbonIntensitySource } from '../../carbon/live-intensity';
import { createResilientIntensitySource } from '../../carbon/resilient-intensity';

const spec: Record<string, FlagSpec> = {
  live: { type: 'boolean', help: 'ask a live provider (GB: UK Carbon Intensity; others: Electricity Maps with $ELECTRICITY_MAPS_TOKEN), falling back to the bundled table' },
  kind: { type: 'string', help: 'average (default) or marginal (bundled UNFCCC 2021 factors; not with --live)' },
  'timeout-ms': { type: 'string', help: 'live request timeout in ms (default 3000)' },
};

/** What the intensity command needs from outside; tests inject a fake fetch and env. */
export interface IntensityCommandDeps {
  readonly fetch?: FetchLike;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function liveSourceFor(zone: string, deps: IntensityCommandDeps, timeoutMs: number): IntensitySource | string {
  const fetch = deps.fetch ?? globalFetch;
  if (canonicalCountryCode(zone) === 'GB') return createUkCarbonIntensitySource({ fetch, timeoutMs });
  const token = (deps.env ?? process.env).ELECTRICITY_MAPS_TOKEN;
  if (token) return createElectricityMapsSource({ fetch, timeoutMs, token });
  return `no live provider for ${zone} (UK Carbon Intensity covers GB only; set ELECTRICITY_MAPS_TOKEN for Electricity Maps)`;
}

async function readIntensity(zone: string, kind: IntensityKind, live: boolean, deps: IntensityCommandDeps, timeoutMs: number): Promise<IntensityReading> {
  if (isScenarioName(zone)) return scenarioReading(zone);
  if (!live) return bundledReading(zone, kind);
  const source = liveSourceFor(zone, deps, timeoutMs);
  if (typeof source === 'string') return { ...bundledReading(zone, kind), fallback: { fromSource: 'live', reason: source } };
  const resilient = createResilientIntensitySource({ live: source, minIntervalMs: 0 });
  return resilient.read(zone);
}

function describe(reading: IntensityReading): string {
  const lines = [
    `zone        ${reading.zone}`,
    `intensity   ${reading.gramsCo2PerKwh} gCO2/kWh`,
    `kind        ${reading.kind}`,
    `source      ${reading.source}`,
    `${reading.observedAt ? 'time        ' + reading.observedAt : 'year        ' + reading.vintage}`,
    `live        ${reading.isLive ? 'yes' : 'no'}${reading.observedAt ? ` (${reading.vintage})` : ''}`,
  ];
  if (reading.fallback) lines.push(`FALLBACK    ${reading.fallback.fromSource} failed: ${reading.fallback.reason}`);
  lines.push(`summary     ${intensityProvenance(reading)}`);
  return lines.join('\n');
}

/** Build the `intensity` command with injectable fetch/env (the default uses the real ones). */
export function createIntensityCommand(deps: IntensityCommandDeps = {}): CliCommand {
  return {
    name: 'intensity',
    summary: 'grid carbon intensity of a zone (ISO country code or paper scenario) with its source',
    async run(argv, io) {
      const args = parseArgs(argv, spec);
      if (args.flags.help) {
        io.out(helpText('carbonedge intensity ZONE [--live] [--kind average|marginal] [--json]', this.summary, spec));
        return 0;
      }
      const [zone, ...extra] = args.positionals;
      if (!zone) throw new CliError('missing ZONE (e.g. FR, FRA, GB, WORLD, node-green)');
      if (extra.length > 0) throw new CliError(`expected one ZONE, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
      const kindFlag = flagString(args, 'kind') ?? 'average';
      if (kindFlag !== 'average' && kindFlag !== 'marginal') throw new CliError(`--kind must be average or marginal, got "${kindFlag}"`);
      const live = flagBool(args, 'live');
      if (live && kindFlag === 'marginal') throw new CliError('--live providers give average figures; drop --kind marginal');
      const timeoutMs = flagNumber(args, 'timeout-ms', { min: 1, max: 60_000, integer: true }) ?? 3000;
      let reading: IntensityReading;
      try {
        reading = await readIntensity(zone, kindFlag, live, deps, timeoutMs);
      } catch (error) {
        if (error instanceof UnknownZoneError) throw new CliError(error.message);
        throw error;
      }
      io.out(flagBool(args, 'json') ? JSON.stringify({ ...reading, unit: 'gCO2/kWh' }, null, 2) : describe(reading));
      return 0;
    },
  };
}

/** `carbonedge intensity ZONE [--live] [--json]`. */
export const intensityCommand: CliCommand = createIntensityCommand();
