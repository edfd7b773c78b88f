/**
 * Power measured from the Battery Status API (issue 15), the pure part: given samples of
 * `navigator.getBattery()` (level 0..1, charging, time) taken while the node idles and while it
 * runs slices, on battery, estimate the device's draw in each phase.
 *
 *     drain (fraction/h) = (level at the first level change - level at the last change)
 *                          / (time between those two changes)
 *     watts              = drain x battery capacity (Wh)
 *
 * Browsers report the level in steps (Chrome: 1%), so the rate is taken between level *changes*,
 * never from the first and last sample (which would count a partial step); its error is at most
 * one sample interval over the span (10 s sampling over 6 min: under 3%). At 1% steps a phone
 * idling at 1.5 W on 15 Wh drops 1% every 6 min, so each phase needs about 10-20 minutes on
 * battery; the result says so when the readings are too short. The API gives no
 * capacity: it is configured (from the device's spec sheet) or a per-class prior, and the source
 * says which. The result is whole-device power (screen included), labelled `measured`, with the
 * model's estimate beside it so the page can show both.
 */
import type { DeviceClass } from './device-class';
import { measuredPowerModel, type PowerModel } from './power-model';

/** One reading of the BatteryManager. */
export interface BatterySample {
  /** ms since epoch. */
  readonly atMs: number;
  /** 0..1. */
  readonly level: number;
  readonly charging: boolean;
  /** What the node was doing: idling, or running slices continuously. */
  readonly phase: 'idle' | 'busy';
}

/** Battery capacity and where it came from. */
export interface BatteryCapacity {
  readonly wattHours: number;
  readonly source: string;
}

/**
 * Typical capacities when the device's is not configured (engineering estimates: phones 3,000-5,000
 * mAh at 3.85 V = 12-19 Wh; tablets 25-40 Wh; laptops 40-70 Wh). Desktops have no battery.
 */
export const BATTERY_CAPACITY_PRIORS: Readonly<Record<Exclude<DeviceClass, 'desktop'>, BatteryCapacity>> = {
  phone: { wattHours: 15, source: 'estimated capacity: 15 Wh phone (4,000 mAh x 3.85 V)' },
  tablet: { wattHours: 30, source: 'estimated capacity: 30 Wh tablet' },
  laptop: { wattHours: 55, source: 'estimated capacity: 55 Wh laptop' },
};

/** The drain in one phase. */
export interface BatteryPhaseDrain {
  readonly phase: 'idle' | 'busy';
  readonly samples: number;
  /** Time between the first and last level change used, ms. */
  readonly spanMs: number;
  /** Level dropped over that span (fraction). */
  readonly levelDrop: number;
  readonly drainPerHour: number;
  readonly watts: number;
}

/** Outcome of {@link measureBatteryPower}. */
export type BatteryPowerResult =
  | {
      readonly ok: true;
      readonly idle: BatteryPhaseDrain;
      readonly busy: BatteryPhaseDrain;
      /** Extra draw of running slices (busy - idle), W. */
      readonly busyExtraWatts: number;
      /** The measured model (label `measured`): idle = idle W, max = busy W. */
      readonly measured: PowerModel;
      /** The estimate it replaces, for display beside it. */
      readonly estimate: PowerModel;
    }
  | { readonly ok: false; readonly reason: string };

/** Options of {@link measureBatteryPower}. */
export interface BatteryMeasureOptions {
  readonly deviceClass: DeviceClass;
  /** The model used so far (shown beside the measurement). */
  readonly estimate: PowerModel;
  /** Configured capacity; default the class prior. */
  readonly capacity?: BatteryCapacity;
  /** Shortest span between level changes accepted per phase, ms (default 3 min). */
  readonly minSpanMs?: number;
  /** Smallest level drop between the first and last change accepted per phase (default 0.01: one whole 1% step). */
  readonly minLevelDrop?: number;
}

