/** latencyInFlightMs (src/plan/queueing.ts): Little's law for a saturated run with requests in flight. */
import { describe, expect, it } from 'vitest';
import { latencyInFlightMs, throughputInFlight } from '../../../src/plan/queueing';

describe('latencyInFlightMs', () => {
  it('is the idle-pipeline latency in a closed loop, and in-flight / throughput once requests queue', () => {
    // 3 stages of 50 ms: 150 ms through an idle pipeline, 20 requests/s at the slowest stage.
    expect(latencyInFlightMs({ latencyMs: 150, throughputPerSecond: 20 }, 1)).toBe(150);
    expect(latencyInFlightMs({ latencyMs: 150, throughputPerSecond: 20 }, 3)).toBe(150);
    expect(latencyInFlightMs({ latencyMs: 150, throughputPerSecond: 7.45 }, 3)).toBeCloseTo(402.68, 2);
    // Two pipelines with 3 each: 6 in flight over the summed throughput.
    expect(latencyInFlightMs({ latencyMs: 150, throughputPerSecond: 20 }, 3, 2)).toBe(300);
    expect(latencyInFlightMs({ latencyMs: 150, throughputPerSecond: 0 }, 3)).toBe(150);
    expect(() => latencyInFlightMs({ latencyMs: 1, throughputPerSecond: 1 }, 0)).toThrow(/window and pipelines must be >= 1, got 0 and 1/);
  });

  it('caps throughput at what the requests in flight allow: 1000 / latency in a closed loop', () => {
    expect(throughputInFlight({ latencyMs: 200, throughputPerSecond: 24 }, 1)).toBe(5);
    expect(throughputInFlight({ latencyMs: 150, throughputPerSecond: 7.45 }, 3)).toBe(7.45);
    expect(throughputInFlight({ latencyMs: 100, throughputPerSecond: 50 }, 1, 2)).toBe(20);
  });
});
