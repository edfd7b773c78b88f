/**
 * A node's carbon profile, built from what the browser tells and what the user chose on the node
 * page (issue 4: "the node page shows its zone, intensity with source, power with its label,
 * editable"). Pure: no DOM, no storage - the page reads `navigator`/`Intl` and IndexedDB and passes
 * plain values, so this runs (and is tested) under Node.
 *
 * Rules, each figure carrying its provenance:
 * - zone: the user's choice, else guessed from the IANA time zone (labelled
 *   `guessed from time zone Europe/Paris`), else the bundled world average (labelled why).
 * - intensity: the bundled Ember average for the zone, unless the user set a value (`configured`)
 *   or picked one of the paper's scenarios (`scenario:node-green`).
 * - power: the device-class prior (`estimated`), unless the user gave full-load watts
 *   (`configured`). A user's watts are taken as whole-device power, so the RAM term is dropped
 *   (as for a meter); idle follows the prior's idle/max ratio.
 * Edits are checked by the `apply*Input` functions: bad input gives `{ ok: false, reason }` and the
 * previous valid choices stay in force.
 */
import {
  INTENSITY_SCENARIOS,
  bundledReading,
  configuredPowerModel,
  configuredReading,
  estimatedPowerModel,
  guessDeviceClass,
  guessZoneFromTimeZone,
  isScenarioName,
  lookupBundledIntensity,
  scenarioReading,
  validateGramsCo2PerKwh,
  type DeviceClass as CarbonDeviceClass,
  type DeviceGuess,
  type DeviceHints,
  type IntensityReading,
  type PowerModel,
  type ScenarioName,
} from '../carbon';
import type { DeviceClass } from '../protocol/messages';
import type { ProfileMessage } from '../protocol/run-messages';

/** What the page reads from the browser: navigator hints plus the IANA time zone. */
export interface BrowserHints extends DeviceHints {
  /** `Intl.DateTimeFormat().resolvedOptions().timeZone`, e.g. `Europe/Paris`. */
  readonly timeZone?: string;
}

/** The parts of `navigator` this module reads (all optional: browsers differ). */
export interface NavigatorLike {
  readonly userAgent?: string;
  readonly platform?: string;
  readonly hardwareConcurrency?: number;
  /** Chromium only, GB, rounded and capped by the browser. */
  readonly deviceMemory?: number;
  readonly maxTouchPoints?: number;
}

/** The user's intensity choice: a number, or one of the paper's named scenarios. */
export type IntensityChoice =
  | { readonly kind: 'configured'; readonly gramsCo2PerKwh: number }
  | { readonly kind: 'scenario'; readonly name: ScenarioName };

/** What the user chose on the node page; an absent field means "use the default". */
export interface CarbonChoices {
  /** Chosen grid zone (alpha-2, alpha-3 or a bundled region such as `WORLD`); else guessed. */
  readonly zone?: string;
  /** Chosen intensity; else the bundled figure for the zone. */
  readonly intensity?: IntensityChoice;
  /** Whole-device full-load power, W; else the device-class prior. */
  readonly maxWatts?: number;
}

/** The zone in force and how it was decided. */
export interface ZoneDecision {
  /** Canonical zone (alpha-2 or bundled region name). */
  readonly zone: string;
  /** `chosen` by the user, `time-zone` guess, or `fallback` (world average). */
  readonly basis: 'chosen' | 'time-zone' | 'fallback';
  /** One line for the UI: `chosen on this page`, `guessed from time zone Europe/Paris`, ... */
  readonly label: string;
}

/** Everything the node page shows and sends. */
export interface NodeCarbonProfile {
  readonly zone: ZoneDecision;
  /** The device guess behind the power prior and the join's device class. */
  readonly device: DeviceGuess;
  readonly intensity: IntensityReading;
  readonly power: PowerModel;
  /** The message for the coordinator (slowdown 1: a real node). */
  readonly message: ProfileMessage;
  /** Stored choices that no longer hold (e.g. watts above this device class's bound), ignored. */
  readonly problems: readonly string[];
}

/** Which field an edit was for. */
export type CarbonField = 'zone' | 'intensity' | 'power';

/** Outcome of an edit: new choices, or why the input was refused (previous choices stay). */
export type ChoiceResult =
  | { readonly ok: true; readonly choices: CarbonChoices }
  | { readonly ok: false; readonly field: CarbonField; readonly reason: string };

