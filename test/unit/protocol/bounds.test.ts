/**
 * Regression tests for issue 13, finding 9: the validators accepted impossible values that feed the
 * planner and the ledger. Each case was accepted before the bounds.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolRejections, encodeMessage, parseCoordinatorMessage, parseNodeMessage } from '../../../src/protocol/messages';
import { PEER_NUMBER_BOUNDS, checkBound } from '../../../src/protocol/bounds';

const benchmark = (flopsPerSecond: number, cpuShare?: number) =>
  JSON.stringify({ kind: 'benchmark', report: { model: 'm', backends: [{ backend: 'wasm', available: true, medianMs: 3, runs: 10, flopsPerSecond, ...(cpuShare !== undefined ? { cpuShare } : {}) }], threads: 2, crossOriginIsolated: true } });
const profile = (gramsCo2PerKwh: number, maxWatts: number, idleWatts = 0) =>
  JSON.stringify({
    kind: 'profile',
    intensity: { gramsCo2PerKwh, zone: 'FR', source: 's', vintage: 'v', kind: 'average', isLive: false },
    power: { idleWatts, maxWatts, ramGb: null, ramWattsPerGb: 0.37, label: 'configured', source: 'me' },
    slowdown: 1,
  });
const executed = (busyMs: number, wallMs = 5, outputBytes = 10, queuedMs?: unknown) => JSON.stringify({ kind: 'executed', runId: 1, requestId: 2, sliceIndex: 0, busyMs, wallMs, outputBytes, queuedMs });
const join = (deviceMemoryGb: number | null, hardwareConcurrency = 8) =>
  JSON.stringify({ kind: 'join', protocolVersion: 1, token: 't', name: 'n', deviceClass: 'laptop', hardwareConcurrency, deviceMemoryGb, webgpu: false, simulated: false });

function refusal(parse: () => unknown): { reason: string; field: string | undefined } {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return { reason: (error as ProtocolError).reason, field: (error as ProtocolError).field };
  }
  throw new Error('accepted');
}

describe('semantic bounds on peer numbers (issue 13, finding 9)', () => {
  it('accepts honest figures', () => {
    expect(() => parseNodeMessage(benchmark(3.3e10))).not.toThrow();
    expect(() => parseNodeMessage(profile(56, 45, 8))).not.toThrow();
    expect(parseNodeMessage(benchmark(3.3e10, 0.62))).toMatchObject({ report: { backends: [{ cpuShare: 0.62 }] } });
    const threaded = JSON.parse(benchmark(3.3e10, 0.62)) as { report: { backends: Record<string, unknown>[] } };
    threaded.report.backends[0]!.cpuThreads = 2;
    expect(parseNodeMessage(JSON.stringify(threaded))).toMatchObject({ report: { backends: [{ cpuShare: 0.62, cpuThreads: 2 }] } });
    threaded.report.backends[0]!.cpuThreads = 0.5;
    expect(refusal(() => parseNodeMessage(JSON.stringify(threaded))).field).toBe('report.backends[0].cpuThreads');
    expect(() => parseNodeMessage(profile(0, 5))).not.toThrow(); // the bundled table has 0 g/kWh zones
    expect(() => parseNodeMessage(executed(12.5, 30))).not.toThrow();
    expect(parseNodeMessage(executed(12.5, 30, 10, 4.5))).toMatchObject({ kind: 'executed', queuedMs: 4.5 });
    expect(() => parseNodeMessage(join(8))).not.toThrow();
    expect(() => parseCoordinatorMessage(JSON.stringify({ kind: 'welcome', protocolVersion: 1, nodeId: 'n', heartbeatIntervalMs: 1000 }))).not.toThrow();
  });

  it.each([
    ['flopsPerSecond 1e300 (a liar attracts every slice)', () => parseNodeMessage(benchmark(1e300)), 'report.backends[0].flopsPerSecond'],
    ['flopsPerSecond 0', () => parseNodeMessage(benchmark(0)), 'report.backends[0].flopsPerSecond'],
    ['cpuShare 1.5 (more than a whole core)', () => parseNodeMessage(benchmark(3.3e10, 1.5)), 'report.backends[0].cpuShare'],
    ['busyMs 1e300', () => parseNodeMessage(executed(1e300)), 'executed.busyMs'],
    ['wallMs of a week', () => parseNodeMessage(executed(1, 7 * 24 * 3_600_000)), 'executed.wallMs'],
    ['outputBytes 1e20', () => parseNodeMessage(executed(1, 5, 1e20)), 'executed.outputBytes'],
    ['queuedMs negative (hops made to look slower)', () => parseNodeMessage(executed(1, 5, 10, -3)), 'executed.queuedMs'],
    ['negative memory', () => parseNodeMessage(join(-4)), 'join.deviceMemoryGb'],
    ['fractional cores', () => parseNodeMessage(join(8, 2.5)), 'join.hardwareConcurrency'],
    ['0 W at 0 g/kWh (a free node)', () => parseNodeMessage(profile(0, 0)), 'power.maxWatts'],
    ['5,000 g/kWh', () => parseNodeMessage(profile(5000, 10)), 'intensity.gramsCo2PerKwh'],
    ['heartbeatIntervalMs 1e300 (browsers treat it as ~0)', () => parseCoordinatorMessage(JSON.stringify({ kind: 'welcome', protocolVersion: 1, nodeId: 'n', heartbeatIntervalMs: 1e300 })), 'welcome.heartbeatIntervalMs'],
    ['heartbeatIntervalMs 5', () => parseCoordinatorMessage(JSON.stringify({ kind: 'welcome', protocolVersion: 1, nodeId: 'n', heartbeatIntervalMs: 5 })), 'welcome.heartbeatIntervalMs'],
  ] as const)('refuses %s as out-of-range, naming the field', (_what, parse, field) => {
    expect(refusal(parse)).toEqual({ reason: 'out-of-range', field });
  });

  it('names the value and range in the message', () => {
    expect(() => parseNodeMessage(benchmark(1e300))).toThrow('report.backends[0].flopsPerSecond 1e+300 is outside 1000..1000000000000000 FLOP/s');
  });

  it('counts refusals by reason and by field', () => {
    const counter = new ProtocolRejections();
    for (const text of [benchmark(1e300), benchmark(1e300), executed(-1), '{oops', encodeMessage({ kind: 'leave', reason: 'x'.repeat(600) })]) {
      try {
        parseNodeMessage(text);
      } catch (error) {
        counter.count(error);
      }
    }
    expect(counter.stats.total).toBe(5);
    expect(counter.stats.byReason).toMatchObject({ 'out-of-range': 3, 'not-json': 1, malformed: 1 });
    expect(counter.stats.byField).toEqual({ 'report.backends[0].flopsPerSecond': 2, 'executed.busyMs': 1, 'leave.reason': 1 });
  });

  it('has a range for every bounded key, min below max', () => {
    for (const [key, bound] of Object.entries(PEER_NUMBER_BOUNDS)) {
      expect(bound.min, key).toBeLessThan(bound.max);
      expect(() => checkBound(bound.max, key as keyof typeof PEER_NUMBER_BOUNDS, key)).not.toThrow();
      expect(() => checkBound(bound.max * 2 + 1, key as keyof typeof PEER_NUMBER_BOUNDS, key)).toThrow(/outside/);
    }
  });
});
