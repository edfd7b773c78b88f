import { describe, expect, it } from 'vitest';
import { scenarioReading } from '../../../src/carbon/configured-intensity';
import { CarbonLedger } from '../../../src/carbon/ledger';
import { configuredPowerModel } from '../../../src/carbon/power-model';
import { buildRunRecord, runNodeFrom } from '../../../src/history/record-builder';
import { parseRunRecord } from '../../../src/history/run-record';
import { runTotals } from '../../../src/history/run-totals';
import type { NodeRecord } from '../../../src/swarm/coordinator';
import { streamRates, swarmNodesFrom } from '../../../src/ui/swarm-state';
import { PLAN } from './fixtures';

const benchmark = { model: 'paddle-cls', backends: [{ backend: 'wasm' as const, available: true, medianMs: 5, runs: 10, flopsPerSecond: 6e9 }, { backend: 'webgpu' as const, available: false }], threads: 2, crossOriginIsolated: true };
const nodeRecord = (nodeId: string, name: string, state: NodeRecord['state'] = 'ready'): NodeRecord =>
  ({ nodeId, name, deviceClass: 'phone', hardwareConcurrency: 8, deviceMemoryGb: 4, webgpu: false, simulated: false, state, benchmark, load: 0, lastSeenMs: 0 }) as unknown as NodeRecord;

function ledgerOfRun(): CarbonLedger {
  const ledger = new CarbonLedger();
  const power = configuredPowerModel({ deviceClass: 'laptop', maxWatts: 10, idleWatts: 10 });
  const intensity = scenarioReading('node-green');
  ledger.recordHop({ inferenceId: 'r0', fromNodeId: 'coordinator', toNodeId: 'uuid-a', bytes: 600_000, intensity, at: '2026-12-03T08:00:01.000Z' });
  ledger.recordExecution({ inferenceId: 'r0', nodeId: 'uuid-a', sliceId: 'slice0', busyMs: 30, wallMs: 30, power, intensity, at: '2026-12-03T08:00:02.000Z' });
  ledger.recordHop({ inferenceId: 'r0', fromNodeId: 'uuid-a', toNodeId: 'uuid-b', bytes: 200_000, intensity, at: '2026-12-03T08:00:04.000Z' });
  ledger.recordExecution({ inferenceId: 'r0', nodeId: 'uuid-b', sliceId: 'slice1', busyMs: 90, wallMs: 90, power, intensity, at: '2026-12-03T08:00:05.000Z' });
  ledger.recordHop({ inferenceId: 'r1', fromNodeId: 'uuid-a', toNodeId: 'uuid-b', bytes: 300_000, intensity, at: '2026-12-03T08:00:05.500Z' });
  return ledger;
}

describe('record builder', () => {
  it('keeps each node with its name, fastest speed and labelled defaults', () => {
    const n = runNodeFrom(nodeRecord('uuid-a', 'Phone-A'));
    expect(n).toMatchObject({ nodeId: 'uuid-a', name: 'Phone-A', deviceClass: 'phone', flopsPerSecond: 6e9, powerLabel: 'estimated', intensityZone: 'WORLD', intensityConfigured: false });
  });

  it('builds a checked record from the live state, names kept for nodes that left', () => {
    const ledger = ledgerOfRun();
    const record = buildRunRecord({
      id: 'run-1', startedAt: '2026-12-03T08:00:00.000Z', finishedAt: null, status: 'running',
      configuration: { model: 'mobilenetv2', mode: 'green', stages: 2, inferences: 2, ratePerSecond: 0, seed: 1 },
      placement: PLAN,
      nodes: [nodeRecord('uuid-a', 'Phone-A'), nodeRecord('uuid-b', 'Phone-B'), nodeRecord('uuid-b', 'Phone-B', 'gone')],
      outcomes: [
        { ok: true, requestId: 0, outputs: {}, latencyMs: 140, totalMs: 150, attempts: 1, pipeline: 0 },
        { ok: false, requestId: 1, reason: 'node Phone-B left', attempts: 2 },
      ],
      ledger,
    });
    expect(parseRunRecord(record)).toBe(record);
    expect(record.nodes.map((n) => n.name)).toEqual(['Phone-A', 'Phone-B']);
    expect(record.requests).toEqual([
      { requestId: 0, ok: true, latencyMs: 140, attempts: 1, pipeline: 0, reason: null },
      { requestId: 1, ok: false, latencyMs: null, attempts: 2, pipeline: null, reason: 'node Phone-B left' },
    ]);
    expect(runTotals(record).total).toEqual(ledger.summarise().total);
    expect(runTotals(record).byNode['Phone-B']!.share).toBeCloseTo(0.75, 12);
  });
});

describe('swarm state', () => {
  it('gives busy shares from execution rows and marks quarantined nodes', () => {
    const views = swarmNodesFrom([nodeRecord('uuid-a', 'Phone-A'), nodeRecord('uuid-b', 'Phone-B'), nodeRecord('uuid-c', 'Phone-C', 'gone')], ledgerOfRun().rows(), new Set(['uuid-b', 'uuid-c']));
    expect(views.map((v) => [v.name, v.state, v.busyShare])).toEqual([['Phone-A', 'ready', 0.25], ['Phone-B', 'quarantined', 0.75], ['Phone-C', 'gone', 0]]);
  });

  it('measures stream rates over the last window', () => {
    const now = Date.parse('2026-12-03T08:00:06.000Z');
    const rates = streamRates(ledgerOfRun().rows(), now, 5000);
    // in (08:00:01, 08:00:06]: a->b 500 KB; the coordinator hop at 08:00:01 is just outside
    expect(rates).toEqual([{ fromId: 'uuid-a', toId: 'uuid-b', bytesPerSecond: 100_000 }]);
    expect(streamRates(ledgerOfRun().rows(), now, 10_000).find((r) => r.fromId === 'coordinator')!.bytesPerSecond).toBe(60_000);
    expect(() => streamRates([], now, 0)).toThrow('windowMs must be > 0, got 0');
  });
});
