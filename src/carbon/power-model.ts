/**
 * Device power model (issue 4; CCF methodology):
 *
 *     P(u) = P_idle + u x (P_max - P_idle) + P_ram,   P_ram = ramGb x 0.375 W/GB (PAPER.md)
 *
 * with u the utilisation (busy ms / wall ms) of the node while it runs a slice. Browsers expose no
 * power counters, so P_idle and P_max come from per-class priors (label `estimated`), a user
 * override (`configured`, bounded per class so that 5 kW for a phone is an error) or a real meter
 * (`measured`: the meter covers the whole device, so the model is flat and has no RAM term).
 *
 * Prior sources (watts for the CPU/SoC package; RAM is the separate term):
 * - Cloud Carbon Footprint methodology (cloudcarbonfootprint.org/docs/methodology), compute:
 *   "Average Watts = Min Watts + Avg vCPU Utilization x (Max Watts - Min Watts)", SPECpower-based
 *   averages per vCPU: AWS 0.74 / 3.5 W, GCP 0.71 / 4.26 W, Azure 0.78 / 3.76 W. Their idle/max
 *   ratio (about 0.17-0.22) sets P_idle ~ 0.2 x P_max for x86 priors.
 * - CodeCarbon (mlco2/codecarbon) CPU TDP table (cpu_power.csv), used when no RAPL counter exists:
 *   mainstream laptop chips are listed at 15-28 W TDP (e.g. Intel Core i7-1165G7 at 28 W),
 *   mainstream desktop chips at 65 W; P_max = TDP here.
 * - Apple silicon, phones and tablets have no TDP entry in either table: their priors are
 *   engineering estimates (sustained SoC power envelopes of roughly 3-6 W for phones, 5-10 W for
 *   tablets, ~20 W CPU package for an M-series laptop under all-core load) and are labelled so in
 *   {@link POWER_PRIORS}. Replace them with a configured or measured figure when one is known.
 * - RAM: 0.375 W/GB as in the paper (CCF quotes Crucial's rule of thumb: 3 W per 8 GB of DDR3/DDR4).
 */
import type { CpuArch, DeviceClass } from './device-class';

/** Where a power figure came from. */
export type PowerLabel = 'estimated' | 'configured' | 'measured';

/** RAM power per GB, W/GB (PAPER.md; 3 W per 8 GB). */
export const RAM_WATTS_PER_GB = 0.375;

/** One prior: idle and full-load package power, with its source. */
export interface PowerPrior {
  readonly idleWatts: number;
  readonly maxWatts: number;
  /** Where the numbers come from (one line). */
  readonly source: string;
}

/** Prior key: class, plus the CPU family where it changes the figure. */
export type PowerPriorKey = `${DeviceClass}/${'apple-silicon' | 'x86' | 'arm'}`;

const CCF_RATIO = 'idle = 0.2 x max (CCF min/max watts ratio)';

/** Per-class priors (see the file comment for sources). */
export const POWER_PRIORS: Readonly<Record<PowerPriorKey, PowerPrior>> = {
  'phone/arm': { idleWatts: 1, maxWatts: 5, source: 'engineering estimate: phone SoC sustained envelope 3-6 W' },
  'phone/apple-silicon': { idleWatts: 1, maxWatts: 5, source: 'engineering estimate: phone SoC sustained envelope 3-6 W' },
  'phone/x86': { idleWatts: 1, maxWatts: 5, source: 'engineering estimate: phone SoC sustained envelope 3-6 W' },
  'tablet/arm': { idleWatts: 1.5, maxWatts: 8, source: 'engineering estimate: tablet SoC envelope 5-10 W' },
  'tablet/apple-silicon': { idleWatts: 1.5, maxWatts: 8, source: 'engineering estimate: tablet SoC envelope 5-10 W' },
  'tablet/x86': { idleWatts: 2, maxWatts: 10, source: 'engineering estimate: x86 tablet, low-power TDP class' },
  'laptop/x86': { idleWatts: 5.6, maxWatts: 28, source: `CodeCarbon TDP table, mobile chips 15-28 W; ${CCF_RATIO}` },
  'laptop/apple-silicon': { idleWatts: 2, maxWatts: 20, source: 'engineering estimate: M-series CPU package ~20 W all-core' },
  'laptop/arm': { idleWatts: 2, maxWatts: 15, source: 'engineering estimate: ARM laptop SoC ~15 W' },
  'desktop/x86': { idleWatts: 13, maxWatts: 65, source: `CodeCarbon TDP table, mainstream desktop chips 65 W; ${CCF_RATIO}` },
  'desktop/apple-silicon': { idleWatts: 4, maxWatts: 40, source: 'engineering estimate: M-series desktop (mini/Studio) CPU package' },
  'desktop/arm': { idleWatts: 5, maxWatts: 40, source: 'engineering estimate: ARM desktop SoC' },
};

