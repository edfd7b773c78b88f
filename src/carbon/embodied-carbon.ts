/**
 * Embodied carbon, the SCI "M" term (Green Software Foundation, Software Carbon Intensity
 * specification, ISO/IEC 21031:2024):
 *
 *     SCI = (O + M) per R,   O = E x I,   M = TE x TS x RS
 *     TS  = TiR / EL          (time reserved / expected lifetime)
 *     RS  = RR / ToR          (resources reserved / total resources)
 *
 * Here a node is lent to the swarm while it runs a slice: TiR is the slice's wall time (the time
 * the node worked for us, idle gaps of a duty-cycled node included), EL the device's stated
 * lifetime, and RS = 1 by default (the worker holds the device's compute while the slice runs; a
 * caller may pass a smaller share, e.g. cores used / cores). So M = TE x wallMs / EL x RS.
 *
 * TE per device class comes from published product footprints (see {@link EMBODIED_PRIORS}):
 * the non-use part of a life-cycle footprint (production, transport, end of life) =
 * total x (1 - use share). These are single products standing for a class: a node that knows its
 * own device's report can pass its own prior. The manufacturers' figures carry wide error bars
 * (Boavizta's dataset notes recommend them for orders of magnitude, not fine comparisons).
 */
import type { DeviceClass } from './device-class';

/** Embodied footprint of one device and the lifetime it is spread over. */
export interface EmbodiedPrior {
  /** Embodied emissions TE (production, transport, end of life), gCO2e. */
  readonly totalGramsCo2: number;
  /** Expected lifetime EL, years. */
  readonly lifetimeYears: number;
  /** One line: the published source and how TE was derived from it. */
  readonly source: string;
}

/** Boavizta's collection of manufacturer product carbon footprints, where three priors were read. */
const BOAVIZTA = 'Boavizta environmental-footprint-data, boavizta-data-us.csv (ODbL)';

/**
 * Published embodied footprints per device class (the file comment says how TE is derived):
 * - phone: Fairphone 2 LCA (Fraunhofer IZM: Proske, Clemm, Richter, Nov 2016): 43.9 kgCO2e over
 *   a three-year intensive use, production "mostly more than three quarters"; the whole life-cycle
 *   figure is taken, an upper bound on TE by less than a quarter.
 * - tablet: Lenovo ThinkPad 10 (10.1-inch tablet) PCF, 2015: 150 kgCO2e, use 16%, 4-year lifetime
 *   -> TE = 150 x 0.84 = 126 kg.
 * - laptop: Apple 13-inch MacBook Pro (M1, 2020, 256 GB) Product Environmental Report, Nov 2020:
 *   185 kgCO2e, use 19% -> TE = 149.85 kg; lifetime 4 years, as the Dell and Lenovo laptop PCFs
 *   in the same dataset state.
 * - desktop: Dell OptiPlex 5060 Tower PCF, Dec 2018: 501 kgCO2e, use 51%, 4-year lifetime
 *   -> TE = 245.49 kg.
 */
export const EMBODIED_PRIORS: Readonly<Record<DeviceClass, EmbodiedPrior>> = {
  phone: {
    totalGramsCo2: 43_900,
    lifetimeYears: 3,
    source: 'Fairphone 2 LCA, Fraunhofer IZM 2016: 43.9 kgCO2e life cycle (upper bound on TE), 3 years',
  },
  tablet: {
    totalGramsCo2: 126_000,
    lifetimeYears: 4,
    source: `Lenovo ThinkPad 10 PCF 2015: 150 kgCO2e x (1 - 16% use), 4 years (${BOAVIZTA})`,
  },
  laptop: {
    totalGramsCo2: 149_850,
    lifetimeYears: 4,
    source: `Apple 13-inch MacBook Pro M1 PER Nov 2020: 185 kgCO2e x (1 - 19% use), 4 years (${BOAVIZTA})`,
  },
  desktop: {
    totalGramsCo2: 245_490,
    lifetimeYears: 4,
    source: `Dell OptiPlex 5060 Tower PCF Dec 2018: 501 kgCO2e x (1 - 51% use), 4 years (${BOAVIZTA})`,
  },
};

/** Milliseconds in a (Julian) year. */
export const MS_PER_YEAR = 365.25 * 24 * 3_600_000;

/** An embodied prior or share that cannot be used. */
export class EmbodiedCarbonError extends Error {
  override name = 'EmbodiedCarbonError';
}

/** Throw EmbodiedCarbonError unless the prior is usable. */
export function validateEmbodiedPrior(prior: EmbodiedPrior): EmbodiedPrior {
  if (!Number.isFinite(prior.totalGramsCo2) || prior.totalGramsCo2 < 0 || !Number.isFinite(prior.lifetimeYears) || !(prior.lifetimeYears > 0)) {
    throw new EmbodiedCarbonError(`embodied prior needs totalGramsCo2 >= 0 and lifetimeYears > 0, got ${prior.totalGramsCo2} g over ${prior.lifetimeYears} y`);
  }
  return prior;
}

/**
 * M for holding a device `wallMs`: TE x (wallMs / EL) x resourceShare (see the file comment).
 * @param resourceShare RR / ToR in (0, 1], default 1
 */
export function embodiedGramsCo2(prior: EmbodiedPrior, wallMs: number, resourceShare = 1): number {
  validateEmbodiedPrior(prior);
  if (!Number.isFinite(wallMs) || wallMs < 0) throw new EmbodiedCarbonError(`wallMs must be a finite number >= 0, got ${wallMs}`);
  if (!(resourceShare > 0 && resourceShare <= 1)) throw new EmbodiedCarbonError(`resource share RR/ToR must be in (0, 1], got ${resourceShare}`);
  return prior.totalGramsCo2 * (wallMs / (prior.lifetimeYears * MS_PER_YEAR)) * resourceShare;
}

/** The terms of an SCI score, each in gCO2e, and R. */
export interface SciTerms {
  /** O = E x I, gCO2e. */
  readonly operationalGramsCo2: number;
  /** M, gCO2e. */
  readonly embodiedGramsCo2: number;
  /** R: number of functional units (here inferences). */
  readonly functionalUnits: number;
}

/** SCI = (O + M) / R in gCO2e per functional unit; null when R = 0. */
export function sciGramsCo2PerUnit(terms: SciTerms): number | null {
  const { operationalGramsCo2: o, embodiedGramsCo2: m, functionalUnits: r } = terms;
  if (!(o >= 0) || !(m >= 0) || !Number.isFinite(o + m)) throw new EmbodiedCarbonError(`SCI terms must be finite and >= 0, got O=${o} M=${m}`);
  if (!Number.isInteger(r) || r < 0) throw new EmbodiedCarbonError(`R must be a whole number >= 0, got ${r}`);
  return r === 0 ? null : (o + m) / r;
}
