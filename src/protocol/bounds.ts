/**
 * Plausible ranges for every number a peer sends (issue 13, finding 9: `flopsPerSecond: 1e300`
 * made a liar attract every slice, `heartbeatIntervalMs: 1e300` became a heartbeat flood, 0 W made
 * a node free). A value outside its range is refused with the named reason `out-of-range` and the
 * field it came in, so receivers can count refusals per reason and per field
 * ({@link ProtocolRejections}). The ranges are generous: they exist to stop impossible values,
 * not to judge honest devices; the audits (src/trust/audit.ts) judge results.
 */

/** Why a control message was refused. */
export const PROTOCOL_REJECTION_REASONS = [
  'not-text', // binary where text was expected
  'too-long', // text over the size limit
  'not-json', // not parseable, or not an object with a kind
  'unknown-kind', // a kind this side does not accept
  'malformed', // a field missing or of the wrong type
  'out-of-range', // a number outside its plausible range (PEER_NUMBER_BOUNDS)
] as const;
/** One of {@link PROTOCOL_REJECTION_REASONS}. */
export type ProtocolRejectionReason = (typeof PROTOCOL_REJECTION_REASONS)[number];

/** Why a message was dropped: `reason` names the rule, `field` the offending field when there is one. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(message: string, readonly reason: ProtocolRejectionReason = 'malformed', readonly field?: string) {
    super(message);
  }
}

/** A closed range, with whether the value must be an integer and its unit (for messages). */
export interface NumberBound {
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  readonly unit: string;
}

const HOUR_MS = 3_600_000;

/**
 * Every number a peer sends, with its range and why.
 * - FLOP/s: the fastest consumer GPU is ~8e13 FP32 FLOP/s (2022); 1e15 leaves 10x headroom. The
 *   slowest plausible node (a phone slowed 1000x in the lab) still exceeds 1e3.
 * - Grid intensity: the bundled Ember table runs from 0 to ~1,300 g/kWh (@tgwf/co2); 2,000 caps it.
 * - Power: a device that computes draws something; 0.1 W is below any phone under load, 2 kW
 *   above any desktop. RAM power: 0.37 W/GB is the usual figure; 10 caps it.
 * - Durations: one slice run or load longer than an hour cannot happen inside a 4 s heartbeat timeout.
 */
export const PEER_NUMBER_BOUNDS = {
  protocolVersion: { min: 0, max: 65535, integer: true, unit: '' },
  hardwareConcurrency: { min: 0, max: 1024, integer: true, unit: 'cores' },
  deviceMemoryGb: { min: 0, max: 1024, unit: 'GB' },
  flopsPerSecond: { min: 1e3, max: 1e15, unit: 'FLOP/s' },
  benchmarkMedianMs: { min: 1e-3, max: 600_000, unit: 'ms' },
  benchmarkRuns: { min: 1, max: 10_000, integer: true, unit: 'runs' },
  cpuShare: { min: 0, max: 1, unit: 'of a core' },
  fixedMsPerRun: { min: 0, max: 60_000, unit: 'ms' },
  threads: { min: 1, max: 1024, integer: true, unit: 'threads' },
  sentAtMs: { min: 0, max: 8.64e15, unit: 'ms since epoch' },
  load: { min: 0, max: 1, unit: '' },
  heartbeatIntervalMs: { min: 100, max: 60_000, unit: 'ms' },
  gramsCo2PerKwh: { min: 0, max: 2000, unit: 'gCO2/kWh' },
  idleWatts: { min: 0, max: 2000, unit: 'W' },
  maxWatts: { min: 0.1, max: 2000, unit: 'W' },
  ramGb: { min: 0, max: 4096, unit: 'GB' },
  ramWattsPerGb: { min: 0, max: 10, unit: 'W/GB' },
  slowdown: { min: 1, max: 1000, unit: 'x' },
  loadMs: { min: 0, max: HOUR_MS, unit: 'ms' },
  busyMs: { min: 0, max: HOUR_MS, unit: 'ms' },
  wallMs: { min: 0, max: HOUR_MS, unit: 'ms' },
  outputBytes: { min: 0, max: 2 ** 34, integer: true, unit: 'bytes' },
  sliceBytes: { min: 0, max: 2 ** 31, integer: true, unit: 'bytes' },
} as const satisfies Record<string, NumberBound>;
/** A key of {@link PEER_NUMBER_BOUNDS}. */
export type BoundKey = keyof typeof PEER_NUMBER_BOUNDS;

/**
 * Check one number against its bound: throws ProtocolError 'malformed' when it is not a finite
 * number, 'out-of-range' when it is outside the range (message names the field, value and range).
 */
export function checkBound(value: unknown, key: BoundKey, field: string): number {
  const bound: NumberBound = PEER_NUMBER_BOUNDS[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ProtocolError(`${field} must be a finite number`, 'malformed', field);
  }
  if (value < bound.min || value > bound.max || (bound.integer && !Number.isInteger(value))) {
    const unit = bound.unit ? ` ${bound.unit}` : '';
    throw new ProtocolError(`${field} ${value} is outside ${bound.min}..${bound.max}${unit}${bound.integer ? ' (integer)' : ''}`, 'out-of-range', field);
  }
  return value;
}

/**
 * A fresh object with only the listed keys that are present: accepted messages carry no field the
 * parser did not check (a peer cannot smuggle data through a message into the receiver's state).
 */
export function pick<T>(source: Record<string, unknown>, keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out as T;
}

/** Counters of refused control messages (numbers only, safe to show). */
export interface ProtocolRejectionStats {
  /** All refusals. */
  readonly total: number;
  /** By reason. */
  readonly byReason: Readonly<Record<ProtocolRejectionReason, number>>;
  /** By field, for refusals that name one (e.g. `report.backends[0].flopsPerSecond`). */
  readonly byField: Readonly<Record<string, number>>;
}

/** Most distinct fields counted; later ones are counted under `(other)` (the keys come from us). */
const MAX_FIELDS = 64;

/** Counts refused control messages by reason and field; keep one per receiver. */
export class ProtocolRejections {
  private totalCount = 0;
  private readonly reasons = Object.fromEntries(PROTOCOL_REJECTION_REASONS.map((r) => [r, 0])) as Record<ProtocolRejectionReason, number>;
  private readonly fields = new Map<string, number>();

  /** Count one refusal; errors other than ProtocolError count as `malformed`. Returns the reason. */
  count(error: unknown): ProtocolRejectionReason {
    const reason = error instanceof ProtocolError ? error.reason : 'malformed';
    this.totalCount++;
    this.reasons[reason]++;
    const field = error instanceof ProtocolError ? error.field : undefined;
    if (field !== undefined) {
      const key = this.fields.has(field) || this.fields.size < MAX_FIELDS ? field : '(other)';
      this.fields.set(key, (this.fields.get(key) ?? 0) + 1);
    }
    return reason;
  }

  /** Counters, a snapshot. */
  get stats(): ProtocolRejectionStats {
    return { total: this.totalCount, byReason: { ...this.reasons }, byField: Object.fromEntries(this.fields) };
  }
}