/** Highest device power accepted for a configured or measured figure, W (above is an input error). */
export const MAX_PLAUSIBLE_WATTS: Readonly<Record<DeviceClass, number>> = {
  phone: 25,
  tablet: 45,
  laptop: 300,
  desktop: 2000,
};

/** Largest RAM size accepted, GB. */
export const MAX_PLAUSIBLE_RAM_GB = 4096;

/** A power figure or power model input was unusable. */
export class PowerModelError extends Error {
  override name = 'PowerModelError';
}

/** The power model of one device, with provenance. */
export interface PowerModel {
  readonly deviceClass: DeviceClass;
  readonly arch: CpuArch;
  /** Package power at u = 0, W. */
  readonly idleWatts: number;
  /** Package power at u = 1, W. */
  readonly maxWatts: number;
  /** Known memory size, GB; null when unknown (no RAM term) or included in a measurement. */
  readonly ramGb: number | null;
  /** W per GB applied to ramGb. */
  readonly ramWattsPerGb: number;
  readonly label: PowerLabel;
  /** One line: the prior's source, `set on the node page`, the meter's name. */
  readonly source: string;
}

function priorFor(deviceClass: DeviceClass, arch: CpuArch): PowerPrior {
  // Unknown family: take x86 for computers (the higher, conservative figure), ARM for mobiles.
  const family = arch !== 'unknown' ? arch : deviceClass === 'phone' || deviceClass === 'tablet' ? 'arm' : 'x86';
  return POWER_PRIORS[`${deviceClass}/${family}`];
}

function checkRamGb(ramGb: number | null | undefined): number | null {
  if (ramGb === undefined || ramGb === null) return null;
  if (!Number.isFinite(ramGb) || ramGb <= 0 || ramGb > MAX_PLAUSIBLE_RAM_GB) {
    throw new PowerModelError(`RAM must be in (0, ${MAX_PLAUSIBLE_RAM_GB}] GB, got ${ramGb}`);
  }
  return ramGb;
}

function checkWatts(what: string, watts: number, deviceClass: DeviceClass): number {
  const max = MAX_PLAUSIBLE_WATTS[deviceClass];
  if (!Number.isFinite(watts) || watts <= 0) throw new PowerModelError(`${what} must be a positive number of watts, got ${watts}`);
  if (watts > max) throw new PowerModelError(`${what} of ${watts} W is not plausible for a ${deviceClass} (max ${max} W)`);
  return watts;
}

/** The prior model for a class (label `estimated`). `ramGb` e.g. from navigator.deviceMemory. */
export function estimatedPowerModel(input: { deviceClass: DeviceClass; arch?: CpuArch; ramGb?: number | null }): PowerModel {
  const arch = input.arch ?? 'unknown';
  const prior = priorFor(input.deviceClass, arch);
  return {
    deviceClass: input.deviceClass,
    arch,
    idleWatts: prior.idleWatts,
    maxWatts: prior.maxWatts,
    ramGb: checkRamGb(input.ramGb),
    ramWattsPerGb: RAM_WATTS_PER_GB,
    label: 'estimated',
    source: prior.source,
  };
}

