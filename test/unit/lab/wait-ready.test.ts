/**
 * The lab waits, before each configuration, for every node to be ready again: a node that is back
 * within the bound is waited for; past the bound, who is still not ready is returned with its state.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { waitAllReady } from '../../../src/lab/browser-lab';

type Listed = { name: string; state: string; planNode?: object };

/** A coordinator page whose lab hook lists `script[i]` on its i-th call (the last one after that). */
function coordinatorListing(script: Listed[][]): { page: Page; calls: () => number } {
  let i = 0;
  const page = { evaluate: async () => script[Math.min(i++, script.length - 1)] } as unknown as Page;
  return { page, calls: () => i };
}

const ready = (name: string): Listed => ({ name, state: 'ready', planNode: {} });

describe('waitAllReady', () => {
  it('returns at once when every node is ready and benchmarked', async () => {
    const { page, calls } = coordinatorListing([[ready('A'), ready('B')]]);
    const lines: string[] = [];
    expect(await waitAllReady(page, ['A', 'B'], 'split3 #1', 5000, (l) => lines.push(l))).toEqual([]);
    expect(calls()).toBe(1);
    expect(lines).toEqual([]);
  });

  it('waits for a node that is rejoining, says so once, and goes on when it is back', async () => {
    const { page, calls } = coordinatorListing([
      [ready('A'), { name: 'B', state: 'rejoining' }],
      [ready('A'), { name: 'B', state: 'rejoining' }],
      [ready('A'), { name: 'B', state: 'ready' }],
      [ready('A'), ready('B')],
    ]);
    const lines: string[] = [];
    expect(await waitAllReady(page, ['A', 'B'], 'split3 #1', 10_000, (l) => lines.push(l))).toEqual([]);
    expect(calls()).toBe(4);
    expect(lines).toEqual(['before split3 #1: waiting for B (rejoining)', 'before split3 #1: waiting for B (ready, no benchmark)']);
  });

  it('past the bound, returns every node that is not ready with its state', async () => {
    const { page } = coordinatorListing([[ready('A'), { name: 'B', state: 'gone' }]]);
    const t0 = Date.now();
    expect(await waitAllReady(page, ['A', 'B', 'C'], 'paper-green #2', 300, () => {})).toEqual([{ name: 'B', state: 'gone' }, { name: 'C', state: 'not in the room' }]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });
});
