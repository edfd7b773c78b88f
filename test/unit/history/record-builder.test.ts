import { describe, expect, it } from 'vitest';
import { buildRunRecord, runNodeFrom } from '../../../src/history/record-builder';
import { parseRunRecord } from '../../../src/history/run-record';
import { runTotals } from '../../../src/history/run-totals';
import { PLAN, ledgerOfRun, nodeRecord } from './fixtures';

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

