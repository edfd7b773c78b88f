/** A realistic kept run: real ledger rows (two nodes, hops) and a two-slice placement. */
import { scenarioReading } from '../../../src/carbon/configured-intensity';
import { CarbonLedger } from '../../../src/carbon/ledger';
import { configuredPowerModel } from '../../../src/carbon/power-model';
import type { Placement } from '../../../src/plan/plan-types';
import type { NodeRecord } from '../../../src/swarm/coordinator';
import { RUN_RECORD_FORMAT, type RunRecord } from '../../../src/history/run-record';

const flat10 = configuredPowerModel({ deviceClass: 'laptop', maxWatts: 10, idleWatts: 10 });

/** Placement: [0,40) on a, [40,100) on b. */
export const PLAN: Placement = {
  pipelines: [{
    slices: [
      { sliceRange: [0, 40], nodeId: 'uuid-a', backend: 'wasm', computeMs: 30, energyJoules: 0.3, gramsCo2: 3.2e-5, memoryBytes: 1e6 },
      { sliceRange: [40, 100], nodeId: 'uuid-b', backend: 'wasm', computeMs: 50, energyJoules: 0.5, gramsCo2: 8.6e-5, memoryBytes: 2e6 },
    ],
    hops: [
      { fromId: 'coordinator', toId: 'uuid-a', cutPosition: 0, bytes: 602_112, transferMs: 50, energyJoules: 0, gramsCo2: 0 },
      { fromId: 'uuid-a', toId: 'uuid-b', cutPosition: 40, bytes: 200_704, transferMs: 18, energyJoules: 0, gramsCo2: 0 },
      { fromId: 'uuid-b', toId: 'coordinator', cutPosition: 100, bytes: 4000, transferMs: 2, energyJoules: 0, gramsCo2: 0 },
    ],
    share: 1,
    prediction: { latencyMs: 150, throughputPerSecond: 20, energyJoules: 0.8, gramsCo2: 1.18e-4, transferMs: 70, transferBytes: 806_816 },
  }],
  prediction: { latencyMs: 150, throughputPerSecond: 20, energyJoules: 0.8, gramsCo2: 1.18e-4, transferMs: 70, transferBytes: 806_816 },
  weights: { latency: 0.4, energy: 0.2, carbon: 0.4 },
  method: 'exact',
  normalisation: { ideal: { latencyMs: 1, energyJoules: 1, gramsCo2: 1 }, nadir: { latencyMs: 2, energyJoules: 2, gramsCo2: 2 } },
};

/**
 * A run of `inferences` requests (the last one failed after running its first slice), busy times
 * scaled by `scale`; `startedAt` sets the id and order.
 */
export function makeRun(options: { id?: string; startedAt?: string; inferences?: number; scale?: number; mode?: string } = {}): RunRecord {
  const inferences = options.inferences ?? 4;
  const scale = options.scale ?? 1;
  const ledger = new CarbonLedger();
  const at = options.startedAt ?? '2026-12-03T08:00:00.000Z';
  const requests: RunRecord['requests'][number][] = [];
  for (let i = 0; i < inferences; i++) {
    const inferenceId = `r${i}`;
    ledger.recordExecution({ inferenceId, nodeId: 'uuid-a', sliceId: 's0', busyMs: 36 * scale, wallMs: 36 * scale, power: flat10, intensity: scenarioReading('node-green'), at });
    const last = i === inferences - 1;
    if (!last) {
      ledger.recordHop({ inferenceId, fromNodeId: 'uuid-a', toNodeId: 'uuid-b', bytes: 200_704, intensity: scenarioReading('node-green'), at });
      ledger.recordExecution({ inferenceId, nodeId: 'uuid-b', sliceId: 's1', busyMs: 50 * scale, wallMs: 100 * scale, power: flat10, intensity: scenarioReading('node-high'), at });
    }
    requests.push(last ? { requestId: i, ok: false, latencyMs: null, attempts: 3, pipeline: null, reason: 'node B left' } : { requestId: i, ok: true, latencyMs: (140 + i * 5) * scale, attempts: 1, pipeline: 0, reason: null });
  }
  return {
    format: RUN_RECORD_FORMAT,
    id: options.id ?? 'run-2026-12-03T08-00-00-aaaa',
    startedAt: at,
    finishedAt: '2026-12-03T08:00:11.000Z',
    status: 'done',
    error: null,
    configuration: { model: 'mobilenetv2', mode: options.mode ?? 'balanced', stages: 0, inferences, ratePerSecond: 0, seed: 1 },
    plan: PLAN,
    replans: [],
    nodes: [
      { nodeId: 'uuid-a', name: 'Laptop, "A"', deviceClass: 'laptop', simulated: false, flopsPerSecond: 6e9, idleWatts: 10, maxWatts: 10, powerLabel: 'configured', gramsCo2PerKwh: 380, intensityZone: 'WORLD', intensitySource: 'configured', intensityConfigured: true },
      { nodeId: 'uuid-b', name: 'Phone-B', deviceClass: 'phone', simulated: false, flopsPerSecond: 2e9, idleWatts: 10, maxWatts: 10, powerLabel: 'configured', gramsCo2PerKwh: 620, intensityZone: 'WORLD', intensitySource: 'configured', intensityConfigured: true },
    ],
    requests,
    ledger: { networkJoulesPerByte: ledger.networkJoulesPerByte, embodiedEnabled: ledger.embodiedEnabled, rows: ledger.rows() },
    baselines: [{ key: 'fastest-node', label: 'whole model on the fastest node (Laptop, "A")', energyJoulesPerInference: 2, gramsCo2PerInference: 3e-4, latencyMsPerInference: 120, provenance: 'estimated' }],
    events: [{ atMs: 0, kind: 'deployed', text: 'deployed in 900 ms' }],
  };
}

const benchmark = { model: 'paddle-cls', backends: [{ backend: 'wasm' as const, available: true, medianMs: 5, runs: 10, flopsPerSecond: 6e9 }, { backend: 'webgpu' as const, available: false }], threads: 2, crossOriginIsolated: true };
/** A ready phone node record with a 6 GFLOP/s WASM benchmark and no carbon profile (labelled defaults). */
export const nodeRecord = (nodeId: string, name: string, state: NodeRecord['state'] = 'ready'): NodeRecord =>
  ({ nodeId, name, deviceClass: 'phone', hardwareConcurrency: 8, deviceMemoryGb: 4, webgpu: false, simulated: false, state, benchmark, load: 0, lastSeenMs: 0 }) as unknown as NodeRecord;

/** Hops and executions of one run on uuid-a -> uuid-b, with timestamps 08:00:01-08:00:05.5. */
export function ledgerOfRun(): CarbonLedger {
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