/** Input of {@link configuredPowerModel}. */
export interface PowerOverride {
  readonly deviceClass: DeviceClass;
  readonly arch?: CpuArch;
  /** Full-load power, W. */
  readonly maxWatts: number;
  /** Idle power, W; default: the class prior's idle/max ratio applied to maxWatts. */
  readonly idleWatts?: number;
  readonly ramGb?: number | null;
  /** Default `configured by the user`. */
  readonly source?: string;
}

/** A user override in watts, checked against per-class bounds (throws PowerModelError). */
export function configuredPowerModel(input: PowerOverride): PowerModel {
  const arch = input.arch ?? 'unknown';
  const maxWatts = checkWatts('max power', input.maxWatts, input.deviceClass);
  const prior = priorFor(input.deviceClass, arch);
  const idleWatts =
    input.idleWatts === undefined ? (maxWatts * prior.idleWatts) / prior.maxWatts : input.idleWatts;
  if (!Number.isFinite(idleWatts) || idleWatts < 0 || idleWatts > maxWatts) {
    throw new PowerModelError(`idle power must be in [0, ${maxWatts}] W (the max), got ${idleWatts}`);
  }
  return {
    deviceClass: input.deviceClass,
    arch,
    idleWatts,
    maxWatts,
    ramGb: checkRamGb(input.ramGb),
    ramWattsPerGb: RAM_WATTS_PER_GB,
    label: 'configured',
    source: input.source ?? 'configured by the user',
  };
}

/** A metered whole-device figure (flat in u; RAM included by the meter). */
export function measuredPowerModel(input: { deviceClass: DeviceClass; arch?: CpuArch; watts: number; source: string }): PowerModel {
  const watts = checkWatts('measured power', input.watts, input.deviceClass);
  return {
    deviceClass: input.deviceClass,
    arch: input.arch ?? 'unknown',
    idleWatts: watts,
    maxWatts: watts,
    ramGb: null,
    ramWattsPerGb: 0,
    label: 'measured',
    source: input.source,
  };
}

/** Power at one utilisation, split into its terms. */
export interface PowerEstimate {
  /** Total, W: cpuWatts + ramWatts. */
  readonly watts: number;
  /** P_idle + u x (P_max - P_idle), W. */
  readonly cpuWatts: number;
  /** ramGb x ramWattsPerGb, W (0 when RAM is unknown or metered). */
  readonly ramWatts: number;
  readonly utilisation: number;
  readonly label: PowerLabel;
  readonly source: string;
}

/** Check a utilisation is a number in [0, 1] (NaN, negative or > 1 throw PowerModelError). */
export function validateUtilisation(utilisation: number): number {
  if (!Number.isFinite(utilisation) || utilisation < 0 || utilisation > 1) {
    throw new PowerModelError(`utilisation must be in [0, 1], got ${utilisation}`);
  }
  return utilisation;
}

/** u = busyMs / wallMs, validated (busy <= wall, both finite, wall > 0). */
export function utilisationFrom(busyMs: number, wallMs: number): number {
  if (!Number.isFinite(busyMs) || busyMs < 0) throw new PowerModelError(`busyMs must be a finite number >= 0, got ${busyMs}`);
  if (!Number.isFinite(wallMs) || wallMs <= 0) throw new PowerModelError(`wallMs must be a finite number > 0, got ${wallMs}`);
  if (busyMs > wallMs) throw new PowerModelError(`busy time ${busyMs} ms exceeds wall time ${wallMs} ms`);
  return busyMs / wallMs;
}

/** P(u) = P_idle + u x (P_max - P_idle) + ramGb x W/GB, with its label. */
export function powerAt(model: PowerModel, utilisation: number): PowerEstimate {
  const u = validateUtilisation(utilisation);
  const cpuWatts = model.idleWatts + u * (model.maxWatts - model.idleWatts);
  const ramWatts = model.ramGb === null ? 0 : model.ramGb * model.ramWattsPerGb;
  return { watts: cpuWatts + ramWatts, cpuWatts, ramWatts, utilisation: u, label: model.label, source: model.source };
}
