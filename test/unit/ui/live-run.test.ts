import { describe, expect, it } from 'vitest';
import { CarbonLedger } from '../../../src/carbon/ledger';
import { bundledReading } from '../../../src/carbon/bundled-intensity';
import type { Placement } from '../../../src/plan/plan-types';
import type { NodeRecord } from '../../../src/swarm/coordinator';
import { carbonOf } from '../../../src/swarm/plan-inputs';
import { parseRunRecord } from '../../../src/history/run-record';
import { LiveRun, finalStatus } from '../../../src/ui/live-run';

const settings = { model: 'tinycnn', mode: 'balanced', stages: 2, inferences: 3, ratePerSecond: 0, seed: 1 };
const node = (nodeId: string, name: string, zone: string, state = 'ready'): NodeRecord => ({
  nodeId, name, deviceClass: 'laptop', hardwareConcurrency: 4, deviceMemoryGb: 8, webgpu: false, simulated: false, state, load: 0, lastSeenMs: 0,
  profile: { intensity: bundledReading(zone), power: carbonOf({ deviceClass: 'laptop', deviceMemoryGb: 8 } as NodeRecord).power, slowdown: 1 },
} as unknown as NodeRecord);
const placement = (ids: string[]): Placement => ({
  pipelines: [{
    slices: ids.map((id, i) => ({ sliceRange: [i, i + 1] as const, nodeId: id, backend: 'wasm', computeMs: 1, energyJoules: 1, gramsCo2: 1e-4, memoryBytes: 1 })),
    hops: [], share: 1,
    prediction: { latencyMs: 2, throughputPerSecond: 1, energyJoules: 2, gramsCo2: 2e-4, transferMs: 0, transferBytes: 0 },
  }],
  prediction: { latencyMs: 2, throughputPerSecond: 1, energyJoules: 2, gramsCo2: 2e-4, transferMs: 0, transferBytes: 0 },
  weights: { latency: 0.4, energy: 0.2, carbon: 0.4 }, method: 'exact',
  normalisation: { ideal: { latencyMs: 1, energyJoules: 1, gramsCo2: 1e-4 }, nadir: { latencyMs: 3, energyJoules: 3, gramsCo2: 3e-4 } },
});

describe('live run', () => {
  it('keeps the first plan, re-plans with their reason, gone nodes with their names, and outcomes', () => {
    const live = new LiveRun(settings, new Date('2026-12-03T08:04:31Z'), 1000, () => 0.5);
    expect(live.id).toBe('run-2026-12-03T08-04-31-iiii');
    live.noteNodes([node('a', 'Laptop-A', 'FR'), node('b', 'Phone-B', 'PL')]);
    live.onEvent({ kind: 'deployed', runId: 1, placement: placement(['a', 'b']), deployMs: 812 }, 1500);
    live.onEvent({ kind: 'result', outcome: { requestId: 1, ok: true, latencyMs: 12, attempts: 1, pipeline: 0, outputs: { y: { dtype: 'float32', dims: [1000], data: new Float32Array(1000) } } } as never }, 1600);
    live.noteNodes([node('a', 'Laptop-A', 'FR'), { ...node('b', 'renamed?', 'WORLD'), state: 'gone' } as NodeRecord]);
    live.onEvent({ kind: 'replanning', reason: 'Phone-B left' }, 2000);
    live.onEvent({ kind: 'deployed', runId: 2, placement: placement(['a']), deployMs: 300, note: '2 slices asked, 1 node(s) left' }, 2400);
    live.onEvent({ kind: 'result', outcome: { requestId: 2, ok: false, reason: 'stopped by the user', cancelled: true, attempts: 1 } as never }, 2500);
    const ledger = new CarbonLedger();
    const record = live.record(finalStatus(live.outcomes), ledger, new Date('2026-12-03T08:04:40Z'));
    expect(parseRunRecord(record)).toBe(record);
    expect(record.status).toBe('stopped');
    expect(record.plan!.pipelines[0]!.slices.map((s) => s.nodeId)).toEqual(['a', 'b']);
    expect(record.replans).toEqual([{ atMs: 1400, reason: 'Phone-B left', plan: placement(['a']) }]);
    expect(live.placement).toEqual(placement(['a']));
    // The node that left keeps the name and profile it had while present.
    expect(record.nodes.find((n) => n.nodeId === 'b')).toMatchObject({ name: 'Phone-B', intensityZone: 'PL' });
    expect(record.events.map((e) => [e.atMs, e.kind])).toEqual([[500, 'deployed'], [1000, 'replan'], [1400, 'deployed']]);
    expect(record.events[2]!.text).toBe('deployed on 1 node(s) in 300 ms: 2 slices asked, 1 node(s) left');
    expect(record.requests.map((r) => [r.requestId, r.ok])).toEqual([[1, true], [2, false]]);
    // Outputs are not kept: the record has none, and a long run's would fill the tab.
    expect(live.outcomes.map((o) => (o.ok ? o.outputs : null))).toEqual([{}, null]);
    expect(finalStatus([])).toBe('done');
  });
});
