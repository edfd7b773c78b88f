import { CliError, flagBool, flagNumber, flagString, helpText, parseArgs, type FlagSpec } from '../args';
import type { CliCommand } from '../command';
import { bundledReading } from '../../carbon/bundled-intensity';
import { DEFAULT_GRID_YEAR, ELECTRICITY_MAPS_YEARS, GRID_DATASETS, UnknownYearError, lookupGridIntensity, type GridDatasetId } from '../../carbon/grid-data';
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
  year: { type: 'string', help: `year of the bundled figure (Electricity Maps ${ELECTRICITY_MAPS_YEARS[0]}-${DEFAULT_GRID_YEAR}; default ${DEFAULT_GRID_YEAR}; not with --live)` },
  dataset: { type: 'string', help: 'bundled table: electricity-maps (default for averages; Ember for zones it lacks), ember, unfccc-marginal' },
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

/** What the user asked for. */
interface IntensityQuery {
  readonly kind: IntensityKind;
  readonly live: boolean;
  readonly year?: number;
  readonly dataset?: GridDatasetId;
}

async function readIntensity(zone: string, query: IntensityQuery, deps: IntensityCommandDeps, timeoutMs: number): Promise<IntensityReading> {
  const { kind, live } = query;
  if (isScenarioName(zone)) {
    if (query.year !== undefined || query.dataset !== undefined) throw new CliError(`${zone} is a paper scenario figure: --year and --dataset do not apply`);
    return scenarioReading(zone);
  }
  if (!live) return bundledReading(zone, kind, { ...(query.year !== undefined ? { year: query.year } : {}), ...(query.dataset ? { dataset: query.dataset } : {}) });
  const source = liveSourceFor(zone, deps, timeoutMs);
  if (typeof source === 'string') return { ...bundledReading(zone, kind), fallback: { fromSource: 'live', reason: source } };
  const resilient = createResilientIntensitySource({ live: source, minIntervalMs: 0 });
  return resilient.read(zone);
}

const BASIS_TEXT = {
  'lifecycle-consumption': 'lifecycle emission factors, consumption mix (imports included)',
  'lifecycle-production': 'lifecycle emission factors, production mix (imports not included)',
  'direct-production': 'direct (combustion) emissions, production mix',
} as const;

function describe(reading: IntensityReading, zoneName: string | null): string {
  const when = reading.observedAt
    ? `time        ${reading.observedAt}`
    : `year        ${reading.year === undefined ? reading.vintage : reading.year === null ? 'not shipped by the table (latest year per country)' : reading.year}`;
  const lines = [
    `zone        ${reading.zone}${zoneName && zoneName !== reading.zone ? ` (${zoneName})` : ''}`,
    `intensity   ${reading.gramsCo2PerKwh} gCO2/kWh`,
    `kind        ${reading.kind}`,
    `basis       ${reading.basis ? BASIS_TEXT[reading.basis] : 'not stated by the source'}`,
    `source      ${reading.source}`,
    when,
    `vintage     ${reading.vintage}`,
    `live        ${reading.isLive ? 'yes' : 'no'}`,
  ];
  if (reading.fallback) lines.push(`FALLBACK    ${reading.fallback.fromSource} failed: ${reading.fallback.reason}`);
  lines.push(`summary     ${intensityProvenance(reading)}`);
  return lines.join('\n');
}

/** Build the `intensity` command with injectable fetch/env (the default uses the real ones). */
export function createIntensityCommand(deps: IntensityCommandDeps = {}): CliCommand {
  return {
    name: 'intensity',
    summary: 'grid carbon intensity of a zone (country, sub-national zone or paper scenario) with its source, year and basis',
    async run(argv, io) {
      const args = parseArgs(argv, spec);
      if (args.flags.help) {
        io.out(helpText('carbonedge intensity ZONE [--year YYYY] [--dataset D] [--live] [--kind average|marginal] [--json]', this.summary, spec));
        return 0;
      }
      const [zone, ...extra] = args.positionals;
      if (!zone) throw new CliError('missing ZONE (e.g. FR, FRA, GB, US-CAL-CISO, NO-NO1, WORLD, node-green)');
      if (extra.length > 0) throw new CliError(`expected one ZONE, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
      const kindFlag = flagString(args, 'kind') ?? 'average';
      if (kindFlag !== 'average' && kindFlag !== 'marginal') throw new CliError(`--kind must be average or marginal, got "${kindFlag}"`);
      const live = flagBool(args, 'live');
      if (live && kindFlag === 'marginal') throw new CliError('--live providers give average figures; drop --kind marginal');
      const timeoutMs = flagNumber(args, 'timeout-ms', { min: 1, max: 60_000, integer: true }) ?? 3000;
      const year = flagNumber(args, 'year', { min: 1900, max: 2100, integer: true });
      const datasetFlag = flagString(args, 'dataset');
      if (datasetFlag !== undefined && !Object.hasOwn(GRID_DATASETS, datasetFlag)) {
        throw new CliError(`--dataset must be one of ${Object.keys(GRID_DATASETS).join(', ')}, got "${datasetFlag}"`);
      }
      const dataset = datasetFlag as GridDatasetId | undefined;
      if (live && (year !== undefined || dataset !== undefined)) throw new CliError('--year and --dataset choose a bundled table; drop them with --live');
      if (dataset !== undefined && GRID_DATASETS[dataset].kind !== kindFlag) {
        throw new CliError(`--dataset ${dataset} gives ${GRID_DATASETS[dataset].kind} figures; use --kind ${GRID_DATASETS[dataset].kind}`);
      }
      let reading: IntensityReading;
      try {
        reading = await readIntensity(zone, { kind: kindFlag, live, ...(year !== undefined ? { year } : {}), ...(dataset ? { dataset } : {}) }, deps, timeoutMs);
      } catch (error) {
        if (error instanceof UnknownZoneError || error instanceof UnknownYearError) throw new CliError(error.message);
        throw error;
      }
      const zoneName = reading.source.startsWith('bundled-') ? (lookupGridIntensity(reading.zone, { kind: reading.kind, ...(dataset ? { dataset } : {}) })?.zoneName ?? null) : null;
      io.out(flagBool(args, 'json') ? JSON.stringify({ ...reading, zoneName, unit: 'gCO2/kWh' }, null, 2) : describe(reading, zoneName));
      return 0;
    },
  };
}

/** `carbonedge intensity ZONE [--year YYYY] [--dataset D] [--live] [--json]`. */
export const intensityCommand: CliCommand = createIntensityCommand();
