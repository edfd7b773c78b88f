/**
 * The carbon ledger: records slice executions and tensor hops and turns them into joules and grams,
 * per node, per slice, per hop, per inference and per run (docs/architecture.md, units and definitions):
 *
 *     execution energyJoules = P(u) x wallMs / 1000           (power-model.ts; u = busyMs / wallMs)
 *     hop energyJoules       = bytes x networkJoulesPerByte   (0 = off, the default on a LAN)
 *     operational gCO2       = energyJoules / 3.6e6 x gramsCo2PerKwh in force for that record
 *     embodied gCO2 (M)      = TE x wallMs / EL x RS per execution (embodied-carbon.ts), on by default
 *     SCI per inference      = (E x I + M) / R,  R = number of distinct inferences
 *
 * Each execution is charged at the intensity in force at that execution (issue 15): the caller
 * passes the node's current reading, or the ledger looks it up by node and time through the
 * `intensityAt` option (an IntensityTimeline), so a long run that crosses a change in intensity is
 * accounted per execution, never once. A hop is charged at the intensity of the sending node. Every
 * row keeps the power model and intensity reading it was computed with, so exports carry full
 * provenance.
 * Per node (executions) + per hop sums equal the totals by construction: totals are sums of rows.
 */
import type { DeviceClass } from './device-class';
import { EMBODIED_PRIORS, embodiedGramsCo2, sciGramsCo2PerUnit, validateEmbodiedPrior, type EmbodiedPrior } from './embodied-carbon';
import { IntensityKindMixError, validateGramsCo2PerKwh, type IntensityKind, type IntensityReading } from './intensity';
import { JOULES_PER_KWH } from './paper-accounting';
import { PowerModelError, powerAt, utilisationFrom, validateUtilisation, type PowerModel } from './power-model';

/** Ledger configuration. */
export interface LedgerOptions {
  /** Network energy per byte sent between nodes, J/B (default 0: off). CCF's inter-datacentre 0.001 kWh/GB is 3.6e-6 J/B. */
  readonly networkJoulesPerByte?: number;
  /**
   * Embodied share M per device: on unless `enabled: false`; `priors` replace the class defaults;
   * `resourceShare` is SCI's RR/ToR in (0, 1] (default 1: the device is held whole while it works).
   */
  readonly embodied?: {
    readonly enabled: boolean;
    readonly priors?: Partial<Record<DeviceClass, EmbodiedPrior>>;
    readonly resourceShare?: number;
  };
  /**
   * Intensity in force for a node at a time (ms since epoch), used when a record gives no
   * `intensity` (see IntensityTimeline.inForceAt); undefined means "not known" and the record is refused.
   */
  readonly intensityAt?: (nodeId: string, atMs: number) => IntensityReading | undefined;
}

/** One slice execution to record. Give `wallMs` or `utilisation` (busyMs / wallMs). */
export interface ExecutionInput {
  readonly inferenceId: string;
  readonly nodeId: string;
  readonly sliceId: string;
  /** Time the node was computing the slice, ms. */
  readonly busyMs: number;
  /** Time the node was held for the slice, ms (>= busyMs). */
  readonly wallMs?: number;
  /** busyMs / wallMs in [0, 1], when wallMs is not given. */
  readonly utilisation?: number;
  /** The node's power model at that time. */
  readonly power: PowerModel;
  /** The intensity in force for the node at that time; else looked up with the ledger's `intensityAt`. */
  readonly intensity?: IntensityReading;
  /** ISO 8601 time of the execution (default: now); the intensity lookup uses it. */
  readonly at?: string;
}

/** One tensor hop to record. */
export interface HopInput {
  readonly inferenceId: string;
  readonly fromNodeId: string;
  readonly toNodeId: string;
  /** Bytes sent (payload), a whole number >= 0. */
  readonly bytes: number;
  /** Intensity in force at the sending node; else looked up with the ledger's `intensityAt`. */
  readonly intensity?: IntensityReading;
  /** ISO 8601 time of the hop (default: now). */
  readonly at?: string;
}