/** Source line of a power override, shown with the `configured` label. */
export const POWER_OVERRIDE_SOURCE = 'set on the node page (whole device at full load; idle from the class prior ratio)';

/** Vintage line of a configured intensity. */
export const INTENSITY_OVERRIDE_NOTE = 'set on the node page';

/** Navigator + time zone -> hints (pure: pass `navigator` and the resolved time zone). */
export function browserHintsFrom(nav: NavigatorLike, timeZone: string | undefined): BrowserHints {
  return {
    userAgent: nav.userAgent,
    platform: nav.platform,
    hardwareConcurrency: nav.hardwareConcurrency,
    deviceMemoryGb: nav.deviceMemory,
    maxTouchPoints: nav.maxTouchPoints,
    timeZone,
  };
}

/** The carbon library's device class as the protocol's (the protocol adds `unknown`). */
export function toProtocolDeviceClass(deviceClass: CarbonDeviceClass): DeviceClass {
  return deviceClass;
}

/** RAM for the power model: navigator.deviceMemory when it is a usable positive number. */
function ramGbOf(hints: BrowserHints): number | null {
  const gb = hints.deviceMemoryGb;
  return typeof gb === 'number' && Number.isFinite(gb) && gb > 0 && gb <= 4096 ? gb : null;
}

/** Canonical zone of a bundled zone, or undefined. */
function canonicalZone(text: string): string | undefined {
  return lookupBundledIntensity(text)?.zone;
}

function decideZone(hints: BrowserHints, choices: CarbonChoices, problems: string[]): ZoneDecision {
  if (choices.zone !== undefined) {
    const zone = canonicalZone(choices.zone);
    if (zone) return { zone, basis: 'chosen', label: 'chosen on this page' };
    problems.push(`saved zone "${choices.zone}" is unknown: using the guess`);
  }
  const guess = guessZoneFromTimeZone(hints.timeZone);
  return { zone: guess.zone, basis: guess.basis, label: guess.label };
}

function decideIntensity(zone: string, choices: CarbonChoices, problems: string[]): IntensityReading {
  const choice = choices.intensity;
  try {
    if (choice?.kind === 'configured') {
      return configuredReading({ gramsCo2PerKwh: choice.gramsCo2PerKwh, zone, note: INTENSITY_OVERRIDE_NOTE });
    }
    if (choice?.kind === 'scenario') return scenarioReading(choice.name);
  } catch (error) {
    problems.push(`saved intensity ignored: ${(error as Error).message}`);
  }
  return bundledReading(zone);
}

function decidePower(device: DeviceGuess, hints: BrowserHints, choices: CarbonChoices, problems: string[]): PowerModel {
  if (choices.maxWatts !== undefined) {
    try {
      return configuredPowerModel({
        deviceClass: device.deviceClass,
        arch: device.arch,
        maxWatts: choices.maxWatts,
        ramGb: null,
        source: POWER_OVERRIDE_SOURCE,
      });
    } catch (error) {
      problems.push(`saved power ignored: ${(error as Error).message}`);
    }
  }
  return estimatedPowerModel({ deviceClass: device.deviceClass, arch: device.arch, ramGb: ramGbOf(hints) });
}

/**
 * Build the node's profile. Total: a stored choice that no longer holds falls back to the default
 * and is listed in `problems` (edits are checked earlier, by the `apply*Input` functions).
 */
export function buildNodeCarbonProfile(hints: BrowserHints, choices: CarbonChoices = {}): NodeCarbonProfile {
  const problems: string[] = [];
  const device = guessDeviceClass(hints);
  const zone = decideZone(hints, choices, problems);
  const intensity = decideIntensity(zone.zone, choices, problems);
  const power = decidePower(device, hints, choices, problems);
  return { zone, device, intensity, power, message: { kind: 'profile', intensity, power, slowdown: 1 }, problems };
}

/** Parse a number typed in a field: finite, or a reason naming what was typed. */
function parseNumber(text: string, unit: string): { ok: true; value: number } | { ok: false; reason: string } {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value)) return { ok: false, reason: `"${text}" is not a number of ${unit}` };
  return { ok: true, value };
}

/** Remove a field from the choices (reset to its default). */
function without(choices: CarbonChoices, field: keyof CarbonChoices): CarbonChoices {
  const { [field]: _dropped, ...rest } = choices;
  return rest;
}

