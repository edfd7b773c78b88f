/**
 * Latency with requests in flight (issue 11). The planner predicts a request's latency through an
 * idle pipeline: slices plus hops. A run that keeps `window` requests in flight per pipeline makes
 * each request queue behind the others at the busiest stage: by Little's law a saturated run's
 * mean latency is (requests in flight) / throughput. The latency such a run measures is therefore
 *
 *     max(idle-pipeline latency, window x pipelines x 1000 / throughput)
 *
 * which equals the planner's figure for the paper's closed loop (window 1, one pipeline) and is what
 * predictions are compared with when a run keeps several requests in flight. Likewise a run can go
 * no faster than its requests in flight allow: throughput = min(capacity, in flight x 1000 /
 * idle-pipeline latency) - in a closed loop 1000 / latency, not the capacity of the slowest stage.
 */
import type { Prediction } from './plan-types';

/** The mean latency, ms, of a saturated run of `prediction` with `window` requests in flight on each of `pipelines`. */
export function latencyInFlightMs(prediction: Pick<Prediction, 'latencyMs' | 'throughputPerSecond'>, window: number, pipelines = 1): number {
  if (!(window >= 1) || !(pipelines >= 1)) throw new RangeError(`window and pipelines must be >= 1, got ${window} and ${pipelines}`);
  const queued = prediction.throughputPerSecond > 0 ? (window * pipelines * 1000) / prediction.throughputPerSecond : Infinity;
  return Math.max(prediction.latencyMs, Number.isFinite(queued) ? queued : prediction.latencyMs);
}

/** The throughput, requests/s, of a run of `prediction` with `window` requests in flight on each of `pipelines`. */
export function throughputInFlight(prediction: Pick<Prediction, 'latencyMs' | 'throughputPerSecond'>, window: number, pipelines = 1): number {
  if (!(window >= 1) || !(pipelines >= 1)) throw new RangeError(`window and pipelines must be >= 1, got ${window} and ${pipelines}`);
  const bound = prediction.latencyMs > 0 ? (window * pipelines * 1000) / prediction.latencyMs : Infinity;
  return Math.min(prediction.throughputPerSecond, bound);
}
