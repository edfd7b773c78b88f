import { describe, expect, it } from 'vitest';
import { auditView } from '../../../src/ui/audit-view';
import { runSettingsProblem, startRunSession } from '../../../src/swarm/run-session';

describe('audits on the Run panel', () => {
  it('names quarantined nodes and counts what could not be judged', () => {
    const stats = {
      requestsAudited: 6, slicesJudged: 17, mismatches: 3, tiebreaks: 0, attributed: 3, inconclusive: 0, quarantined: 1, suspectResults: 4,
      incomplete: 1, errors: 1, refereeMs: 250, holds: 2, quarantinedNodes: ['n-2'], suspects: ['r1', 'r2', 'r3', 'r4'],
    };
    expect(auditView(stats, 0.1, (id) => (id === 'n-2' ? 'laptop-b' : id))).toEqual({
      rate: 0.1, requestsAudited: 6, slicesJudged: 17, mismatches: 3, quarantined: ['laptop-b'], quarantinedIds: ['n-2'], suspectResults: 4, unjudged: 2, refereeMs: 250,
    });
    expect(auditView(undefined, 0.05, String)).toMatchObject({ requestsAudited: 0, mismatches: 0, quarantined: [] });
  });

  it('refuses an audit share outside 0..1, and audits without a referee', () => {
    const settings = { model: 'tinycnn', mode: 'balanced' as const, stages: 0, inferences: 1, ratePerSecond: 0, seed: 1 };
    expect(runSettingsProblem({ ...settings, auditRate: 1.5 })).toBe('audit share must be between 0 and 1 (0-100 %), got 1.5');
    expect(runSettingsProblem({ ...settings, auditRate: 0.05 })).toBeUndefined();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => startRunSession({} as any, {} as any, { ...settings, auditRate: 0.05 }, () => {})).toThrow('audits (5 % of requests) need a referee to re-run slices on; none was given');
  });
});
