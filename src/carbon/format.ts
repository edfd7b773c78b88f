/**
 * Formatters that render a figure together with its provenance, for the node page, the coordinator
 * and the CLI: a number is never shown without where it came from.
 */
import type { IntensityReading } from './intensity';
import type { PowerEstimate, PowerModel } from './power-model';

function round(value: number, digits: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(digits).replace(/\.?0+$/, '');
}

/** One-line label of a reading's provenance: `bundled-ember, annual average, Ember yearly...`. */
export function intensityProvenance(reading: IntensityReading): string {
  const when = reading.observedAt ?? reading.vintage;
  const parts = [reading.source, `${reading.kind}`, reading.isLive ? `live, ${when}` : when];
  if (reading.observedAt !== null && !reading.isLive) parts.push(reading.vintage);
  if (reading.cachedAt) parts.push(`cached ${reading.cachedAt}`);
  if (reading.fallback) parts.unshift(`FALLBACK (${reading.fallback.fromSource}: ${reading.fallback.reason})`);
  return parts.join(', ');
}

/** `56.0 gCO2/kWh (FR; bundled-ember, average, Ember yearly ...)`. */
export function formatIntensity(reading: IntensityReading): string {
  return `${round(reading.gramsCo2PerKwh, 1)} gCO2/kWh (${reading.zone}; ${intensityProvenance(reading)})`;
}

/** `12.3 W (estimated: CodeCarbon TDP table ...)` for a power estimate. */
export function formatPower(estimate: PowerEstimate): string {
  return `${round(estimate.watts, 1)} W (${estimate.label}: ${estimate.source})`;
}

/** `5.6-28 W laptop/x86 (estimated: ...)` for a power model. */
export function formatPowerModel(model: PowerModel): string {
  const ram = model.ramGb === null ? '' : ` + RAM ${round(model.ramGb * model.ramWattsPerGb, 2)} W`;
  return `${round(model.idleWatts, 1)}-${round(model.maxWatts, 1)} W${ram} ${model.deviceClass}/${model.arch} (${model.label}: ${model.source})`;
}

/** Energy with a sensible unit: `850 mJ`, `12.4 J`, `3.2 kJ`. */
export function formatEnergyJoules(energyJoules: number): string {
  const abs = Math.abs(energyJoules);
  if (abs > 0 && abs < 1) return `${round(energyJoules * 1000, 1)} mJ`;
  if (abs >= 1000) return `${round(energyJoules / 1000, 2)} kJ`;
  return `${round(energyJoules, 2)} J`;
}

/** Carbon with a sensible unit: `4.1 mgCO2`, `0.53 gCO2`, `1.2 kgCO2`. */
export function formatGramsCo2(gramsCo2: number): string {
  const abs = Math.abs(gramsCo2);
  if (abs > 0 && abs < 0.1) return `${round(gramsCo2 * 1000, 3)} mgCO2`;
  if (abs >= 1000) return `${round(gramsCo2 / 1000, 2)} kgCO2`;
  return `${round(gramsCo2, 3)} gCO2`;
}
