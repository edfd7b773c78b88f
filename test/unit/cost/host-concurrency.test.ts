/**
 * ConcurrencyMeter (src/cost/host-concurrency.ts): the mean number of executions of a host's nodes
 * running at once while the run is saturated, by hand-checkable cases.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrencyMeter } from '../../../src/cost/host-concurrency';

/** Back-to-back executions of `wallMs` on a node from `fromMs` to `toMs`. */
function fill(meter: ConcurrencyMeter, nodeId: string, fromMs: number, toMs: number, wallMs: number): void {
  for (let end = fromMs + wallMs; end <= toMs; end += wallMs) meter.record(nodeId, end, wallMs);
}

describe('ConcurrencyMeter', () => {
  it('two nodes busy all the time give 2; one of them half the time gives 1.5', () => {
    const m = new ConcurrencyMeter({ windowMs: 10_000 });
    m.setSaturated(true, 0);
    fill(m, 'a', 0, 1000, 50);
    fill(m, 'b', 0, 1000, 100);
    expect(m.concurrency(new Set(['a', 'b']), 1000)).toBeCloseTo(2, 9);
    const h = new ConcurrencyMeter({ windowMs: 10_000 });
    h.setSaturated(true, 0);
    fill(h, 'a', 0, 1000, 50);
    for (let end = 100; end <= 1000; end += 200) h.record('b', end, 100); // busy 100 of every 200 ms
    expect(h.concurrency(new Set(['a', 'b']), 1000)).toBeCloseTo(1.5, 2);
    // Only the nodes asked about count.
    expect(h.concurrency(new Set(['a']), 1000)).toBeCloseTo(1, 9);
  });

  it('counts only the saturated period, and keeps the last period\'s figure once the queue empties', () => {
    const m = new ConcurrencyMeter({ windowMs: 10_000 });
    fill(m, 'a', 0, 500, 50); // before saturation: not counted
    m.setSaturated(true, 500);
    fill(m, 'a', 500, 1500, 50);
    fill(m, 'b', 1000, 1500, 50); // b joins half way
    m.setSaturated(false, 1500);
    fill(m, 'a', 1500, 2000, 50); // draining: not counted
    // a: 1000 ms busy, b: 500 ms over the 1000 ms period.
    expect(m.concurrency(new Set(['a', 'b']), 5000)).toBeCloseTo(1.5, 9);
  });

  it('judges only the last windowMs, and needs enough executions', () => {
    const m = new ConcurrencyMeter({ windowMs: 1000, minExecutions: 6 });
    m.setSaturated(true, 0);
    fill(m, 'a', 0, 2000, 100); // alone for 2 s
    fill(m, 'b', 1000, 2000, 100); // then b too, for the last second
    expect(m.concurrency(new Set(['a', 'b']), 2000)).toBeCloseTo(2, 9);
    const few = new ConcurrencyMeter({ minExecutions: 6 });
    few.setSaturated(true, 0);
    fill(few, 'a', 0, 500, 100);
    expect(few.concurrency(new Set(['a']), 500)).toBeUndefined();
    expect(new ConcurrencyMeter().concurrency(new Set(['a']), 0)).toBeUndefined();
  });

  it('ignores figures that are not finite or negative', () => {
    const m = new ConcurrencyMeter({ minExecutions: 1 });
    m.setSaturated(true, 0);
    m.record('a', 100, -5);
    m.record('a', Number.NaN, 5);
    m.record('a', 100, Number.POSITIVE_INFINITY);
    expect(m.concurrency(new Set(['a']), 200)).toBeUndefined();
  });
});
