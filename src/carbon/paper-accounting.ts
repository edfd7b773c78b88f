/**
 * The paper's own carbon accounting (CarbonEdge, arXiv 2603.27420; see shared PAPER.md), kept as a
 * second mode so that its figures can be reproduced exactly:
 *
 *     energyKwh = hostPowerWatts x (latencyMs / 1000) s / 3.6e6 J per kWh
 *     grams     = energyKwh x gramsCo2PerKwh x PUE            (PUE = 1.0 at the edge)
 *
 * One constant host power, the latency of the whole inference, and the intensity of the node that
 * ran it. The paper never states the power it used ([gap] in PAPER.md), so
 * {@link calibrateHostPowerWatts} derives it from one reported efficiency.
 *
 * Pure: no DOM, no I/O; planner, lab and ledger may all import it.
 */

/** Joules in one kilowatt-hour. */
export const JOULES_PER_KWH = 3.6e6;

/** Thrown when an input to the paper accounting is not a usable number. */
export class PaperAccountingError extends Error {
  override name = 'PaperAccountingError';
}

function requirePositive(name: string, value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0) {
    throw new PaperAccountingError(`${name} must be a positive finite number, got ${String(value)}`);
  }
  return value;
}

/** Input of {@link paperGramsPerInference}. */
export interface PaperInferenceInput {
  /** Constant host power draw in watts (the paper's P_node). */
  readonly hostPowerWatts: number;
  /** End-to-end latency of one inference in milliseconds. */
  readonly latencyMs: number;
  /** Grid intensity of the node that ran the inference, gCO2 per kWh. */
  readonly gramsCo2PerKwh: number;
  /** Power usage effectiveness; the paper uses 1.0 at the edge (the default). */
  readonly pue?: number;
}

/**
 * Grams of CO2 for one inference under the paper's accounting:
 * `hostPowerWatts x latencyMs / 1000 / 3.6e6 x gramsCo2PerKwh x pue`.
 *
 * @throws PaperAccountingError when any input is not a positive finite number.
 */
export function paperGramsPerInference(input: PaperInferenceInput): number {
  const watts = requirePositive('hostPowerWatts', input.hostPowerWatts);
  const latencyMs = requirePositive('latencyMs', input.latencyMs);
  const intensity = requirePositive('gramsCo2PerKwh', input.gramsCo2PerKwh);
  const pue = input.pue === undefined ? 1 : requirePositive('pue', input.pue);
  const energyKwh = (watts * (latencyMs / 1000)) / JOULES_PER_KWH;
  return energyKwh * intensity * pue;
}

/** Carbon efficiency under the paper's accounting: inferences per gram of CO2 (1 / grams). */
export function paperInferencesPerGram(input: PaperInferenceInput): number {
  return 1 / paperGramsPerInference(input);
}

/** Input of {@link calibrateHostPowerWatts}. */
export interface PaperCalibrationInput {
  /** Reported latency of one inference in milliseconds (paper: monolithic 254.85 ms). */
  readonly latencyMs: number;
  /** Intensity the reported run was accounted at (paper: monolithic at 530 gCO2/kWh). */
  readonly gramsCo2PerKwh: number;
  /** Reported carbon efficiency, inferences per gram (paper: monolithic 189.5). */
  readonly inferencesPerGram: number;
  /** PUE the run was accounted with (default 1.0). */
  readonly pue?: number;
}

/**
 * A calibration, not a measurement: the constant host power in watts that makes
 * {@link paperGramsPerInference} give exactly `inferencesPerGram` for that latency and intensity:
 *
 *     hostPowerWatts = 3.6e6 / (inferencesPerGram x gramsCo2PerKwh x pue x latencyMs / 1000)
 *
 * With the paper's monolithic MobileNetV2 row (254.85 ms, 530 g/kWh, 189.5 inf/g) this is about
 * 140.6 W - a whole-host figure, since the paper measured the host with CodeCarbon.
 *
 * @throws PaperAccountingError when any input is not a positive finite number.
 */
export function calibrateHostPowerWatts(input: PaperCalibrationInput): number {
  const latencyMs = requirePositive('latencyMs', input.latencyMs);
  const intensity = requirePositive('gramsCo2PerKwh', input.gramsCo2PerKwh);
  const inferencesPerGram = requirePositive('inferencesPerGram', input.inferencesPerGram);
  const pue = input.pue === undefined ? 1 : requirePositive('pue', input.pue);
  return JOULES_PER_KWH / (inferencesPerGram * intensity * pue * (latencyMs / 1000));
}

/**
 * The paper's static node intensities (PAPER.md, experimental setup), gCO2/kWh. Monolithic runs are
 * accounted at Node-Medium's 530.
 */
export const PAPER_NODE_INTENSITIES = {
  'node-high': 620,
  'node-medium': 530,
  'node-green': 380,
} as const;
