/**
 * Configured intensities: a value a user or experiment sets for a node ("pretend this laptop is in
 * Poland" is simply the bundled PL figure; "pretend 450 g/kWh" is a configured value), and the
 * paper's named scenarios (PAPER.md, experimental setup: Node-High 620, Node-Medium 530,
 * Node-Green 380 gCO2/kWh, static, kind unstated - treated as average).
 */
import { PAPER_NODE_INTENSITIES } from './paper-accounting';
import {
  UnknownZoneError,
  validateGramsCo2PerKwh,
  type IntensityKind,
  type IntensityReading,
  type IntensitySource,
} from './intensity';

/** Names of the paper's scenarios. */
export type ScenarioName = keyof typeof PAPER_NODE_INTENSITIES;

/** The named scenarios, gCO2/kWh. */
export const INTENSITY_SCENARIOS: Readonly<Record<ScenarioName, number>> = PAPER_NODE_INTENSITIES;

/** Input of {@link configuredReading}. */
export interface ConfiguredIntensity {
  /** The value, gCO2/kWh. */
  readonly gramsCo2PerKwh: number;
  /** Zone label to report (free text such as `FR` or `lab`). */
  readonly zone: string;
  /** Defaults to average. */
  readonly kind?: IntensityKind;
  /** Why this value (shown as vintage), e.g. `set on the node page`. */
  readonly note?: string;
}

/** A labelled reading for a configured value; throws InvalidIntensityError for NaN/negative/absurd. */
export function configuredReading(input: ConfiguredIntensity): IntensityReading {
  const gramsCo2PerKwh = validateGramsCo2PerKwh(input.gramsCo2PerKwh, `configured intensity for ${input.zone}`);
  return {
    gramsCo2PerKwh,
    zone: input.zone,
    source: 'configured',
    kind: input.kind ?? 'average',
    observedAt: null,
    period: 'fixed',
    isLive: false,
    vintage: input.note ?? 'configured by the user',
  };
}

/** True when `name` is one of the paper's scenario names (case-insensitive, `_` or `-`). */
export function isScenarioName(name: string): boolean {
  return normaliseScenario(name) !== undefined;
}

function normaliseScenario(name: string): ScenarioName | undefined {
  const key = name.trim().toLowerCase().replace(/_/g, '-');
  return Object.hasOwn(INTENSITY_SCENARIOS, key) ? (key as ScenarioName) : undefined;
}

/** The reading of a named scenario (`node-green` -> 380 g/kWh); UnknownZoneError otherwise. */
export function scenarioReading(name: string): IntensityReading {
  const key = normaliseScenario(name);
  if (!key) {
    throw new UnknownZoneError(name, 'scenario', `known: ${Object.keys(INTENSITY_SCENARIOS).join(', ')}`);
  }
  return {
    gramsCo2PerKwh: INTENSITY_SCENARIOS[key],
    zone: key,
    source: `scenario:${key}`,
    kind: 'average',
    observedAt: null,
    period: 'fixed',
    isLive: false,
    vintage: 'CarbonEdge paper setup (PAPER.md)',
  };
}

/**
 * A source answering from a fixed map of zone -> gCO2/kWh (values validated up front), plus the
 * paper's scenario names. Useful for experiments and simulated nodes.
 */
export function createConfiguredIntensitySource(
  valuesByZone: Readonly<Record<string, number>> = {},
  kind: IntensityKind = 'average',
): IntensitySource {
  const values = new Map<string, number>();
  for (const [zone, value] of Object.entries(valuesByZone)) {
    values.set(zone.toUpperCase(), validateGramsCo2PerKwh(value, `configured intensity for ${zone}`));
  }
  const read = (zone: string): IntensityReading => {
    const value = values.get(zone.trim().toUpperCase());
    if (value !== undefined) return configuredReading({ gramsCo2PerKwh: value, zone: zone.trim().toUpperCase(), kind });
    if (kind === 'average' && isScenarioName(zone)) return scenarioReading(zone);
    throw new UnknownZoneError(zone, 'configured', `configured zones: ${[...values.keys()].join(', ') || 'none'}`);
  };
  return {
    id: 'configured',
    kind,
    read: (zone) => Promise.resolve().then(() => read(zone)),
    dayProfile: () => Promise.resolve(null),
  };
}