/**
 * Apply a zone typed or picked by the user. Empty text resets to the time-zone guess. Only zones
 * of the bundled table are accepted (a sub-national zone has no figure to fall back on).
 */
export function applyZoneInput(choices: CarbonChoices, text: string): ChoiceResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, choices: without(choices, 'zone') };
  const zone = canonicalZone(trimmed);
  if (!zone) {
    return {
      ok: false,
      field: 'zone',
      reason: `unknown zone "${trimmed}": use an ISO 3166 country code (FR, FRA), a grid zone of the bundled Electricity Maps table (US-CAL-CISO, NO-NO1) or a region (WORLD, EU)`,
    };
  }
  return { ok: true, choices: { ...choices, zone } };
}

/**
 * Apply an intensity typed by the user: a number of gCO2/kWh (0..2000), a paper scenario
 * (`scenario:node-green` or `node-green`), or empty / `bundled` to reset to the bundled figure.
 */
export function applyIntensityInput(choices: CarbonChoices, text: string): ChoiceResult {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'bundled') return { ok: true, choices: without(choices, 'intensity') };
  const scenario = trimmed.replace(/^scenario:/i, '');
  if (isScenarioName(scenario)) {
    const name = scenarioReading(scenario).zone as ScenarioName;
    return { ok: true, choices: { ...choices, intensity: { kind: 'scenario', name } } };
  }
  const parsed = parseNumber(trimmed, 'gCO2/kWh');
  if (!parsed.ok) {
    const known = Object.keys(INTENSITY_SCENARIOS).map((n) => `scenario:${n}`).join(', ');
    return { ok: false, field: 'intensity', reason: `${parsed.reason} (or one of ${known})` };
  }
  try {
    const gramsCo2PerKwh = validateGramsCo2PerKwh(parsed.value, 'intensity');
    return { ok: true, choices: { ...choices, intensity: { kind: 'configured', gramsCo2PerKwh } } };
  } catch (error) {
    return { ok: false, field: 'intensity', reason: (error as Error).message };
  }
}

/**
 * Apply a full-load power typed by the user, in W; empty resets to the estimate. Bounded per
 * device class by the carbon library (5 kW for a phone is refused).
 */
export function applyPowerInput(choices: CarbonChoices, text: string, hints: BrowserHints): ChoiceResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, choices: without(choices, 'maxWatts') };
  const parsed = parseNumber(trimmed, 'watts');
  if (!parsed.ok) return { ok: false, field: 'power', reason: parsed.reason };
  const device = guessDeviceClass(hints);
  try {
    configuredPowerModel({ deviceClass: device.deviceClass, arch: device.arch, maxWatts: parsed.value, ramGb: null });
  } catch (error) {
    return { ok: false, field: 'power', reason: (error as Error).message };
  }
  return { ok: true, choices: { ...choices, maxWatts: parsed.value } };
}

/**
 * Accept stored choices (unknown from IndexedDB) field by field: a field of the wrong shape is
 * dropped, so an old or corrupt record never breaks the page. Values are re-checked when built.
 */
export function parseCarbonChoices(value: unknown): CarbonChoices {
  if (typeof value !== 'object' || value === null) return {};
  const raw = value as Record<string, unknown>;
  let choices: CarbonChoices = {};
  if (typeof raw.zone === 'string' && raw.zone.length <= 64) choices = { ...choices, zone: raw.zone };
  if (typeof raw.maxWatts === 'number' && Number.isFinite(raw.maxWatts)) choices = { ...choices, maxWatts: raw.maxWatts };
  const intensity = raw.intensity as Record<string, unknown> | null | undefined;
  if (intensity?.kind === 'configured' && typeof intensity.gramsCo2PerKwh === 'number') {
    choices = { ...choices, intensity: { kind: 'configured', gramsCo2PerKwh: intensity.gramsCo2PerKwh } };
  } else if (intensity?.kind === 'scenario' && typeof intensity.name === 'string' && isScenarioName(intensity.name)) {
    choices = { ...choices, intensity: { kind: 'scenario', name: scenarioReading(intensity.name).zone as ScenarioName } };
  }
  return choices;
}

/** A figure rounded for display: integers as is, else one decimal (`44.2`, `380`). */
export function formatFigure(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
}
