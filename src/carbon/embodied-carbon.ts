/**
 * Optional embodied-carbon share M for the SCI-style score (Green Software Foundation SCI spec:
 * M = TE x (TiR / EL) x (RR / ToR)). Here the device is reserved whole while it runs a slice
 * (RR / ToR = 1) and TiR is the slice's wall time, so M = TE x wallMs / lifetimeMs.
 *
 * Defaults are OFF in the ledger unless enabled. The figures below are order-of-magnitude
 * production-phase footprints of the kind manufacturers publish in product environmental reports
 * (phones tens of kg CO2e, laptops one to a few hundred kg); they are placeholders to be replaced
 * by the actual device's report when known, and are labelled as defaults in every export row.
 */
import type { DeviceClass } from './device-class';

/** Embodied footprint of one device and the lifetime it is spread over. */
export interface EmbodiedPrior {
  /** Production-phase footprint, gCO2e (TE). */
  readonly totalGramsCo2: number;
  /** Expected lifetime, years (EL). */
  readonly lifetimeYears: number;
  /** One line: where the figure comes from. */
  readonly source: string;
}

const DEFAULT_SOURCE = 'default placeholder (order of magnitude of manufacturer product reports)';

/** Documented defaults per class (see the file comment). */
export const EMBODIED_PRIORS: Readonly<Record<DeviceClass, EmbodiedPrior>> = {
  phone: { totalGramsCo2: 60_000, lifetimeYears: 3, source: DEFAULT_SOURCE },
  tablet: { totalGramsCo2: 90_000, lifetimeYears: 4, source: DEFAULT_SOURCE },
  laptop: { totalGramsCo2: 200_000, lifetimeYears: 4, source: DEFAULT_SOURCE },
  desktop: { totalGramsCo2: 300_000, lifetimeYears: 5, source: DEFAULT_SOURCE },
};

/** Milliseconds in a (Julian) year. */
export const MS_PER_YEAR = 365.25 * 24 * 3_600_000;

/** Embodied grams for holding a device `wallMs`: TE x wallMs / (lifetimeYears x MS_PER_YEAR). */
export function embodiedGramsCo2(prior: EmbodiedPrior, wallMs: number): number {
  if (!(prior.totalGramsCo2 >= 0) || !(prior.lifetimeYears > 0) || !Number.isFinite(prior.totalGramsCo2)) {
    throw new RangeError(`embodied prior needs totalGramsCo2 >= 0 and lifetimeYears > 0, got ${prior.totalGramsCo2} g over ${prior.lifetimeYears} y`);
  }
  return (prior.totalGramsCo2 * wallMs) / (prior.lifetimeYears * MS_PER_YEAR);
}
