import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalesced } from '../../../src/ui/coalesce';

describe('coalesced', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once per window however many calls come, at once on flush, and schedules again after', () => {
    let runs = 0;
    const c = new Coalesced(250, () => runs++);
    for (let i = 0; i < 10; i++) c.schedule();
    expect(runs).toBe(0);
    vi.advanceTimersByTime(250);
    expect(runs).toBe(1);
    c.schedule();
    c.flush();
    expect(runs).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(2);
    // A flush or a cancel never leaves a stale timer behind: the next schedule runs again.
    c.schedule();
    c.cancel();
    c.schedule();
    vi.advanceTimersByTime(250);
    expect(runs).toBe(3);
  });
});