/** One ledger row (an execution or a hop) with every provenance field; null where not applicable. */
export interface LedgerRow {
  readonly type: 'execution' | 'hop';
  readonly inferenceId: string;
  /** Executing node, or the sending node of a hop. */
  readonly nodeId: string;
  readonly toNodeId: string | null;
  readonly sliceId: string | null;
  readonly busyMs: number | null;
  readonly wallMs: number | null;
  readonly utilisation: number | null;
  readonly bytes: number | null;
  readonly deviceClass: DeviceClass | null;
  readonly arch: string | null;
  readonly idleWatts: number | null;
  readonly maxWatts: number | null;
  readonly ramWatts: number | null;
  /** Total power used for the row, W. */
  readonly powerWatts: number | null;
  readonly powerLabel: string | null;
  readonly powerSource: string | null;
  readonly networkJoulesPerByte: number | null;
  readonly energyJoules: number;
  readonly gramsCo2PerKwh: number;
  readonly intensityZone: string;
  readonly intensitySource: string;
  readonly intensityKind: IntensityKind;
  readonly intensityObservedAt: string | null;
  readonly intensityPeriod: string;
  readonly intensityIsLive: boolean;
  readonly intensityVintage: string;
  /** Year of an annual figure; null when not applicable or not shipped. */
  readonly intensityYear: number | null;
  /** What the figure counts (lifecycle/direct, consumption/production); null when the source does not say. */
  readonly intensityBasis: string | null;
  readonly intensityFallbackFrom: string | null;
  readonly intensityFallbackReason: string | null;
  readonly intensityCachedAt: string | null;
  readonly operationalGramsCo2: number;
  readonly embodiedGramsCo2: number;
  readonly embodiedSource: string | null;
  readonly recordedAt: string;
}

/** Energy and carbon of a group of rows. */
export interface CarbonTotals {
  readonly energyJoules: number;
  /** E x I, gCO2. */
  readonly operationalGramsCo2: number;
  /** M, gCO2 (0 when embodied accounting is off). */
  readonly embodiedGramsCo2: number;
  /** operational + embodied, gCO2. */
  readonly gramsCo2: number;
}

/** A hop group's totals plus its bytes. */
export interface HopTotals extends CarbonTotals {
  readonly bytes: number;
}

/** Summary of one inference or of the whole run. */
export interface LedgerSummary {
  /** R: distinct inferences covered. */
  readonly inferences: number;
  readonly total: CarbonTotals;
  /** Executions per node (hops are in byHop). */
  readonly byNode: Readonly<Record<string, CarbonTotals>>;
  readonly bySlice: Readonly<Record<string, CarbonTotals>>;
  /** Keyed `from->to`. */
  readonly byHop: Readonly<Record<string, HopTotals>>;
  /** Operational gCO2 per inference (E x I / R); null when R = 0. */
  readonly operationalGramsCo2PerInference: number | null;
  /** Carbon efficiency, inferences per operational gCO2; null when R = 0 or no grams. */
  readonly inferencesPerGramCo2: number | null;
  /** Embodied gCO2e per inference (M / R); null when R = 0. */
  readonly embodiedGramsCo2PerInference: number | null;
  /** SCI per inference, (E x I + M) / R as the SCI specification defines it; null when R = 0. */
  readonly sciGramsCo2PerInference: number | null;
  /** Kind of every intensity used; null when empty. */
  readonly intensityKind: IntensityKind | null;
}

/** A record was unusable (ids, bytes, times). */
export class LedgerInputError extends Error {
  override name = 'LedgerInputError';
}

const ZERO: CarbonTotals = { energyJoules: 0, operationalGramsCo2: 0, embodiedGramsCo2: 0, gramsCo2: 0 };

function add(a: CarbonTotals, row: LedgerRow): CarbonTotals {
  return {
    energyJoules: a.energyJoules + row.energyJoules,
    operationalGramsCo2: a.operationalGramsCo2 + row.operationalGramsCo2,
    embodiedGramsCo2: a.embodiedGramsCo2 + row.embodiedGramsCo2,
    gramsCo2: a.gramsCo2 + row.operationalGramsCo2 + row.embodiedGramsCo2,
  };
}