function phaseDrain(samples: readonly BatterySample[], phase: 'idle' | 'busy', capacity: BatteryCapacity, minSpanMs: number, minLevelDrop: number): BatteryPhaseDrain | string {
  const mine = samples.filter((s) => s.phase === phase);
  if (mine.length < 2) return `${phase}: ${mine.length} sample(s); need readings over a few minutes`;
  if (mine.some((s) => s.charging)) return `${phase}: the device was charging; unplug it to measure`;
  // Times at which the level changed (the first sample of each new level).
  const changes: BatterySample[] = [];
  for (let i = 1; i < mine.length; i++) if (mine[i]!.level !== mine[i - 1]!.level) changes.push(mine[i]!);
  if (changes.some((c, i) => i > 0 && c.level > changes[i - 1]!.level)) return `${phase}: the level rose without charging; readings are not usable`;
  if (changes.length < 2) {
    const minutes = ((mine.at(-1)!.atMs - mine[0]!.atMs) / 60_000).toFixed(1);
    return `${phase}: the level changed ${changes.length} time(s) in ${minutes} min; measure longer (two changes needed)`;
  }
  const first = changes[0]!;
  const last = changes.at(-1)!;
  const spanMs = last.atMs - first.atMs;
  const levelDrop = first.level - last.level;
  if (spanMs < minSpanMs) return `${phase}: level changes span ${(spanMs / 60_000).toFixed(1)} min, need ${(minSpanMs / 60_000).toFixed(1)} min`;
  if (levelDrop < minLevelDrop - 1e-12) return `${phase}: the level dropped ${(levelDrop * 100).toFixed(1)}%, need ${(minLevelDrop * 100).toFixed(1)}%`;
  const drainPerHour = levelDrop / (spanMs / 3_600_000);
  return { phase, samples: mine.length, spanMs, levelDrop, drainPerHour, watts: drainPerHour * capacity.wattHours };
}

/** Estimate idle and busy draw from battery samples (see the file comment). Never throws on bad data: says why. */
export function measureBatteryPower(samples: readonly BatterySample[], options: BatteryMeasureOptions): BatteryPowerResult {
  if (options.deviceClass === 'desktop' && !options.capacity) return { ok: false, reason: 'a desktop has no battery to measure from' };
  const capacity = options.capacity ?? BATTERY_CAPACITY_PRIORS[options.deviceClass as Exclude<DeviceClass, 'desktop'>];
  if (!(capacity.wattHours > 0) || !Number.isFinite(capacity.wattHours)) return { ok: false, reason: `battery capacity must be > 0 Wh, got ${capacity.wattHours}` };
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (!Number.isFinite(s.atMs) || !(s.level >= 0 && s.level <= 1)) return { ok: false, reason: `sample ${i}: level must be in 0..1 and time finite, got ${s.level} at ${s.atMs}` };
    if (i > 0 && s.atMs < samples[i - 1]!.atMs) return { ok: false, reason: `sample ${i}: time goes backwards` };
  }
  const minSpanMs = options.minSpanMs ?? 3 * 60_000;
  const minLevelDrop = options.minLevelDrop ?? 0.01;
  const idle = phaseDrain(samples, 'idle', capacity, minSpanMs, minLevelDrop);
  const busy = phaseDrain(samples, 'busy', capacity, minSpanMs, minLevelDrop);
  const problems = [idle, busy].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  const idleDrain = idle as BatteryPhaseDrain;
  const busyDrain = busy as BatteryPhaseDrain;
  if (busyDrain.watts < idleDrain.watts) {
    return { ok: false, reason: `busy draw ${busyDrain.watts.toFixed(2)} W is below idle ${idleDrain.watts.toFixed(2)} W: the phases were not comparable (screen, radio or charging changed)` };
  }
  const source = `battery drain: idle ${(idleDrain.drainPerHour * 100).toFixed(1)} %/h, busy ${(busyDrain.drainPerHour * 100).toFixed(1)} %/h x ${capacity.wattHours} Wh (${capacity.source}); whole device`;
  let measured: PowerModel;
  try {
    measured = { ...measuredPowerModel({ deviceClass: options.deviceClass, arch: options.estimate.arch, watts: busyDrain.watts, source }), idleWatts: idleDrain.watts };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  return { ok: true, idle: idleDrain, busy: busyDrain, busyExtraWatts: busyDrain.watts - idleDrain.watts, measured, estimate: options.estimate };
}
