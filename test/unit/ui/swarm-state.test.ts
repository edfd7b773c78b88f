import { describe, expect, it } from 'vitest';
import type { NodeRecord } from '../../../src/swarm/coordinator';
import { busySharesOf, nodeChangeEvents, presenterFrom, runEventLine, streamRates, swarmNodesFrom } from '../../../src/ui/swarm-state';
import { PLAN, ledgerOfRun, nodeRecord } from '../history/fixtures';

describe('swarm state', () => {
  it('gives busy shares from execution rows and marks quarantined nodes', () => {
    const views = swarmNodesFrom([nodeRecord('uuid-a', 'Phone-A'), nodeRecord('uuid-b', 'Phone-B'), nodeRecord('uuid-c', 'Phone-C', 'gone')], ledgerOfRun().rows(), new Set(['uuid-b', 'uuid-c']));
    expect(views.map((v) => [v.name, v.state, v.busyShare])).toEqual([['Phone-A', 'ready', 0.25], ['Phone-B', 'quarantined', 0.75], ['Phone-C', 'gone', 0]]);
    // The live view passes the rows' busy shares, summed once per record, for the same picture.
    const records = [nodeRecord('uuid-a', 'Phone-A'), nodeRecord('uuid-b', 'Phone-B')];
    expect(swarmNodesFrom(records, busySharesOf(ledgerOfRun().rows()))).toEqual(swarmNodesFrom(records, ledgerOfRun().rows()));
    expect(busySharesOf(ledgerOfRun().rows()).busy.get('uuid-b')! / busySharesOf(ledgerOfRun().rows()).total).toBe(0.75);
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

describe('swarm events and presenter', () => {
  it('turns node list changes into join and leave lines', () => {
    const a = nodeRecord('uuid-a', 'Phone-A');
    const b = nodeRecord('uuid-b', 'Phone-B');
    expect(nodeChangeEvents([a], [a, b], 5)).toEqual([{ atMs: 5, kind: 'join', text: 'Phone-B joined' }]);
    const goneB = { ...b, state: 'gone', goneReason: 'silent for 4 s' } as NodeRecord;
    expect(nodeChangeEvents([a, b], [a, goneB], 9)).toEqual([{ atMs: 9, kind: 'leave', text: 'Phone-B left (silent for 4 s)' }]);
    expect(nodeChangeEvents([a, goneB], [a], 12)).toEqual([]); // already reported
    expect(nodeChangeEvents([a, b], [a], 12)).toEqual([{ atMs: 12, kind: 'leave', text: 'Phone-B left' }]);
  });

  it('turns run events into lines and computes the presenter figures', () => {
    expect(runEventLine({ kind: 'deployed', runId: 1, placement: PLAN, deployMs: 912.4 }, 1)).toEqual({ atMs: 1, kind: 'deployed', text: 'plan deployed: 1 pipeline, 2 slices (912 ms)' });
    expect(runEventLine({ kind: 'replanning', reason: 'node Phone-B left' }, 2)!.kind).toBe('replan');
    expect(runEventLine({ kind: 'result', outcome: { ok: false, requestId: 1, reason: 'x', attempts: 1 } }, 3)).toBeNull();
    const baseline = { key: 'fastest-node', label: 'the whole model on the fastest node (Phone-A)', energyJoulesPerInference: 1, gramsCo2PerInference: 2e-4, latencyMsPerInference: 100, provenance: 'p' };
    const p = presenterFrom({ completed: 10, total: { gramsCo2: 1.5e-3 }, gramsCo2PerInference: 1.5e-4 }, [baseline], 30);
    expect(p.inferencesDone).toBe(10);
    expect(p.gramsCo2Saved).toBeCloseTo(2e-3 - 1.5e-3, 15);
    expect(p.savedAgainst).toBe(baseline.label);
    expect(presenterFrom({ completed: 0, total: { gramsCo2: 0 }, gramsCo2PerInference: NaN }, [], 30).gramsCo2Saved).toBeNull();
    // With the run's own plan as predicted, the saving is like for like (both predicted), not measured vs predicted.
    const planned = { ...baseline, key: 'plan-predicted', label: "this run's plan as predicted", gramsCo2PerInference: 0.5e-4 };
    const like = presenterFrom({ completed: 10, total: { gramsCo2: 1.5e-3 }, gramsCo2PerInference: 1.5e-4 }, [baseline, planned], 30);
    expect(like.gramsCo2Saved).toBeCloseTo(10 * (baseline.gramsCo2PerInference - 0.5e-4), 15);
    expect(like.savedAgainst).toBe(`${baseline.label} (both predicted)`);
  });
});
