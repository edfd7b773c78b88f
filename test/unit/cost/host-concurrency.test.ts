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
    fill(m, 'b', 500, 1000, 100); // b busy the first half only
    m.setSaturated(false, 1500);
    fill(m, 'a', 1500, 2000, 50); // draining: not counted
    // a: 1000 ms busy, b: 500 ms over the 1000 ms period.
    expect(m.concurrency(new Set(['a', 'b']), 5000)).toBeCloseTo(1.5, 9);
  });

  it('starts when every node had its first work: a pipeline filling is not capacity the host lacked', () => {
    const m = new ConcurrencyMeter({ windowMs: 10_000 });
    m.setSaturated(true, 0);
    fill(m, 'a', 0, 1000, 50);
    fill(m, 'b', 200, 1000, 100); // the second stage's first input arrives at 200 ms
    expect(m.concurrency(new Set(['a', 'b']), 1000)).toBeCloseTo(2, 9);
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

  it('effective cores count each execution for its prediction: planned on them, the host runs at the rate it reached', () => {
    // Two nodes share a host; their walls vary (40/160 ms alternating on a, 100 ms on b), the
    // planner predicts 60 ms for a's slice and 80 ms for b's. The host completed one execution of
    // each slice per 100 ms (10 pairs a second).
    const m = new ConcurrencyMeter({ windowMs: 10_000 });
    m.setSaturated(true, 0);
    let end = 0;
    for (let i = 0; i < 10; i++) {
      const wall = i % 2 ? 160 : 40;
      end += wall;
      m.record('a', end, wall, () => 60);
    }
    for (let t = 100; t <= 1000; t += 100) m.record('b', t, 100, () => 80);
    const ids = new Set(['a', 'b']);
    expect(m.concurrency(ids, 1000)).toBeCloseTo(2, 9);
    const cores = m.effectiveCores(ids, 1000)!;
    expect(cores).toBeCloseTo((10 * 60 + 10 * 80) / 1000, 9);
    // Planned with `cores` on the predicted times, the host's rate is what it measured.
    expect(cores / (60 + 80) * 1000).toBeCloseTo(10, 9);
    // No prediction, or one that is not a finite number > 0: counted for its wall.
    const plain = new ConcurrencyMeter({ minExecutions: 1 });
    plain.setSaturated(true, 0);
    plain.record('a', 100, 100);
    plain.record('a', 200, 100, () => Number.NaN);
    plain.record('a', 300, 100, () => 0);
    expect(plain.effectiveCores(new Set(['a']), 300)).toBeCloseTo(plain.concurrency(new Set(['a']), 300)!, 9);
  });
});