function requireId(what: string, id: string): string {
  if (typeof id !== 'string' || id.trim() === '') throw new LedgerInputError(`${what} must be a non-empty string, got ${JSON.stringify(id)}`);
  return id;
}

function intensityColumns(reading: IntensityReading) {
  return {
    gramsCo2PerKwh: validateGramsCo2PerKwh(reading.gramsCo2PerKwh, `intensity ${reading.source} ${reading.zone}`),
    intensityZone: reading.zone,
    intensitySource: reading.source,
    intensityKind: reading.kind,
    intensityObservedAt: reading.observedAt,
    intensityPeriod: reading.period,
    intensityIsLive: reading.isLive,
    intensityVintage: reading.vintage,
    intensityYear: reading.year ?? null,
    intensityBasis: reading.basis ?? null,
    intensityFallbackFrom: reading.fallback?.fromSource ?? null,
    intensityFallbackReason: reading.fallback?.reason ?? null,
    intensityCachedAt: reading.cachedAt ?? null,
  };
}

/** Records executions and hops; summarises per inference and per run (see the file comment). */
export class CarbonLedger {
  readonly #rows: LedgerRow[] = [];
  /** The whole run's running totals, and each inference's rows (in first-seen order). */
  readonly #tally = new LedgerTally();
  readonly #byInference = new Map<string, LedgerRow[]>();
  readonly networkJoulesPerByte: number;
  readonly embodiedEnabled: boolean;
  /** SCI's RR/ToR used for M. */
  readonly embodiedResourceShare: number;
  readonly #embodiedPriors: Readonly<Record<DeviceClass, EmbodiedPrior>>;
  readonly #intensityAt: LedgerOptions['intensityAt'];
  #kind: IntensityKind | null = null;

