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

  it('with a share, waits at least the last run\'s cost / share: a record that grows is rebuilt less often, not for longer', async () => {
    let clock = 0;
    let cost = 10;
    let runs = 0;
    const c = new Coalesced(250, () => { runs++; clock += cost; }, { share: 0.1, now: () => clock });
    expect(c.delayMs).toBe(250);
    c.flush(); // cost 10 ms: 10 / 0.1 = 100 < 250
    expect(c.delayMs).toBe(250);
    cost = 60;
    c.flush(); // 60 / 0.1 = 600
    expect(c.delayMs).toBe(600);
    c.schedule();
    vi.advanceTimersByTime(599);
    expect(runs).toBe(2);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(3);
    // A run that returns a promise costs until it settles (a save to the history), even when it fails.
    let settle!: () => void;
    const saving = new Coalesced(1000, () => new Promise<void>((_, reject) => { settle = () => { clock += 400; reject(new Error('quota')); }; }), { share: 0.2, now: () => clock });
    saving.flush();
    expect(saving.delayMs).toBe(1000);
    settle();
    await Promise.resolve();
    await Promise.resolve();
    expect(saving.delayMs).toBe(2000);
    // A run that says what it took of this thread (a save waiting on the disk) is paced by that, not by its wall time.
    const disk = new Coalesced(1000, () => new Promise<number>((resolve) => { settle = () => { clock += 5000; resolve(300); }; }), { share: 0.2, now: () => clock });
    disk.flush();
    settle();
    await Promise.resolve();
    await Promise.resolve();
    expect(disk.delayMs).toBe(1500);
    expect(() => new Coalesced(1, () => undefined, { share: 0 })).toThrow(/share must be in \(0, 1\]/);
  });
});