  constructor(options: LedgerOptions = {}) {
    const perByte = options.networkJoulesPerByte ?? 0;
    if (!Number.isFinite(perByte) || perByte < 0) throw new LedgerInputError(`networkJoulesPerByte must be >= 0, got ${perByte}`);
    this.networkJoulesPerByte = perByte;
    this.embodiedEnabled = options.embodied?.enabled ?? true;
    const share = options.embodied?.resourceShare ?? 1;
    if (!(share > 0 && share <= 1)) throw new LedgerInputError(`embodied resourceShare must be in (0, 1], got ${share}`);
    this.embodiedResourceShare = share;
    this.#embodiedPriors = { ...EMBODIED_PRIORS, ...options.embodied?.priors };
    for (const prior of Object.values(this.#embodiedPriors)) validateEmbodiedPrior(prior);
    this.#intensityAt = options.intensityAt;
  }

  /** The intensity for a record: the one given, else the one in force for the node at `at`. */
  #intensityFor(nodeId: string, given: IntensityReading | undefined, at: string): IntensityReading {
    if (given) return given;
    const atMs = Date.parse(at);
    if (!Number.isFinite(atMs)) throw new LedgerInputError(`record time must be ISO 8601, got ${JSON.stringify(at)}`);
    if (!this.#intensityAt) throw new LedgerInputError(`record for ${nodeId} has no intensity and the ledger has no intensityAt lookup`);
    const found = this.#intensityAt(nodeId, atMs);
    if (!found) throw new LedgerInputError(`no intensity in force for ${nodeId} at ${at}`);
    return found;
  }

  #checkKind(reading: IntensityReading): void {
    if (this.#kind === null) this.#kind = reading.kind;
    else if (reading.kind !== this.#kind) {
      throw new IntensityKindMixError(
        `ledger holds ${this.#kind} intensities; refusing a ${reading.kind} one (${reading.source}, ${reading.zone})`,
      );
    }
  }

  /** Record one slice execution; returns its row. Throws LedgerInputError, PowerModelError or IntensityKindMixError. */
  recordExecution(input: ExecutionInput): LedgerRow {
    requireId('inferenceId', input.inferenceId);
    requireId('nodeId', input.nodeId);
    requireId('sliceId', input.sliceId);
    const { busyMs } = input;
    let wallMs: number;
    let utilisation: number;
    if (input.wallMs !== undefined) {
      utilisation = utilisationFrom(busyMs, input.wallMs);
      wallMs = input.wallMs;
      if (input.utilisation !== undefined && Math.abs(validateUtilisation(input.utilisation) - utilisation) > 1e-9) {
        throw new PowerModelError(`utilisation ${input.utilisation} disagrees with busy/wall ${busyMs}/${wallMs} ms`);
      }
    } else if (input.utilisation !== undefined) {
      utilisation = validateUtilisation(input.utilisation);
      if (!Number.isFinite(busyMs) || busyMs < 0) throw new PowerModelError(`busyMs must be a finite number >= 0, got ${busyMs}`);
      if (utilisation === 0) throw new PowerModelError('utilisation 0 with no wallMs: cannot derive the wall time');
      wallMs = busyMs / utilisation;
    } else {
      throw new LedgerInputError(`execution of ${input.sliceId} on ${input.nodeId} needs wallMs or utilisation`);
    }
    const at = input.at ?? new Date().toISOString();
    const reading = this.#intensityFor(input.nodeId, input.intensity, at);
    const intensity = intensityColumns(reading);
    const power = powerAt(input.power, utilisation);
    this.#checkKind(reading);
    const energyJoules = (power.watts * wallMs) / 1000;
    const prior = this.embodiedEnabled ? this.#embodiedPriors[input.power.deviceClass] : undefined;
    const row: LedgerRow = {
      type: 'execution',
      inferenceId: input.inferenceId,
      nodeId: input.nodeId,
      toNodeId: null,
      sliceId: input.sliceId,
      busyMs,
      wallMs,
      utilisation,
      bytes: null,
      deviceClass: input.power.deviceClass,
      arch: input.power.arch,
      idleWatts: input.power.idleWatts,
      maxWatts: input.power.maxWatts,
      ramWatts: power.ramWatts,
      powerWatts: power.watts,
      powerLabel: power.label,
      powerSource: power.source,
      networkJoulesPerByte: null,
      energyJoules,
      ...intensity,
      operationalGramsCo2: (energyJoules / JOULES_PER_KWH) * intensity.gramsCo2PerKwh,
      embodiedGramsCo2: prior ? embodiedGramsCo2(prior, wallMs, this.embodiedResourceShare) : 0,
      embodiedSource: prior ? prior.source : null,
      recordedAt: at,
    };
    this.#keep(row);
    return row;
  }

  /** Record one tensor hop; returns its row. */
  recordHop(input: HopInput): LedgerRow {
    requireId('inferenceId', input.inferenceId);
    requireId('fromNodeId', input.fromNodeId);
    requireId('toNodeId', input.toNodeId);
    if (!Number.isInteger(input.bytes) || input.bytes < 0) throw new LedgerInputError(`bytes must be a whole number >= 0, got ${input.bytes}`);
    const at = input.at ?? new Date().toISOString();
    const reading = this.#intensityFor(input.fromNodeId, input.intensity, at);
    const intensity = intensityColumns(reading);
    this.#checkKind(reading);
    const energyJoules = input.bytes * this.networkJoulesPerByte;
    const row: LedgerRow = {
      type: 'hop',
      inferenceId: input.inferenceId,
      nodeId: input.fromNodeId,
      toNodeId: input.toNodeId,
      sliceId: null,
      busyMs: null,
      wallMs: null,
      utilisation: null,
      bytes: input.bytes,
      deviceClass: null,
      arch: null,
      idleWatts: null,
      maxWatts: null,
      ramWatts: null,
      powerWatts: null,
      powerLabel: null,
      powerSource: null,
      networkJoulesPerByte: this.networkJoulesPerByte,
      energyJoules,
      ...intensity,
      operationalGramsCo2: (energyJoules / JOULES_PER_KWH) * intensity.gramsCo2PerKwh,
      embodiedGramsCo2: 0,
      embodiedSource: null,
      recordedAt: at,
    };
    this.#keep(row);
    return row;
  }

  #keep(row: LedgerRow): void {
    this.#rows.push(row);
    this.#tally.add(row);
    const own = this.#byInference.get(row.inferenceId);
    if (own) own.push(row);
    else this.#byInference.set(row.inferenceId, [row]);
  }

  /** Every row in record order. */
  rows(): readonly LedgerRow[] {
    return [...this.#rows];
  }

  /** Rows recorded so far. */
  get rowCount(): number {
    return this.#rows.length;
  }

  /** The rows recorded from index `start` on (record order), for readers that keep their place. */
  rowsFrom(start: number): readonly LedgerRow[] {
    return this.#rows.slice(Math.max(0, start));
  }

  /** One inference's rows in record order (none when it has none). */
  rowsOf(inferenceId: string): readonly LedgerRow[] {
    return [...(this.#byInference.get(inferenceId) ?? [])];
  }

  /** Ids of the inferences recorded, in first-seen order. */
  inferenceIds(): string[] {
    return [...this.#byInference.keys()];
  }

  /** Summary of one inference (`inferenceId`) or of the whole run (no argument; kept as rows come, not re-summed). */
  summarise(inferenceId?: string): LedgerSummary {
    return inferenceId === undefined ? this.#tally.summary() : summariseRows(this.#byInference.get(inferenceId) ?? []);
  }
}

/**
 * Running totals of a set of rows, taken one row at a time: {@link LedgerTally.summary} costs the
 * number of nodes, slices and hops, not of rows, so a long run's live figures do not grow with it.
 */
export class LedgerTally {
  #total = ZERO;
  readonly #byNode: Record<string, CarbonTotals> = {};
  readonly #bySlice: Record<string, CarbonTotals> = {};
  readonly #byHop: Record<string, HopTotals> = {};
  readonly #inferences = new Set<string>();
  readonly #kinds = new Set<IntensityKind>();
  #firstKind: IntensityKind | null = null;

  /** Count one row. */
  add(row: LedgerRow): void {
    this.#total = add(this.#total, row);
    if (row.type === 'execution') {
      this.#byNode[row.nodeId] = add(this.#byNode[row.nodeId] ?? ZERO, row);
      const slice = row.sliceId ?? '';
      this.#bySlice[slice] = add(this.#bySlice[slice] ?? ZERO, row);
    } else {
      const key = `${row.nodeId}->${row.toNodeId ?? ''}`;
      const prev = this.#byHop[key] ?? { ...ZERO, bytes: 0 };
      this.#byHop[key] = { ...add(prev, row), bytes: prev.bytes + (row.bytes ?? 0) };
    }
    this.#inferences.add(row.inferenceId);
    this.#kinds.add(row.intensityKind);
    this.#firstKind ??= row.intensityKind;
  }

  /** Distinct inferences among the rows counted so far. */
  get inferences(): number {
    return this.#inferences.size;
  }

  /** The summary of the rows counted so far (a snapshot: later rows do not change it). Throws IntensityKindMixError. */
  summary(): LedgerSummary {
    if (this.#kinds.size > 1) throw new IntensityKindMixError(`rows mix ${[...this.#kinds].join(' and ')} intensities`);
    const inferences = this.#inferences.size;
    const total = this.#total;
    const operationalPerInference = inferences > 0 ? total.operationalGramsCo2 / inferences : null;
    return {
      inferences,
      total,
      byNode: { ...this.#byNode },
      bySlice: { ...this.#bySlice },
      byHop: { ...this.#byHop },
      operationalGramsCo2PerInference: operationalPerInference,
      inferencesPerGramCo2: operationalPerInference ? 1 / operationalPerInference : null,
      embodiedGramsCo2PerInference: inferences > 0 ? total.embodiedGramsCo2 / inferences : null,
      sciGramsCo2PerInference: sciGramsCo2PerUnit({ operationalGramsCo2: total.operationalGramsCo2, embodiedGramsCo2: total.embodiedGramsCo2, functionalUnits: inferences }),
      intensityKind: this.#firstKind,
    };
  }
}

/** Summarise any set of rows (also used on rows read back from an export). */
export function summariseRows(rows: readonly LedgerRow[]): LedgerSummary {
  const tally = new LedgerTally();
  for (const row of rows) tally.add(row);
  return tally.summary();
}
